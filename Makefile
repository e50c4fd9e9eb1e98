# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
.PHONY: run test install lint format stop services bench clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("ChatAssist needs Python 3.11 or newer (found %s); set PYTHON=python3.11" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## Serve the app with its embedded PostgreSQL+pgvector and Redis, a Celery worker and beat.
run: export DEBUG ?= 1
run: install
	$(PY) -m chatassist.runner --host $(HOST) --port $(PORT)

## The whole suite: lint, format check, pytest.
test: install lint
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Start or stop only the embedded services (for manage.py sessions of your own).
services: install
	$(PY) -m chatassist.embedded start

stop: install
	$(PY) -m chatassist.embedded stop

bench: install
	$(PY) -m bench

clean: stop
	rm -rf $(VENV) .data
