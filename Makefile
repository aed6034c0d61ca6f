# CDP Desk: one command to run, one to test.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
STAMP  := $(VENV)/.installed

.PHONY: run test lint types unit bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check uv
	$(UV) pip install -q --compile-bytecode --python $(PY) -e '.[dev]'
	# Byte-compile everything now: some machines set PYTHONDONTWRITEBYTECODE, and compiling
	# the holidays package's 250 modules on every start costs half a second.
	$(PY) -m compileall -q -j 0 $(VENV)/lib src > /dev/null
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/cdpdesk analyze examples/withdrawal-cdp.json
	$(VENV)/bin/cdpdesk explain examples/withdrawal-cdp.json

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

types: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(VENV)/bin/pytest

test: lint types unit

bench: $(STAMP)
	$(PY) bench/engine_bench.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
