# onrecord — the two commands of the README: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= demo.db
DEMO_AUTHOR ?= Alexander Dugin

.PHONY: demo test venv dev-venv clean lock bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/build.lock

# Runtime dependencies, pinned by version and hash.
$(VENV)/.main-installed: requirements/main.lock requirements/build.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/main.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Runtime + dev extras, pinned by version and hash.
$(VENV)/.dev-installed: requirements/dev.lock requirements/build.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.main-installed

venv: $(VENV)/.main-installed
dev-venv: $(VENV)/.dev-installed

demo: venv
	rm -f $(DB) $(DB)-wal $(DB)-shm
	$(BIN)/onrecord --db $(DB) ingest examples/corpus --speaker "$(DEMO_AUTHOR)"
	$(BIN)/onrecord --db $(DB) analyze
	$(BIN)/onrecord --db $(DB) ls
	$(BIN)/onrecord --db $(DB) actors --limit 15
	@for id in $$($(BIN)/onrecord --db $(DB) ls --ids); do \
		$(BIN)/onrecord --db $(DB) show $$id --layer statement --layer prediction --layer technique; done
	$(BIN)/onrecord --db $(DB) shifts --limit 5
	$(BIN)/onrecord --db $(DB) report --since 2025-06-01 --out demo-report.html
	$(BIN)/onrecord --db $(DB) stats

test: dev-venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: venv
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/analyze.py
	$(BIN)/python bench/networks.py

# Regenerate the hash-pinned lock files (needs pip-tools; run by maintainers, not by CI).
lock:
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe -o requirements/build.lock requirements/build.in
	$(BIN)/pip-compile -q --generate-hashes --strip-extras --allow-unsafe -o requirements/main.lock pyproject.toml
	$(BIN)/pip-compile -q --generate-hashes --strip-extras --allow-unsafe --extra dev -o requirements/dev.lock pyproject.toml

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
