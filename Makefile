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
	$(BIN)/python -m pytest -n auto --dist loadgroup

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The offline stand-in in the foreground, on the port and streaming pace of config.json (or of
# the file WORKSHOP_CONFIG names), where the notebooks look for it (Ctrl-C stops it).
STANDIN_SETTINGS := import sys; from helpers import config, errors; \
	sys.excepthook = lambda kind, error, tb: print(error, file=sys.stderr) \
	if isinstance(error, errors.WorkshopError) else sys.__excepthook__(kind, error, tb); \
	offline = config.load().offline; print(offline.port, offline.stream_delay_ms)
standin: setup
	@settings="$$($(BIN)/python -c '$(STANDIN_SETTINGS)')" || exit 2; set -- $$settings; \
	echo "stand-in on port $$1 (from $${WORKSHOP_CONFIG:-config.json}); Ctrl-C stops it"; \
	exec $(BIN)/python -m helpers.offline serve --port $$1 --stream-delay-ms $$2

# Every benchmark in one table, also written to benchmarks/results.md (takes a few minutes).
bench: setup
	$(BIN)/python benchmarks/bench.py

bench-standin: setup
	$(BIN)/python benchmarks/standin.py

bench-cur: setup
	$(BIN)/python benchmarks/cur.py

clean:
	rm -rf build .pytest_cache .ruff_cache
