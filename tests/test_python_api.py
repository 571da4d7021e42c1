"""The Python API: docs/python.md's examples run as doctests against a fresh data
folder holding the bundled sample, `import paperscope` stays light, and the API's own
errors name what was wrong."""

from __future__ import annotations

import doctest
import subprocess
import sys
from pathlib import Path

import pytest

import paperscope
from paperscope.config import Settings

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "sqlalchemy", "tantivy", "usearch", "onnxruntime", "tokenizers", "mcp", "fastapi")


def test_the_documented_examples_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, onnx_models: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sample").symlink_to(ROOT / "sample")
    monkeypatch.setenv("PAPERSCOPE_EMBEDDING_CACHE_DIR", str(onnx_models))
    result = doctest.testfile(
        str(ROOT / "docs" / "python.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS,
        raise_on_error=False,
        verbose=False,
    )
    assert result.attempted >= 30
    assert result.failed == 0, f"{result.failed} of docs/python.md's examples failed (above)"
    assert (tmp_path / "my-papers" / "paperscope.db").is_file()


def test_import_paperscope_loads_nothing_heavy(tmp_path: Path) -> None:
    script = (
        "import sys, paperscope\n"
        f"ps = paperscope.open({str(tmp_path / 'data')!r})\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
        "ps.close()\n"
    )
    env = {"PYTHONPATH": str(ROOT / "src")}
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    assert "paperscope" in loaded
    assert not set(HEAVY) & set(loaded)
    assert not (tmp_path / "data").exists()  # nothing opened until it is needed


def test_open_accepts_settings_and_overrides(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "a", dev_mode=True)
    with paperscope.open(settings, feed_mode="categories") as ps:
        assert ps.settings.data_dir == tmp_path / "a"
        assert ps.settings.feed_mode == "categories"
    with paperscope.open(tmp_path / "b", feed_categories="cs.LG,cs.CL") as ps:
        assert ps.settings.feed_categories == ("cs.LG", "cs.CL")


@pytest.mark.parametrize(
    ("call", "error", "reason"),
    [
        (lambda ps: ps.search("x", limit=0), paperscope.InvalidArgument, "limit must be"),
        (lambda ps: ps.search("x", limit=5000), paperscope.InvalidArgument, "at most 1000"),
        (lambda ps: ps.search("x", sort="best"), paperscope.InvalidArgument, "sort 'best'"),
        (lambda ps: ps.search("x", offset=10**20), paperscope.InvalidArgument, "offset must"),
        (lambda ps: ps.daily(offset=10**20), paperscope.InvalidArgument, "offset must"),
        (
            lambda ps: ps.search("x", date_to="31/12/2024"),
            ValueError,
            "Not a valid date for date_to: '31/12/2024'. Use the form 2024-10-25.",
        ),
        (lambda ps: ps.daily(date="2024-02-30"), ValueError, "Not a valid date"),
        (lambda ps: ps.daily(week="2024-W01", month="2024-01"), ValueError, "not week and"),
        (lambda ps: ps.trending(window="year"), ValueError, "window 'year'"),
        (lambda ps: ps.paper(""), ValueError, "paper_id is empty"),
        (lambda ps: ps.paper("2401.00001"), LookupError, "no paper '2401.00001'"),
        (lambda ps: ps.library("nobody"), paperscope.NotFound, "no user 'nobody'"),
        (lambda ps: ps.similar("2401.00001"), paperscope.NotReady, "need the search index"),
        (lambda ps: ps.import_path("missing.jsonl"), paperscope.InvalidArgument, "missing"),
        (lambda ps: ps.search("x", date_from=20240101), paperscope.InvalidArgument, "date_from"),
        (lambda ps: ps.search("x", categories=5), paperscope.InvalidArgument, "not int"),
        (lambda ps: ps.ensure_user("bad name/.."), paperscope.InvalidArgument, "Usernames are"),
    ],
)
def test_mistakes_raise_errors_that_say_what_was_wrong(
    tmp_path: Path, call: object, error: type[Exception], reason: str
) -> None:
    with paperscope.open(tmp_path / "data", dev_mode=True) as ps, pytest.raises(error) as raised:
        call(ps)  # type: ignore[operator]
    assert reason in str(raised.value)
    assert isinstance(raised.value, paperscope.PaperscopeError)


def test_too_many_tags_is_a_caller_mistake(tmp_path: Path) -> None:
    with paperscope.open(tmp_path / "data", dev_mode=True) as ps:
        ps.import_path(ROOT / "sample" / "arxiv-snapshot-head200.jsonl")
        ps.ensure_user("ana")
        paper = ps.daily(limit=1).papers[0].paper_id
        with pytest.raises(paperscope.InvalidArgument, match="at most 20 tags"):
            ps.save("ana", paper, tags=[f"t{i}" for i in range(50)])


def test_a_data_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(paperscope.InvalidArgument, match="is a file"):
        paperscope.open(tmp_path / "file")
