# The project's entry points. `make demo` and `make test` each set up everything
# they need on a fresh machine with Python 3.11+.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench completions clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

## Run a real backup script under `taskbadger run` against a local API server.
demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" sh examples/demo.sh

## Run the whole test suite, then the linters and the type checker.
test: $(STAMP) lint
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict taskbadger taskbadger_cli

## Compare speed and memory with the official client, side by side.
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

## Regenerate the shell completion scripts from the app.
completions: $(STAMP)
	$(BIN)/python scripts/generate_completions.py

clean:
	rm -rf $(VENV) bench/.official-venv
