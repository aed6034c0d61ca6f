# CDP Desk: one command to run, one to test.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
STAMP  := $(VENV)/.installed

.PHONY: all run test lint types unit bench clean system-deps-run system-deps-test messages catalogs

# `make` alone: the venv and the compiled catalogs (each .mo from its .po; `make run` and
# `make test` build them too). Before this the first rule, the system-deps check, was the default.
.DEFAULT_GOAL := all
all: $(STAMP) catalogs

# The gettext catalogs (docs/translating.md): one .po per language, committed; each .mo is
# compiled from it here (and by setup.py in a built package), never committed.
LOCALE   := src/cdpdesk/locale
POS      := $(wildcard $(LOCALE)/*/LC_MESSAGES/messages.po)
MOS      := $(POS:.po=.mo)
PYBABEL  := $(VENV)/bin/pybabel

# The Debian packages beside Python's (scripts/system-deps has the one list): installed
# when root, else named in one line; `make test` stops without them, `make run` warns.
system-deps-run:
	@scripts/system-deps run

system-deps-test:
	@scripts/system-deps test

# The venv with the dev tools and both extras (bulk: Dask, pyarrow, matplotlib; postgres:
# psycopg). Everything is byte-compiled now: some machines set PYTHONDONTWRITEBYTECODE,
# and compiling the holidays package's 250 modules on every start costs half a second.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check uv
	$(UV) pip install -q --compile-bytecode --python $(PY) -e '.[dev,bulk,postgres]'
	$(PY) -m compileall -q -j 0 $(VENV)/lib src > /dev/null
	touch $(STAMP)

# The web desk on var/cdpdesk.db (created and migrated), with the demo cases and users
# (loaded once; again adds nothing), on http://127.0.0.1:8000 until Ctrl-C.
PORT_PROBLEM = $(shell $(PY) -c 'import sys; from cdpdesk.cli.web import port_problem; print(port_problem("127.0.0.1", sys.argv[1]) or "")' '$(PORT)')
# PORT=8001 serves on another port; a port already taken is said in one line (make's own
# error line, before anything else starts).
PORT ?= 8000
run: system-deps-run $(STAMP) catalogs
	$(if $(PORT_PROBLEM),$(error $(PORT_PROBLEM)))
	$(VENV)/bin/cdpdesk serve --demo --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

types: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP) catalogs
	$(VENV)/bin/pytest

# Compile each language's catalog (a .mo older than its .po is rebuilt).
catalogs: $(MOS)

$(LOCALE)/%/LC_MESSAGES/messages.mo: $(LOCALE)/%/LC_MESSAGES/messages.po $(STAMP)
	$(PYBABEL) compile -D messages -i $< -o $@

# Extract every taxpayer message (Python and templates, babel.cfg) into messages.pot and
# merge it into each language's .po: new messages arrive untranslated, and the test
# tests/test_translations.py fails until a translator fills them in.
messages: $(STAMP)
	$(PYBABEL) extract -F babel.cfg --add-location=file --sort-by-file --width=100 \
	  --project=cdpdesk --copyright-holder="CDP Desk" -o $(LOCALE)/messages.pot .
	for po in $(POS); do \
	  $(PYBABEL) update -D messages --width=100 --no-fuzzy-matching --ignore-obsolete \
	    -l $$(basename $$(dirname $$(dirname $$po))) -i $(LOCALE)/messages.pot -o $$po; \
	done

test: system-deps-test lint types unit

bench: $(STAMP)
	$(PY) bench/engine_bench.py
	$(PY) bench/bulk_bench.py
	$(PY) bench/load_bench.py
	$(PY) bench/desk_bench.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
