# The two commands of the README:
#   make book   -- set up .venv and build the HTML book into _build/html
#   make test   -- every test (installs first when needed, so it works on a fresh clone)
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Never wait for the Hugging Face Hub: there is no network at build/test time.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install book test test-fast system-deps release check bench clean

# .venv is rebuilt when requirements.txt or pyproject.toml change.
$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

install: $(VENV)/.installed

# Debian packages the tests need: a headless browser and its driver, and a Japanese
# font so the browser does not draw Japanese text as boxes. Installed only if missing.
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! fc-list | grep -qi ipaex; then \
	  echo "installing chromium, chromium-driver, fonts-ipaexfont (needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-ipaexfont >/dev/null; \
	fi

book: install
	$(BIN)/jupyter-book build . --builder html --warningiserror --keep-going

release: install
	$(BIN)/python -m autograder release

check: install
	$(BIN)/python -m autograder check

# Unit tests only (no book build, no browser, no grading runs).
test-fast: install
	$(BIN)/python -m pytest -m "not slow" -q

test: install system-deps book
	$(BIN)/python -m pytest -q -ra

clean:
	rm -rf _build .grading .pytest_cache
