"""`models finetune` end to end on a tiny BEIR-format dataset: train a query encoder on
one half of the judged queries, score the other half with it, and refuse it for a
dense index of another model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperscope.index.artifacts import IndexMismatchError
from paperscope.index.query_encoder import QUERY_MODEL_FILE, TrainingSettings
from paperscope.models import SearchQuery
from paperscope.search.eval_beir import (
    BeirError,
    evaluate_beir,
    indexed_engine,
    load_beir,
    select_half,
)
from paperscope.search.query_tuning import finetune_on_beir

pytest.importorskip("sentence_transformers")

DOCS = {
    "d1": ("Graph networks for molecules", "Message passing predicts molecule properties."),
    "d2": ("Robot control", "Reinforcement learning trains robot arms by trial and error."),
    "d3": ("Protein folding", "Attention models predict protein structure."),
    "d4": ("Speech on phones", "Small transformers recognise speech on device."),
    "d5": ("Scheduling", "Convex relaxations solve scheduling problems."),
    "d6": ("Chemistry automation", "Bayesian optimisation tunes chemical reactions."),
}
QUERIES = {
    "q1": ("molecules as graphs", "d1"),
    "q2": ("robots that learn from mistakes", "d2"),
    "q3": ("how proteins fold", "d3"),
    "q4": ("voice assistants running locally", "d4"),
    "q5": ("timetabling with optimisation", "d5"),
    "q6": ("self-driving labs for chemistry", "d6"),
}


@pytest.fixture
def dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # torch embeds the six abstracts without an ONNX export; the search path is the same.
    monkeypatch.setenv("PAPERSCOPE_EMBEDDING_BACKEND", "torch")
    folder = tmp_path / "tiny"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": a}) + "\n" for i, (t, a) in DOCS.items())
    )
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": q, "text": text}) + "\n" for q, (text, _) in QUERIES.items())
    )
    (folder / "qrels" / "train.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t1\n" for q, (_, d) in QUERIES.items())
    )
    return folder


def test_halves_alternate_in_file_order() -> None:
    queries = {f"q{n}": f"text {n}" for n in range(5)}
    assert list(select_half(queries, "even")) == ["q0", "q2", "q4"]
    assert list(select_half(queries, "odd")) == ["q1", "q3"]
    assert select_half(queries, "all") == queries
    with pytest.raises(BeirError, match="half 'first'"):
        select_half(queries, "first")


def test_tuned_query_encoder_is_trained_on_one_half_and_scores_the_other(
    dataset: Path, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    folder = finetune_on_beir(
        directory=dataset,
        split="train",
        half="even",
        out_dir=tmp_path / "encoder",
        work_dir=work,
        training=TrainingSettings(epochs=1, batch_size=4),
    )
    identity = json.loads((folder / QUERY_MODEL_FILE).read_text())
    assert identity["queries"] == 3 and identity["pairs"] == 3
    assert identity["document_model"] == "all-MiniLM-L6-v2"
    scores = evaluate_beir(
        dataset, split="train", half="odd", work_dir=work, query_model=str(folder)
    )
    assert [s.queries for s in scores] == [3, 3, 3]
    assert all(0.0 <= s.ndcg_at_10 <= 1.0 for s in scores)
    dense = next(s for s in scores if s.mode == "dense")
    assert dense.recall_at_100 == 1.0  # six papers: every one is among the top 100

    identity["document_model"] = "some-other-model"
    (folder / QUERY_MODEL_FILE).write_text(json.dumps(identity))
    corpus = load_beir(dataset, split="train")
    with (
        indexed_engine(corpus, work_dir=work, query_model=str(folder)) as engine,
        pytest.raises(IndexMismatchError, match="some-other-model"),
    ):
        engine.search(SearchQuery(text="how proteins fold"))


def test_finetune_command_reports_a_missing_dataset(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env.update(PAPERSCOPE_DATA_DIR=str(tmp_path / "data"), PAPERSCOPE_DEV_MODE="1")
    command = [sys.executable, "-c", "from paperscope.cli import main; main()"]
    args = ["models", "finetune", str(tmp_path / "nowhere"), str(tmp_path / "out")]
    done = subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    said = " ".join((done.stderr + done.stdout).split())
    assert "Invalid value for 'dataset'" in said and "nowhere' does not exist" in said
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "out").exists()
