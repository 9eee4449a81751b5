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

.PHONY: install mathjax book test test-fast system-deps release check bench-grade bench-batch bench-chapters bench-build check-online clean

# .venv is rebuilt when requirements.txt or pyproject.toml change.
$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

install: $(VENV)/.installed

# MathJax, served by the book itself (no CDN, so formulas render offline): the npm package pinned in
# tools/mathjax/package.json + package-lock.json, installed with Node.js's npm; tools/book_tools/mathjax.py
# copies it into _build/html/_static/mathjax.
MATHJAX := tools/mathjax/node_modules/mathjax/es5/tex-mml-chtml.js
$(MATHJAX): tools/mathjax/package.json tools/mathjax/package-lock.json
	@command -v npm >/dev/null || { echo "make mathjax: npm is missing; install Node.js and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --prefix tools/mathjax --no-audit --no-fund --loglevel=error
	touch $@

mathjax: $(MATHJAX)

# Debian packages the tests need, installed only when missing (needs root, as in CI):
#   chromium, chromium-driver  headless browser tests of the built site
#   fonts-ipaexfont            a Japanese font, so the browser does not draw Japanese as boxes
#   bubblewrap                 the sandbox around every submission's kernel
#   postgresql                 the gradebook tests against a real PostgreSQL server
#   npm                        installs MathJax for the book (make mathjax), when Node.js's npm is absent
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	fc-list 2>/dev/null | grep -qi ipaex || missing="$$missing fonts-ipaexfont"; \
	command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# The notebooks are executed first on every core into the build's own cache (tools/book_tools/execute.py);
# jupyter-book then reads the cache, and executes (and reports) only what failed there.
book: install mathjax
	$(BIN)/python tools/book_tools/execute.py
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
	rm -rf _build .grading .pytest_cache tools/mathjax/node_modules

# Benchmarks print figures; they assert nothing.
bench-grade: install system-deps
	$(BIN)/python benchmarks/kernel_startup.py
	$(BIN)/python benchmarks/bench_grade.py

# 1,000 generated notebooks (10 % broken or hostile): exactly one result each; wall time, notebooks/s, peak memory.
bench-batch: install system-deps
	$(BIN)/python benchmarks/bench_batch.py

bench-chapters: install
	$(BIN)/python benchmarks/bench_chapters.py

# Cold build (fresh clone of HEAD, empty cache) and warm rebuilds, with per-chapter execution times.
bench-build: install
	$(BIN)/python benchmarks/bench_build.py

# Only where the internet is (not part of `make test`): runs the Colab set-up cell and every online-only
# cell (llm_shikumi.hub, or tagged `online`) in a fresh venv with current packages; reports what broke.
# Offline it stops at once with exit 2 and says why.
check-online: install
	env -u HF_HUB_OFFLINE -u TRANSFORMERS_OFFLINE $(BIN)/python tools/check_online.py
