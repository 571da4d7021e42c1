"""Numbers out of range are usage errors naming the option, never an overflow deep in
the database or the index; and the wording of summaries, hints and notes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer

from paperscope.cli import app
from paperscope.cli.common import run_app
from paperscope.cli.recommend_commands import _nothing_new
from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.library import save_paper
from paperscope.store.papers import upsert_papers

HUGE = "99999999999999999999"


def _run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    code = run_app(app, [*args, "--data-dir", str(data_dir)])
    out = capsys.readouterr()
    return code, out.out, " ".join(out.err.split())


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["search", "transformer", "--offset", HUGE], "--offset"),
        (["search", "transformer", "--offset", "100001"], "--offset"),
        (["stats", "--json", "--top", HUGE], "--top"),
        (["models", "distill", "--dims", "100000"], "--dims"),
        (["serve", "--port", "70000"], "--port"),
        (["serve", "--workers", HUGE], "--workers"),
    ],
)
def test_oversized_numbers_are_usage_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], option: str
) -> None:
    code, _, err = _run(capsys, tmp_path / "data", *args)
    assert code == 2
    assert f"Invalid value for '{option}'" in err and "less than or equal to" in err


def test_removing_a_subscription_id_no_database_holds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for wanted in ("99999", HUGE + "999", "0"):
        code, _, err = _run(capsys, tmp_path / "data", "subscriptions", "remove", wanted)
        assert code == 2 and f"no subscription {wanted};" in err


def test_the_largest_top_still_works(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = _run(capsys, tmp_path / "data", "stats", "--json", "--top", "10000")
    assert code == 0 and '"papers":0' in out


def test_every_summary_in_help_is_one_complete_line() -> None:
    # Groups are recognised by what they hold: Typer may use its own copy of click.
    root: Any = typer.main.get_command(app)
    pending: list[tuple[str, Any]] = list(root.commands.items())
    while pending:
        name, command = pending.pop()
        if hasattr(command, "commands"):
            pending += [(f"{name} {sub}", c) for sub, c in command.commands.items()]
            continue
        summary = (command.help or "").strip().split("\n\n")[0]
        assert "\n" not in summary and summary.endswith("."), f"{name}: {summary!r}"


def test_paperscope_help_lists_whole_sentences(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert run_app(app, ["--help"]) == 0
    listing = capsys.readouterr().out
    assert "Import papers from a file, reporting the records it rejects." in listing
    assert "Run an MCP server on stdin/stdout for AI assistants." in listing
    assert "Build and send digests in a loop until stopped." in listing
    assert "text or" not in listing


@pytest.mark.parametrize(
    ("window", "hint"),
    [
        ("day", "try --window week, month or all"),
        ("week", "try --window month or all"),
        ("month", "try --window all"),
    ],
)
def test_recommend_suggests_only_wider_windows(window: str, hint: str) -> None:
    assert _nothing_new(window).endswith(hint)


def test_recommend_over_all_time_suggests_no_window() -> None:
    message = _nothing_new("all")
    assert "--window" not in message and "--refresh" in message


def _reader_with_a_tagged_paper(data_dir: Path) -> None:
    store = Store.open(Settings(data_dir=data_dir, dev_mode=True))
    try:
        paper = Paper(paper_id="2401.00001", title="A paper", abstract="Text.", source="text")
        upsert_papers(store=store, papers_in=[paper])
        now = datetime.now(UTC)
        user = create_user(store=store, username="bob", email=None, password_hash=None, now=now)
        save_paper(store=store, user_id=user.user_id, paper_id="2401.00001", now=now, tags=["rl"])
    finally:
        store.close()


def test_library_export_of_a_tag_no_paper_has_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    _reader_with_a_tagged_paper(data)
    code, out, err = _run(capsys, data, "library", "export", "bob", "--tag", "nonexist")
    assert code == 2 and out == ""
    assert "bob has no saved paper tagged 'nonexist' (their tags: rl)" in err
    target = tmp_path / "out.bib"
    code, _, _ = _run(
        capsys, data, "library", "export", "bob", "--tag", "nonexist", "-o", str(target)
    )
    assert code == 2 and not target.exists()
    code, out, _ = _run(capsys, data, "library", "export", "bob", "--tag", "rl")
    assert code == 0 and "title = {{A paper}}" in out


def test_eval_beir_names_a_missing_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = run_app(app, ["eval", "beir", str(tmp_path / "nonexistent")])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and "does not exist" in err and "split name" not in err
    code = run_app(app, ["eval", "beir", str(tmp_path)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and "is not a BEIR dataset folder" in err and "split name" not in err


def test_search_refuses_a_date_range_ending_before_it_starts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ("search", "graphs", "--from", "2024-02-01", "--to", "2024-01-01")
    code, out, err = _run(capsys, tmp_path / "data", *args)
    assert code == 2 and out == ""
    assert "--from 2024-02-01 is after --to 2024-01-01; swap them" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--frequency", "hourly"], "--frequency 'hourly': use daily, weekdays or weekly"),
        (["--trending-window", "month"], "--trending-window 'month': use day or week"),
        (["--min-score", "5"], "Invalid value for '--min-score'"),
    ],
)
def test_a_subscription_option_out_of_its_choices_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    base = ["subscriptions", "add", "a@example.org", "--search", "graphs", "--trending"]
    code, out, err = _run(capsys, tmp_path / "data", *base, *args)
    assert code == 2 and out == ""
    assert message in err


def test_a_trending_window_alone_asks_for_trending(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["subscriptions", "add", "a@example.org", "--trending-window", "week", "--confirmed"]
    code, out, err = _run(capsys, tmp_path / "data", *args)
    assert code == 0, err
    assert "a digest of trending papers of the week" in " ".join(out.split())
    args = ["subscriptions", "add", "b@example.org", "--trending-category", "CS", "--confirmed"]
    code, out, err = _run(capsys, tmp_path / "data", *args)
    assert code == 0, err
    assert "a digest of trending papers of the day in cs," in " ".join(out.split())


def test_recommend_names_a_tag_the_reader_does_not_have_like_library_export(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    _reader_with_a_tagged_paper(data)
    code, out, err = _run(capsys, data, "recommend", "--user", "bob", "--tag", "nonexist")
    assert code == 2 and out == ""
    assert err == "error: bob has no saved paper tagged 'nonexist' (their tags: rl)"


def test_search_facets_print_what_the_help_promises(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run_app(app, ["search", "--help"]) == 0
    helped = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert "per category and year (and month, with --json)" in helped


@pytest.mark.parametrize(
    "command", [["eval", "beir"], ["models", "finetune"]], ids=["eval", "finetune"]
)
def test_a_half_that_is_not_all_even_or_odd_names_the_option(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "qrels").mkdir()
    out_dir = [str(tmp_path / "encoder")] if command[0] == "models" else []
    code = run_app(app, [*command, str(tmp_path), *out_dir, "--half", "first"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and err == "error: --half 'first': use all, even or odd"
