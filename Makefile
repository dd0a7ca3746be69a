# lettergen: `make demo` runs a batch on samples/, `make test` runs the tests. Both set up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
AS_OF  ?= 2026-11-27
DEMO   := batches/demo
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: demo test install system-deps test-tools bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "lettergen needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) -e '.[test]'
	@touch $@

# WeasyPrint subsets fonts 4x faster with HarfBuzz's subsetter, which a fresh Debian lacks.
# Installed with apt-get when missing and we are root; otherwise the command to run is printed.
system-deps:
	@if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0'; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing libharfbuzz-subset0 (fast font subsetting for WeasyPrint)"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0 >/dev/null; \
	  else \
	    echo "note: for 4x faster PDFs run: sudo apt-get install libharfbuzz-subset0"; \
	  fi; \
	fi

# The print-quality tests run qpdf --check and pdffonts (poppler-utils) on the batch PDFs. Installed with
# apt-get when missing and we are root; otherwise those two tests skip and say why.
test-tools:
	@missing=""; command -v qpdf >/dev/null || missing="$$missing qpdf"; command -v pdffonts >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$missing (PDF checks in the tests)"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || echo "note: could not install$$missing; those tests will skip"; \
	  else \
	    echo "note: the qpdf/pdffonts tests skip without$$missing (sudo apt-get install$$missing)"; \
	  fi; \
	fi

# The review page's browser test drives Debian's chromium with Playwright (the pip package, from the test extra;
# `playwright install` is never run). Installed with apt-get when missing and we are root; otherwise that test skips and says why.
.PHONY: browser-deps
browser-deps:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium (headless browser test of the review page)"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || echo "note: could not install chromium; the browser test will skip"; \
	  else \
	    echo "note: the browser test of the review page skips without chromium (sudo apt-get install chromium)"; \
	  fi; \
	fi

install: $(VENV)/.installed system-deps

demo: install
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/lettergen ledger import samples/ledger-history.csv --ledger $(DEMO)/lettergen.db --as-of $(AS_OF)
	$(BIN)/lettergen batch samples/accounts.csv --policy samples/policy.yaml --as-of $(AS_OF) --out $(DEMO)
	@echo
	@echo "Demo output: $$(ls -d $(DEMO)/$(AS_OF)-*/ | head -1)  (open batch.pdf; summary.txt says what happened to every account)"

test: $(VENV)/.installed-test system-deps test-tools browser-deps
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/throughput.py --n 1000

clean:
	rm -rf $(VENV) batches previews build *.egg-info .pytest_cache
