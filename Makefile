# The two commands of the README: `make demo` and `make test`.
# Each makes its own virtual environment in .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/monitor: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/monitor

.PHONY: demo test bench
demo: $(BIN)/monitor
	$(BIN)/python -m demo

test: $(BIN)/monitor
	$(BIN)/python -m pytest -q

bench: $(BIN)/monitor
	$(BIN)/python benchmarks/national.py
