# One entry point for people and CI alike. `make test` and `make lab` set everything up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup lab run test lint format standin bench bench-standin bench-cur clean

setup: $(STAMP)

# Re-installs only when pyproject.toml changes; otherwise `make setup` is a no-op.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed (found " + sys.version.split()[0] + "); set PYTHON=/path/to/python3.x")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# JupyterLab on the notebooks. Offline (config.json's default), the stand-in is started first
# and keeps running in the background; `python -m helpers.offline stop` stops it.
lab: setup
	@$(BIN)/python -c "from helpers import aws, config; c = config.load(); \
	print('stand-in:', aws.ensure_standin(c.offline.port, c.offline.stream_delay_ms)) \
	if c.mode == 'offline' else print('aws mode: using your AWS account')"
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 $(ALLOW_ROOT)

# Every notebook headlessly, in order, into build/ (executed notebooks and HTML).
run: setup
	$(BIN)/python scripts/run_notebooks.py

test: setup lint
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The offline stand-in in the foreground, on the port config.json uses (Ctrl-C stops it).
standin: setup
	$(BIN)/python -m helpers.offline serve --port 4599

# Every benchmark in one table, also written to benchmarks/results.md (takes a few minutes).
bench: setup
	$(BIN)/python benchmarks/bench.py

bench-standin: setup
	$(BIN)/python benchmarks/standin.py

bench-cur: setup
	$(BIN)/python benchmarks/cur.py

clean:
	rm -rf build .pytest_cache .ruff_cache
