# bangfu — the two quick-start commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export BANGFU_HOME ?= $(CURDIR)/var

.PHONY: install demo test test-pg lint bench serve clean messages browser

# The stamp is rebuilt whenever the project's dependencies change.
$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("bangfu needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/bangfu init
	$(BIN)/bangfu demo
	$(BIN)/bangfu serve --host $(HOST) --port $(PORT)

# The browser tests drive Debian's Chromium (never a downloaded browser); installed here when missing.
# BANGFU_SKIP_BROWSER=1 skips the browser tests, and so the install too.
browser:
	@[ "$${BANGFU_SKIP_BROWSER:-}" = 1 ] || command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The suite runs on $(TEST_WORKERS) processes (pytest-xdist; each has its own test database and files);
# TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2

# The browser tests run apart, in one process: their live server commits to the test database, which
# the shared layers (tests/support/layers.py) hold open inside a transaction in the other tests' process.
test: install browser
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --ignore=tests/browser
	@[ "$${BANGFU_SKIP_BROWSER:-}" = 1 ] && echo "BANGFU_SKIP_BROWSER=1: browser tests not run" || $(BIN)/python -m pytest -q tests/browser

# The same suite against PostgreSQL (DATABASE_URL defaults to the local trust-auth server).
test-pg: install
	DATABASE_URL=$${PG_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bangfu} $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --ignore=tests/browser
	@[ "$${BANGFU_SKIP_BROWSER:-}" = 1 ] && echo "BANGFU_SKIP_BROWSER=1: browser tests not run" || DATABASE_URL=$${PG_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bangfu} $(BIN)/python -m pytest -q tests/browser

lint: install
	$(BIN)/ruff check bangfu tests bench
	$(BIN)/ruff format --check bangfu tests bench
	$(BIN)/mypy bangfu tests
	$(BIN)/lint-imports
	$(BIN)/bangfu manage check
	$(BIN)/bangfu manage makemigrations --check --dry-run

bench: install
	@set -e; for script in bench/*.py; do \
	  [ "$$(basename $$script)" = "_common.py" ] && continue; \
	  echo "== $$script"; $(BIN)/python $$script; \
	done

serve: install
	$(BIN)/bangfu serve --host $(HOST) --port $(PORT)

# Refresh the English catalogue from the Chinese source strings; translations live in tools/en_terms.json.
messages: install
	cd bangfu && ../$(BIN)/bangfu manage makemessages -l en --no-obsolete --ignore '*/tests/*'
	$(BIN)/python tools/fill_en.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .grimp_cache *.egg-info
