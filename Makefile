# Two commands for a newcomer: `make demo` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup chromium demo test pytest lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

chromium:
	@sh scripts/ensure-chromium.sh

setup: $(BIN)/.installed chromium

demo: setup
	$(BIN)/aivet demo

test: setup lint pytest

pytest: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/bench_web.py

clean:
	rm -rf $(VENV) audits .pytest_cache .mypy_cache .ruff_cache
