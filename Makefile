# govhub: every command a newcomer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
HOST ?= 127.0.0.1
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
# Prefer the interpreter .python-version selects (pyenv), else any Python 3.12+.
PYTHON ?= $(shell command -v python3.13 2>/dev/null || command -v python3.12 2>/dev/null || command -v python3)
UV := $(VENV)/bin/uv
UV_SYNC := UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --inexact --python $(PY)

.PHONY: help install install-dev run migrate demo-data test lint format bench messages clean

help:
	@echo "make run        install, migrate, load Hegang demo data, serve on http://$(HOST):$(PORT) with a task worker"
	@echo "make test       install test tools and run every test (SQLite, then PostgreSQL if DATABASE_URL is set)"
	@echo "make lint       ruff check + format check + mypy + makemigrations --check + translation check"
	@echo "make bench      run the benchmarks under bench/ and write docs/performance.md"
	@echo "make demo-data  load (or refresh) the demo data; safe to run again"
	@echo "make messages   refresh the English translation catalogue (needs gettext)"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "govhub needs Python 3.12 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(UV): | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV_SYNC) --no-default-groups --extra scale
	@touch $@

$(VENV)/.installed-dev: pyproject.toml uv.lock | $(UV)
	$(UV_SYNC) --extra scale
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

demo-data: migrate
	$(PY) manage.py load_demo_data

run: demo-data
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

# CI sets DATABASE_URL to its PostgreSQL: the suite runs on SQLite first, then there.
test: install-dev
	@scripts/system-deps.sh
	DATABASE_URL= $(PY) -m pytest -n 2 --dist loadfile -q
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "== again on $${DATABASE_URL%%@*}@… ==" ; \
		$(PY) -m pytest -n 2 --dist loadfile -q ; \
	fi

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	DATABASE_URL= $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m govhub.core.i18n_check

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install-dev
	@rc=0; DATABASE_URL= $(PY) bench/run.py || rc=1; \
	if [ -n "$$DATABASE_URL" ]; then $(PY) bench/run.py || rc=1; fi; exit $$rc

messages: install-dev
	cd src/govhub && $(abspath $(PY)) $(abspath manage.py) makemessages -l en --no-obsolete --add-location=file
	$(PY) -m govhub.core.i18n_check --compile

clean:
	rm -rf $(VENV) var/static
