# Efterværn — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# Debian's own Python: built with profile-guided and link-time optimisation, it renders a summary PDF
# about a fifth faster than a plain source build (bench/pdf.py). Override with `make PYTHON=... run`.
PYTHON ?= /usr/bin/python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
SAML_IDP_PORT ?= 8010
# Debian packages: what the app needs to run (venv, PDF fonts and font subsetting, xmlsec1 for SAML
# signatures), and what the tests add.
RUN_PACKAGES := python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation fonts-dejavu-core xmlsec1
TEST_PACKAGES := $(RUN_PACKAGES) chromium poppler-utils postgresql redis-server wrk
export FLASK_APP := app:create_app

.PHONY: help run saml-idp test test-sqlite test-postgres test-calendar test-calendar-rotating lint translations \
	run-deps system-deps clean

help:
	@echo "make run    install and serve the app with demo data at http://127.0.0.1:5000"
	@echo "make saml-idp  (beside make run) the test identity provider for the SSO button"
	@echo "make test   install what the tests need and run the suite on SQLite and PostgreSQL"
	@echo "make test-calendar   the date-sensitive tests on each of the calendar's awkward days"

# The virtualenv is rebuilt when pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

translations: $(BIN)/.installed
	@# messages: the app's own texts; wtforms: WTForms' own messages, which it has no Danish for.
	@for domain in messages wtforms; do \
		$(BIN)/pybabel compile --statistics -D $$domain -d app/translations 2>&1 | grep -v '^compiling' || true; \
	done

# The address the summaries print for /verify (the worker and the demo data have no request to take it
# from); a BASE_URL in the environment wins.
run: export BASE_URL ?= http://127.0.0.1:$(PORT)
run: run-deps $(BIN)/.installed translations
	mkdir -p instance
	$(BIN)/flask init-db
	$(BIN)/flask demo-data --if-empty
	@# The worker takes the background jobs (summaries, deliveries, the sweep) from the queue in
	@# instance/; it stops with the web server, and Ctrl-C stops both.
	$(BIN)/flask worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	  $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The development SAML identity provider for the demo's SSO button (run beside `make run`).
saml-idp: run-deps $(BIN)/.installed
	mkdir -p instance
	$(BIN)/flask saml-test-idp --port $(SAML_IDP_PORT) --sp-url http://127.0.0.1:$(PORT)

# Installs the Debian packages in $(1) that are missing; idempotent, and silent when nothing is missing.
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:" $$missing; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

# What `make run` needs from Debian.
run-deps:
	$(call apt_install,$(RUN_PACKAGES))

# What the tests use besides: browser, PDF tools, PostgreSQL.
system-deps:
	$(call apt_install,$(TEST_PACKAGES))

test: system-deps $(BIN)/.installed translations lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres
	$(MAKE) test-calendar-rotating

test-sqlite:
	@echo "=== Test suite on SQLite ==="
	$(BIN)/pytest

test-postgres:
	@echo "=== Test suite on PostgreSQL (throwaway cluster) ==="
	tests/with-postgres.sh $(BIN)/pytest

# The date-sensitive tests as if it were each of tests/calendar-sweep.sh's moments (about 3 minutes each).
test-calendar: system-deps $(BIN)/.installed translations
	tests/calendar-sweep.sh all

# Two of those moments, chosen by the day of the year, so that `make test` meets them all over a few weeks.
test-calendar-rotating:
	tests/calendar-sweep.sh rotate 2

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
