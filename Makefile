# `make reproduce` and `make test` work on a fresh clone: they create the virtual
# environment (.venv) if missing and install tfalab into it first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.tfalab-installed
REPORT ?= report

.PHONY: install test lint reproduce benchmark clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,atomistic]"
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

# two processes, each test file on one of them (module fixtures such as the explorer's
# server start once); the suite's signal, kill and browser tests tolerate the shared CPU
test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

reproduce: $(STAMP)
	$(BIN)/tfalab reproduce --out $(REPORT)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_design.py
	$(BIN)/python benchmarks/bench_symmetric.py
	$(BIN)/python benchmarks/bench_full.py
	$(BIN)/python benchmarks/bench_analysis.py
	$(BIN)/python benchmarks/bench_fit.py
	$(BIN)/python benchmarks/bench_explore.py

clean:
	rm -rf $(VENV) $(REPORT) .pytest_cache
