# corpus-db: `make serve` installs, imports seeds/ and serves the corpus; `make test` installs and tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= corpus.db
PORT ?= 8001

.PHONY: serve install install-test test lint browser bench bench-1m fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

serve: install
	$(BIN)/corpus-db sync $(DB) --sources sources.yml
	$(BIN)/corpus-db serve $(DB) --port $(PORT)

lint: install-test
	$(BIN)/ruff check corpus_db tests bench
	$(BIN)/lint-imports

# Debian's Chromium for the browser tests; the script says why when it cannot install it (they then skip).
browser:
	sh scripts/install-browser.sh

test: install-test lint browser
	$(BIN)/python -m pytest

# Benchmarks report figures against goals and the raw-sqlite3 floor; they are not part of `make test`.
bench: install-test
	PYTHONPATH=. $(BIN)/python bench/run.py --pairs 3

# Property tests with many more examples than `make test` runs, then the peak memory of every hostile
# case at full size (a gzip expanding to 5 GB, an @string bomb, ...): goal under 300 MB each.
fuzz: install-test
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q -p no:cacheprovider tests/hostile/test_fuzz.py
	PYTHONPATH=. $(BIN)/python bench/run.py --only hostile

bench-1m: install-test
	PYTHONPATH=. $(BIN)/python bench/run.py --size 1000000 --only floor,import,sqlite-utils,search,browse --pairs 3

clean:
	rm -rf $(VENV) build dist *.egg-info test-artifacts bench-data
