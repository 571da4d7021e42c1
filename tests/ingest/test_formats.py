"""Format detection from content: each shared sample, compressed or not, whatever its name."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from paperscope.ingest.formats import (
    FORMAT_NAMES,
    SourceFileError,
    detect_format,
    load_reader,
    read_head,
)

SAMPLES = {
    "arxiv/kaggle_snapshot_head200.jsonl": "arxiv-snapshot",
    "hf/daily_papers_2024-10-25.first8.json": "hf-daily",
    "seed/hf_papers_search_page.txt": "text",
    "arxiv/oai_pmh_listrecords_oai_dc_cs_page.xml": "oai-pmh",
    "arxiv/oai_pmh_listrecords_oai_dc_small.xml": "oai-pmh",
}


@pytest.mark.parametrize("sample", list(SAMPLES))
def test_detects_each_sample_by_content(shared_data: Path, tmp_path: Path, sample: str) -> None:
    anonymous = tmp_path / "upload.bin"  # the name says nothing
    shutil.copy(shared_data / sample, anonymous)
    assert detect_format(read_head(anonymous), name="upload.bin") == SAMPLES[sample]
    packed = tmp_path / "upload.gz"
    packed.write_bytes(gzip.compress((shared_data / sample).read_bytes()))
    assert detect_format(read_head(packed), name="upload.gz") == SAMPLES[sample]


def test_export_header_is_detected() -> None:
    head = b'{"format":"paperscope-export","version":1}\n{"paper_id":"x","title":"t"}\n'
    assert detect_format(head, name="e.jsonl") == "export"


def test_every_reader_has_the_shared_interface() -> None:
    for name in FORMAT_NAMES:
        reader = load_reader(name)
        assert name == reader.FORMAT
        assert callable(reader.sniff) and callable(reader.read_records)


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"", "is empty"),
        (b"  \n\n", "is empty"),
        (b'{"some": "json"}\n', "cannot tell the format"),
        (b"<html><body>Not found</body></html>", "cannot tell the format"),
    ],
)
def test_unknown_content_is_a_clear_error(head: bytes, message: str) -> None:
    with pytest.raises(SourceFileError, match=message):
        detect_format(head, name="f")
