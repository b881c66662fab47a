# Two commands: `make demo` (set up, migrate, load demo data, serve) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-fast fmt install worker beat bench messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py aggregate
	$(BIN)/python manage.py comment_themes
	$(BIN)/python manage.py evaluate_alerts
	$(BIN)/python manage.py demo_logins --url http://$(HOST):$(PORT)/
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

# The inner loop: SQLite and eager Celery whatever the environment says, no browser, no slow tests.
test-fast: install
	$(BIN)/ruff check .
	DATABASE_URL= REDIS_URL= $(BIN)/pytest -m "not browser and not slow" -q

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A cxmonitor worker --loglevel=INFO

beat: install
	$(BIN)/celery -A cxmonitor beat --loglevel=INFO

bench: install
	for b in bench/*/run.py; do $(BIN)/python $$b; done

# Extract strings, fill German from locale/fragments/*.po, compile (needs gettext; the .mo files are committed).
messages: export LC_ALL = C.UTF-8
messages: install
	$(BIN)/python manage.py makemessages -l de -l en --no-obsolete -i '.venv/*' -i 'bench/*' -i 'tests/*' -i 'staticfiles/*'
	# The fragments are the only source of German: empty every msgstr (and Django's fuzzy guesses), then fill.
	msgattrib --clear-fuzzy --empty --no-wrap -o locale/de/LC_MESSAGES/django.po locale/de/LC_MESSAGES/django.po
	msgfilter --keep-header --no-wrap -i locale/de/LC_MESSAGES/django.po -o locale/de/LC_MESSAGES/django.po sed -e d
	msgcat --use-first locale/fragments/*.po -o locale/.compendium.po
	msgmerge -q -N --no-wrap -C locale/.compendium.po -o locale/de/LC_MESSAGES/django.po locale/de/LC_MESSAGES/django.po locale/de/LC_MESSAGES/django.po
	rm -f locale/.compendium.po
	$(BIN)/python manage.py compilemessages -i '.venv/*'
