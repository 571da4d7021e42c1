# The README's commands. `make run` serves the bundled sample; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Two test processes, one per core; a test file stays on one of them (its module
# fixtures, and servers such as the Ray cluster, are not shared across processes).
# PARALLEL= runs the suite in one process.
PARALLEL ?= -n 2 --dist loadfile
DATA_DIR ?= paperscope-data
export PAPERSCOPE_DATA_DIR ?= $(DATA_DIR)

.PHONY: run test test-fast lint typecheck bench install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The torch extra exports the embedding model to ONNX once; torch is pinned to the CPU build.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[torch]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: $(VENV)/.installed
	PAPERSCOPE_DEV_MODE=1 $(BIN)/paperscope import sample/arxiv-snapshot-head200.jsonl
	PAPERSCOPE_DEV_MODE=1 $(BIN)/paperscope import sample/arxiv-oai-cs-2024-01-25.xml
	PAPERSCOPE_DEV_MODE=1 $(BIN)/paperscope stats
	PAPERSCOPE_DEV_MODE=1 $(BIN)/paperscope index
	PAPERSCOPE_DEV_MODE=1 $(BIN)/paperscope serve --host $(HOST) --port $(PORT)

# The deployment tests (several servers behind nginx, one killed with SIGKILL under
# load) run on their own after the rest: beside a second test process, a request in
# flight at the instant of the kill was once cut after its headers, which nginx cannot
# retry.
test: $(VENV)/.installed-test
	bash scripts/install-system-deps.sh
	export PAPERSCOPE_TEST_POSTGRES_URL="$$(bash scripts/start-test-postgres.sh)" && \
	  $(BIN)/python -m pytest $(PARALLEL) --ignore=tests/deploy && \
	  $(BIN)/python -m pytest tests/deploy
	$(MAKE) lint typecheck

# The edit loop: SQLite only, no browser, nothing marked slow; no system packages needed.
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "not browser and not slow and not postgres" -q $(PARALLEL)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

bench: $(VENV)/.installed-test
	@cat bench/README.md

clean:
	rm -rf $(VENV) $(DATA_DIR)
