# lettergen: `make demo` runs the samples, `make test` runs the tests. Both set up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
AS_OF  ?= 2026-11-27
DEMO   := batches/demo
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: demo test install clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "lettergen needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) -e '.[test]'
	@touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/lettergen ledger import samples/ledger-history.csv --ledger $(DEMO)/lettergen.db --as-of $(AS_OF)
	$(BIN)/lettergen plan samples/accounts.csv --policy samples/policy.yaml --ledger $(DEMO)/lettergen.db --as-of $(AS_OF) > $(DEMO)/plan.txt
	@cat $(DEMO)/plan.txt
	@echo
	@echo "Demo plan written to $(DEMO)/plan.txt (ledger: $(DEMO)/lettergen.db)"

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) batches build *.egg-info .pytest_cache
