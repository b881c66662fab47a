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

# Links in the admin, embed snippets, QR sheets and e-mails point at HOST:PORT unless SITE_URL is set.
DEMO_MANAGE := DEMO_ADDRESS=$(HOST):$(PORT) $(BIN)/python manage.py

demo: install
	$(DEMO_MANAGE) migrate --noinput
	$(DEMO_MANAGE) seed_demo
	$(DEMO_MANAGE) aggregate
	$(DEMO_MANAGE) comment_themes
	$(DEMO_MANAGE) evaluate_alerts
	$(DEMO_MANAGE) followups_scan
	$(DEMO_MANAGE) demo_logins --url http://$(HOST):$(PORT)/
	$(DEMO_MANAGE) runserver $(HOST):$(PORT)

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
