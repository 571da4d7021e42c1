"""`paperscope index`, `search`, `similar` and `eval beir` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from search_samples import load_seed, paper_id
from typer.testing import CliRunner

from paperscope.cli import app
from paperscope.config import Settings
from paperscope.store import Store

CLI = [sys.executable, "-c", "from paperscope.cli import main; main()"]


@pytest.fixture
def indexed(settings: Settings, store: Store) -> Path:
    load_seed(store)
    result = CliRunner().invoke(
        app, ["index", "--lexical-only", "--data-dir", str(settings.data_dir)]
    )
    assert result.exit_code == 0, result.output
    assert "indexed 81 papers" in result.stdout
    return settings.data_dir


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_search_json(indexed: Path) -> None:
    out = invoke(
        "search",
        "momentum optimizers",
        "--mode",
        "bm25",
        "--json",
        "--limit",
        "2",
        "--data-dir",
        str(indexed),
    )
    payload = orjson.loads(out)
    assert payload["hits"][0]["paper_id"] == paper_id(0)
    assert payload["hits"][0]["title"].startswith("AdamP")
    assert payload["total"] >= 2 and len(payload["hits"]) == 2


def test_search_filters_and_table(indexed: Path) -> None:
    out = invoke(
        "search",
        "learning",
        "--mode",
        "bm25",
        "--category",
        "stat.ML",
        "--from",
        "2024-02-01",
        "--sort",
        "newest",
        "--json",
        "--data-dir",
        str(indexed),
    )
    ids = [hit["paper_id"] for hit in orjson.loads(out)["hits"]]
    assert ids and ids == sorted(ids, reverse=True)
    table = invoke("search", "momentum", "--mode", "bm25", "--data-dir", str(indexed))
    assert paper_id(0) in table


def test_hybrid_without_dense_index_says_so(indexed: Path) -> None:
    payload = orjson.loads(invoke("search", "momentum", "--json", "--data-dir", str(indexed)))
    assert "keyword results only" in payload["notice"]
    assert payload["hits"][0]["paper_id"] == paper_id(0)


def test_similar_falls_back_to_lexical(indexed: Path) -> None:
    hits = orjson.loads(
        invoke("similar", paper_id(0), "--json", "--limit", "3", "--data-dir", str(indexed))
    )
    assert len(hits) == 3 and paper_id(0) not in [h["paper_id"] for h in hits]
    assert all(h["bm25_score"] is not None and h["semantic_score"] is None for h in hits)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "400"}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, env=env)


def test_user_errors_are_one_line(tmp_path: Path, indexed: Path) -> None:
    missing = run("search", "x", "--data-dir", str(tmp_path / "empty"))
    assert missing.returncode == 2
    assert "paperscope index" in missing.stderr and "Traceback" not in missing.stderr
    bad_date = run("search", "x", "--from", "yesterday", "--data-dir", str(indexed))
    assert bad_date.returncode == 2 and "--from" in bad_date.stderr
    unknown = run("similar", "9999.99999", "--data-dir", str(indexed))
    assert unknown.returncode == 2 and "no paper" in unknown.stderr


def write_beir(folder: Path) -> Path:
    folder.mkdir()
    docs = [
        {
            "_id": "d1",
            "title": "Aspirin and heart attacks",
            "text": "Aspirin lowers the risk of myocardial infarction.",
        },
        {
            "_id": "d2",
            "title": "Vitamin D",
            "text": "Vitamin D supplements and bone density in adults.",
        },
        {
            "_id": "d3",
            "title": "Statins",
            "text": "Statins reduce cholesterol and cardiovascular events.",
        },
    ]
    queries = [
        {"_id": "q1", "text": "aspirin heart attack"},
        {"_id": "q2", "text": "bone density vitamin"},
    ]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    (folder / "queries.train.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    (folder / "qrels").mkdir()
    (folder / "qrels" / "train.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n"
    )
    return folder


def test_eval_beir_json(tmp_path: Path) -> None:
    folder = write_beir(tmp_path / "tiny")
    out = invoke("eval", "beir", str(folder), "--split", "train", "--mode", "bm25", "--json")
    assert orjson.loads(out) == [{"mode": "bm25", "ndcg@10": 1.0, "recall@100": 1.0, "queries": 2}]


def test_eval_beir_reports_broken_input(tmp_path: Path) -> None:
    folder = write_beir(tmp_path / "tiny")
    (folder / "corpus.jsonl").write_text('{"_id": "d1", "title": "ok"}\nnot json\n')
    broken = run("eval", "beir", str(folder), "--split", "train", "--mode", "bm25")
    assert broken.returncode == 2 and "corpus.jsonl:2" in broken.stderr
    wrong_split = run("eval", "beir", str(folder), "--split", "dev")
    assert wrong_split.returncode == 2 and "dev.tsv" in wrong_split.stderr


def test_eval_beir_scifact_subset(shared_data: Path) -> None:
    """BM25 on the SciFact train split, first 100 queries (the full run is in docs)."""
    out = invoke(
        "eval",
        "beir",
        str(shared_data / "beir" / "scifact"),
        "--split",
        "train",
        "--mode",
        "bm25",
        "--limit-queries",
        "100",
        "--json",
    )
    [score] = orjson.loads(out)
    assert score["queries"] == 100
    assert 0.55 <= score["ndcg@10"] <= 0.8 and score["recall@100"] >= 0.85


def test_cli_answers_nonsense_ids_and_facets(
    seed_settings: Settings, seed_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The session's seed index has both retrievers, so the dense floor is exercised.
    monkeypatch.setenv("PAPERSCOPE_EMBEDDING_CACHE_DIR", str(seed_settings.embedding_cache_dir))
    where = ("--data-dir", str(seed_settings.data_dir))
    for nonsense in ("zzzxqj", "qwxz blorft"):
        payload = orjson.loads(invoke("search", nonsense, "--json", *where))
        assert payload["hits"] == [] and payload["total"] == 0
        assert "no paper matches" in invoke("search", nonsense, *where)
    url = f"https://arxiv.org/abs/{paper_id(3)}v2"
    payload = orjson.loads(invoke("search", url, "--json", "--facets", *where))
    assert payload["exact_match"] == paper_id(3) and payload["hits"][0]["exact"] is True
    assert payload["facets"]["years"] == [[2024, 1]]
    table = invoke("search", "momentum", "--facets", *where)
    assert "categories: " in table and "years: 2024" in table


def test_cli_offers_a_respelling_and_plain_notes(indexed: Path) -> None:
    where = ("--data-dir", str(indexed), "--mode", "bm25")
    typo = CliRunner().invoke(app, ["search", "momentum optimisers optimizrs", *where])
    assert typo.exit_code == 0, typo.output
    assert "did you mean: momentum optimisers optimizers" in typo.stderr
    payload = orjson.loads(invoke("search", "momentum optimizrs", "--json", *where))
    assert payload["total"] > 0 and payload["did_you_mean"] == "momentum optimizers"
    assert orjson.loads(invoke("search", "momentum", "--json", *where))["did_you_mean"] is None
    missing = CliRunner().invoke(app, ["search", "arXiv:2312.99999", *where])
    assert missing.exit_code == 0, missing.output
    # The note is styled, not printed with its markup.
    assert "note: No paper with arXiv id 2312.99999" in missing.stderr
    assert "[yellow]" not in missing.stderr and "did you mean" not in missing.stderr
