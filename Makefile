# One entry point for people and CI alike. `make test` and `make lab` set everything up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Exact versions of every package `make setup` installs (the project with its dev extra, all
# transitive dependencies); `make lock` regenerates it from pyproject.toml.
LOCK   := requirements.lock
# uv, not pip-tools: `uv pip compile --universal` writes ONE lock for every OS and for Python
# 3.10 and up (lines carry platform and version markers), where pip-compile locks only the
# platform and Python it runs on. uv is installed into .venv by `make lock` only (it is not
# needed to install), at this version so the lock's format does not change under us.
UV_VERSION := 0.9.30
# The optional agent frameworks (pyproject.toml's `frameworks` extra) on top of the same lock:
# every package requirements.lock fixes keeps its version there.
FRAMEWORKS_LOCK  := requirements-frameworks.lock
FRAMEWORKS_STAMP := $(VENV)/.frameworks-installed
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup lock check-upstream lab run test test-frameworks lint typecheck format messages standin bench bench-standin bench-cur clean

setup: $(STAMP)

# Re-installs only when pyproject.toml or the lock changes; otherwise `make setup` is a no-op.
# The lock is a constraints file: it fixes versions, and the project stays an editable install.
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed (found " + sys.version.split()[0] + "); set PYTHON=/path/to/python3.x")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[dev]'
	@touch $(STAMP)

# Newest versions pyproject.toml allows, into requirements.lock (`make lock LOCK_UPGRADE=`
# keeps the versions already locked wherever pyproject.toml still allows them). Then
# `make setup` installs them. environment.yml installs from the same lock.
LOCK_UPGRADE ?= --upgrade
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/uv --version 2>/dev/null | grep -qx 'uv $(UV_VERSION)' \
		|| $(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.10 \
		--python $(BIN)/python --no-python-downloads --quiet \
		--custom-compile-command 'make lock' $(LOCK_UPGRADE) --output-file $(LOCK)
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra frameworks --constraint $(LOCK) \
		--universal --python-version 3.10 --python $(BIN)/python --no-python-downloads --quiet \
		--custom-compile-command 'make lock' --output-file $(FRAMEWORKS_LOCK)

# The suite against the NEWEST moto, boto3 and botocore, in a throw-away venv (build/upstream-venv,
# deleted after unless KEEP=1); .venv and the lock are left alone. Prints what broke.
# ARGS="--full" runs every test; ARGS="--moto ==5.2.0 --hooks-only" one moto's hook test alone.
check-upstream: setup
	$(BIN)/python scripts/check_upstream.py $(if $(KEEP),--keep,) $(ARGS)

# JupyterLab on the notebooks: the English edition in notebooks/, the Japanese one in
# notebooks/ja/ (its notebooks read config.tokyo.json). Offline (config.json's default), the
# stand-in is started first and keeps running in the background; `python -m helpers.offline stop`
# stops it. LAB_ARGS passes options on, e.g. LAB_ARGS="--port 8890 --no-browser".
LAB_ARGS ?=
lab: setup
	@$(BIN)/python -c "from helpers import config; from helpers.offline import launcher; \
	c = config.load(); \
	print('stand-in:', launcher.ensure_standin(c.offline.port, c.offline.stream_delay_ms)) \
	if c.mode == 'offline' else print('aws mode: using your AWS account')"
	@echo "日本語版 (Japanese edition): notebooks/ja/ in the file browser; Japanese menus: Settings > Language > 日本語 (Japanese)"
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 $(ALLOW_ROOT) $(LAB_ARGS)

# Every notebook headlessly, in order, into build/ (executed notebooks and HTML).
run: setup
	$(BIN)/python scripts/run_notebooks.py

test: setup lint
	$(BIN)/python -m pytest -n auto --dist loadgroup

# LangChain, Strands and LiteLLM (the `frameworks` extra, pinned) into .venv, then their tests,
# offline against the stand-in (tests/test_frameworks.py; `make test` skips them without these).
$(FRAMEWORKS_STAMP): $(STAMP) $(FRAMEWORKS_LOCK)
	$(BIN)/python -m pip install --quiet -c $(FRAMEWORKS_LOCK) -e '.[dev,frameworks]'
	@touch $@

test-frameworks: $(FRAMEWORKS_STAMP)
	$(BIN)/python -m pytest tests/test_frameworks.py -p no:cacheprovider

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The static type check alone ([tool.mypy] in pyproject.toml says what it checks).
typecheck: setup
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The helpers' messages for translators (README > Translating messages): every _("...") in
# helpers/ into helpers/locale/workshop.pot, then merged into each language's .po (translations
# kept, new messages empty, changed ones marked fuzzy until a translator checks them).
MESSAGE_SOURCES = $(wildcard helpers/*.py) helpers/offline/launcher.py
messages: setup
	$(BIN)/pybabel extract --project=bedrock-inference-profiles-workshop --add-location=file \
		--sort-output --no-wrap --omit-header -o helpers/locale/workshop.pot $(MESSAGE_SOURCES)
	$(BIN)/pybabel update --domain=workshop --input-file=helpers/locale/workshop.pot \
		--output-dir=helpers/locale --no-wrap --ignore-obsolete --no-fuzzy-matching

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
	rm -rf build .pytest_cache .ruff_cache .mypy_cache
