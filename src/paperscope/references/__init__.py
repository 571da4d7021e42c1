"""Reference managers: read BibTeX, RIS and CSL-JSON bibliographies, match their entries
to papers in the store and save them to a reader's library; write any list of papers
back out in the same three formats.

Typical use::

    report = import_references(store=store, settings=settings, user_id=7,
                               data=path.read_bytes(), filename=path.name)
    text = export_papers(papers, "bibtex")
"""

from paperscope.references.export import (
    EXPORT_FORMATS,
    ExportEntry,
    export_library,
    export_paper_ids,
    export_papers,
    media_type,
)
from paperscope.references.importer import (
    EntryOutcome,
    ReferenceImportReport,
    import_references,
)
from paperscope.references.reading import (
    FORMATS,
    MAX_ENTRIES,
    MAX_FILE_BYTES,
    ReferenceFormatError,
    guess_format,
    read_references,
)
from paperscope.references.records import Reference, ascii_text

__all__ = [
    "EXPORT_FORMATS",
    "FORMATS",
    "MAX_ENTRIES",
    "MAX_FILE_BYTES",
    "EntryOutcome",
    "ExportEntry",
    "Reference",
    "ReferenceFormatError",
    "ReferenceImportReport",
    "ascii_text",
    "export_library",
    "export_paper_ids",
    "export_papers",
    "guess_format",
    "import_references",
    "media_type",
    "read_references",
]
