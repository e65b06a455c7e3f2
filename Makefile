# Two commands: `make run` (install, migrate, demo data, serve on http://127.0.0.1:8000)
# and `make test` (install test needs, run ruff, mypy and every test incl. the browser tests).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev lint typecheck pytest browser-deps messages demo clean

$(VENV)/.created:
	@PYTHON=$$(scripts/find-python) || exit 1; \
	echo "Using $$PYTHON ($$($$PYTHON --version))"; \
	$$PYTHON -m venv $(VENV) && $(PIP) install -q --upgrade pip && touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(PIP) install -q -e . && touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e '.[dev]' && touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(VENV)/bin/aftersales serve --host $(HOST) --port $(PORT)

demo: install
	$(VENV)/bin/aftersales migrate --noinput && $(VENV)/bin/aftersales demo

browser-deps:
	@scripts/ensure-browser

lint: install-dev
	$(VENV)/bin/ruff check aftersales scripts $(wildcard bench/*.py)
	$(VENV)/bin/ruff format --check aftersales scripts $(wildcard bench/*.py)

typecheck: install-dev
	$(VENV)/bin/mypy aftersales scripts/screenshots.py $(wildcard bench/*.py)

# pytest exit code 5 means "no tests collected": for us that is a failure, never a pass.
pytest: install-dev browser-deps
	@$(VENV)/bin/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$rc

test: lint typecheck pytest

messages: install-dev
	cd aftersales && ../$(VENV)/bin/django-admin makemessages -l zh_Hans --no-obsolete -i "*/tests/*" -i "static/*" && ../$(VENV)/bin/django-admin compilemessages

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
