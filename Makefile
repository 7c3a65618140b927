# Veivalg: `make run` for a local portal, `make test` for the whole suite.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PYTEST_WORKERS ?= 2
# The compose PostgreSQL needs a password; local trust auth ignores it.
PGPASSWORD ?= postgres
export PGPASSWORD

.PHONY: install translations run test lint format services browser pdflibs bench bench-mix clean design-assets

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $@

translations: install
	$(VENV)/bin/pybabel compile -d portal/translations >/dev/null

run: install translations pdflibs
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo
	@echo "  Veivalg runs on http://127.0.0.1:5000  (mail lands in instance/mail)"
	@echo "  Demo logins (password: $${DEMO_PASSWORD:-demo-password}):"
	@echo "    reader@example.com, subscriber@example.com, editor@example.com, admin@example.com,"
	@echo "    owner@acme.example.com, member@acme.example.com, owner@fjord.example.com"
	@echo
	$(FLASK) run --host 127.0.0.1 --port 5000

services:
	@scripts/ensure-services.sh

browser:
	@scripts/ensure-browser.sh

pdflibs:
	@scripts/ensure-pdf-libs.sh

test: install translations services browser pdflibs
	mkdir -p .tmp
	$(PY) -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider --basetemp=.tmp/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Development only (needs npm): refresh Designsystemet, the Veivalg theme and the fonts in
# portal/static/vendor/ from the npm registry (versions pinned in design/package.json).
design-assets:
	scripts/design-assets.sh

bench: install translations services pdflibs
	$(PY) -m bench

# A constant-rate mix with connection kills (docs/reliability.md); BENCH_MIX_SECONDS, _RATE, _KILLS.
bench-mix: install translations services
	$(PY) -m bench.mix

clean:
	rm -rf .tmp instance/veivalg.db* instance/mail
