"""People on the site: authorship claims (with e-mail-domain auto-approval), e-mail
verification, and what follows of authors and accounts bring to a reader."""
