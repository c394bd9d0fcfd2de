# The project's ground: `make install`, `make test` (what CI runs), `make lint`, `make bench`.
# `make test` works on a fresh Debian machine as root: it installs what the suite needs.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
BIN := $(VENV)/bin
LINT_PATHS := src tests benchmarks
# Debian packages the test suite needs (e.g. softhsm2, chromium); installed by `apt-deps` only
# when one is missing. Parts that need one add it here.
APT_PACKAGES ?= softhsm2 fonts-liberation2 poppler-utils chromium libreoffice-writer-nogui

# uv on PATH, else the one pip put in the system python (possibly in ~/.local, off PATH).
UV = $$(command -v uv || echo "$(PYTHON) -m uv")

.PHONY: help install apt-deps test test-sqlite test-postgresql lint bench demo clean distclean

help:
	@echo "make install   create $(VENV) with the pinned dependencies (uv.lock)"
	@echo "make test      install, check services, run the whole test suite and the linters"
	@echo "make lint      ruff check, ruff format --check, mypy"
	@echo "make bench     run the benchmarks"
	@echo "make demo      run a seeded hub (:8000) and dms (:8001) on SQLite; Ctrl-C stops them"
	@echo "make clean     remove caches and build output (distclean also removes $(VENV))"

apt-deps:
	@missing=""; \
	for package in $(APT_PACKAGES); do \
		dpkg -s "$$package" >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "apt-deps: installing$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update && apt-get install -y --no-install-recommends $$missing; \
	fi

install: apt-deps
	@if ! command -v uv >/dev/null 2>&1 && ! $(PYTHON) -m uv --version >/dev/null 2>&1; then \
		if ! $(PYTHON) -m pip --version >/dev/null 2>&1; then \
			$(MAKE) --no-print-directory apt-deps APT_PACKAGES="python3 python3-pip"; \
		fi; \
		echo "install: uv not found, installing uv==$(UV_VERSION) with pip"; \
		PIP_BREAK_SYSTEM_PACKAGES=1 $(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"; \
	fi
	@# The system interpreter, never a downloaded one (pyproject also sets python-downloads never).
	@# Bytecode compiled here, once: where PYTHONDONTWRITEBYTECODE is set (as on these machines),
	@# every process would otherwise compile Django and the rest from source again — 2 of the
	@# 3 seconds of a `lienthong hub …` command, and of every server the tests start.
	@set -x; $(UV) sync --frozen --python-preference only-system --compile-bytecode
	@$(BIN)/python -m compileall -q -j 0 src

# Runs the tests and the linters even when one fails, so CI reports both; fails if either did.
# The hub's suite runs again on PostgreSQL (the scale profile): both profiles, one code base.
PG_TEST_URL ?= $(or $(LIENTHONG_TEST_DATABASE_URL),postgresql://postgres@127.0.0.1:5432/lienthong)

# The dms is another Django site: its suite runs in its own pytest invocations (its settings,
# its own data directory), on SQLite and again on PostgreSQL.
DMS_PYTEST = $(BIN)/pytest tests/dms -q --ds=lienthong.sites.dms.settings -p no:cacheprovider

# The SQLite run and the PostgreSQL run go side by side (most of a test's time is spent waiting
# on servers, subprocesses and a browser, and this machine has two cores); the PostgreSQL run's
# output is printed after the SQLite run's. Each has its own dms data directory.
test: install
	.ci/services
	@status=0; pg_pid=""; pg_log=$$(mktemp); \
	if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || [ "$${CI:-}" = true ]; then \
		$(MAKE) --no-print-directory test-postgresql >"$$pg_log" 2>&1 & pg_pid=$$!; \
	else \
		echo "PostgreSQL is not reachable: the hub and dms suites run on SQLite only (CI runs both)"; \
	fi; \
	$(MAKE) --no-print-directory test-sqlite || status=$$?; \
	if [ -n "$$pg_pid" ]; then \
		wait "$$pg_pid" || status=$$?; \
		cat "$$pg_log"; \
	fi; \
	rm -f "$$pg_log"; \
	$(MAKE) --no-print-directory lint || status=$$?; \
	LIENTHONG_DMS_DATA_DIR=$$(mktemp -d) $(BIN)/mypy --config-file src/lienthong/sites/dms/mypy.ini \
		|| status=$$?; \
	exit $$status

# The whole suite on SQLite: everything but the dms, then the dms (another Django site).
test-sqlite:
	@status=0; dms_dir=$$(mktemp -d); \
	echo "== suite on SQLite =="; \
	$(BIN)/pytest --ignore=tests/dms || status=$$?; \
	echo "== dms suite on SQLite =="; \
	LIENTHONG_DMS_DATA_DIR=$$dms_dir $(DMS_PYTEST) || status=$$?; \
	rm -rf "$$dms_dir"; \
	exit $$status

# The hub suite (and the simulator on a hub) and the dms suite again, on PostgreSQL.
test-postgresql:
	@status=0; dms_dir=$$(mktemp -d); \
	echo "== hub suite (and the simulator on a hub) on PostgreSQL =="; \
	LIENTHONG_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest tests/hub tests/demo/test_simulate.py -q \
		-p no:cacheprovider \
		|| status=$$?; \
	echo "== dms suite on PostgreSQL =="; \
	LIENTHONG_DMS_DATA_DIR=$$dms_dir LIENTHONG_DMS_DATABASE_URL=$(PG_TEST_URL) \
		LIENTHONG_DATABASE_URL=$(PG_TEST_URL) $(DMS_PYTEST) || status=$$?; \
	rm -rf "$$dms_dir"; \
	exit $$status

lint:
	@status=0; \
	set -x; \
	$(BIN)/ruff check $(LINT_PATHS) || status=$$?; \
	$(BIN)/ruff format --check $(LINT_PATHS) || status=$$?; \
	$(BIN)/mypy || status=$$?; \
	exit $$status

bench: install
	$(BIN)/python -m benchmarks --record docs/benchmarks.md

# `make demo DEMO_ARGS="--hub-port 9000 --dms-port 9001"`: the options of `lienthong demo`.
demo: install
	$(BIN)/lienthong demo $(DEMO_ARGS)

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find src tests benchmarks -name __pycache__ -type d -prune -exec rm -rf {} +
	find src -name '*.egg-info' -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
