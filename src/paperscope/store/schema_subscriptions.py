"""Tables of this area (see its migration)."""
