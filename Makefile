# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
.PHONY: run test install browser lint format stop services bench clean

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

## The whole suite: lint, format check, pytest (the browser tests need Chromium, below).
test: install lint browser
	$(PY) -m pytest

## Debian's Chromium, which Playwright drives (`playwright install` cannot download browsers
## here). Installed when missing and we are root; otherwise say how. Browser tests skip
## without it locally and fail in CI.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Chromium for the browser tests (apt-get)"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
		|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }; \
	else \
		echo "Browser tests need Chromium at /usr/bin/chromium: run 'sudo apt-get install -y chromium'."; \
		echo "Without it they are skipped (and fail when CI is set)."; \
	fi

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
