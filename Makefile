# Two commands for a newcomer: `make demo` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup browser system node demo test pytest lint bench bench-apks clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

browser:
	@sh scripts/setup-system.sh browser

system:
	@sh scripts/setup-system.sh all

# The Portkey gateway, a real consumer of `aivet allowlist export --to portkey`, for its test.
node: tests/tools/portkey-gateway/node_modules/.installed

tests/tools/portkey-gateway/node_modules/.installed: tests/tools/portkey-gateway/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/tools/portkey-gateway --ignore-scripts --no-audit --no-fund --silent \
		&& touch $@; \
	else echo "note: npm not found; the Portkey export test will skip" >&2; fi

setup: $(BIN)/.installed browser

demo: setup
	$(BIN)/aivet demo

test: setup system node lint pytest

pytest: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/bench_web.py

# Real APKs for bench/bench_app.py (airtest's and pocoui's, from PyPI).
bench-apks: setup
	$(BIN)/python bench/fetch_apks.py

clean:
	rm -rf $(VENV) audits .pytest_cache .mypy_cache .ruff_cache
