# Every documented entry point of the project. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.13 (the Lambda runtime): from PATH, else pyenv's newest 3.13.
PYTHON ?= $(shell for p in python3.13 $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13 2>/dev/null | sort -V | tail -1); do $$p -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
SAM_VENV := .venv-sam
SCAN_VENV := .venv-scan
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
# `sam build` checks that a python3.13 is on PATH.
SAM_ENV := PATH="$(dir $(PYTHON)):$$PATH" AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} SAM_CLI_TELEMETRY=0
BUILD_STAMP := .aws-sam/build/template.yaml

.PHONY: help setup lock lint validate scan build chromium test test-fast local demo events openapi deploy bootstrap bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements-dev.txt layers/idv/requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.13 not found: install it (pyenv install 3.13) or pass PYTHON=/path/to/python3.13"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements-dev.txt
	# The layer's package (idv) and the operator tools (tools) import from this checkout.
	echo "$(CURDIR)" > $(VENV)/lib/python3.13/site-packages/oz-liveness.pth
	echo "$(CURDIR)/layers/idv" >> $(VENV)/lib/python3.13/site-packages/oz-liveness.pth
	touch $@

$(SAM_VENV)/.installed: requirements-sam.txt
	@test -n "$(PYTHON)" || { echo "Python 3.13 not found: install it (pyenv install 3.13) or pass PYTHON=/path/to/python3.13"; exit 1; }
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements-sam.txt
	touch $@

$(SCAN_VENV)/.installed: requirements-scan.txt
	@test -n "$(PYTHON)" || { echo "Python 3.13 not found: install it (pyenv install 3.13) or pass PYTHON=/path/to/python3.13"; exit 1; }
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements-scan.txt
	touch $@

setup: $(VENV)/.installed $(SAM_VENV)/.installed ## Create the virtualenvs (app + tests, SAM CLI)

# The locks (*.txt) from the top-level pins edited by hand (*.in): every dependency pinned, with
# the sha256 of each of its files on the index, which every pip install here requires
# (--require-hashes). The layer's is resolved for Lambda (manylinux2014 x86_64, CPython 3.13),
# the others for any platform. The app's is constrained by the layer's lock, so the tests run the
# versions that ship. A lock keeps its versions unless its .in requires others: ARGS=--upgrade
# (or ARGS="--upgrade-package requests") moves them. Reads the index: not run by `make test`.
LOCK := $(VENV)/bin/uv pip compile --quiet --generate-hashes --no-strip-extras --python-version 3.13 \
	--custom-compile-command "make lock"

lock: $(VENV)/.installed ## Re-lock the requirements: *.in (top-level pins) -> *.txt (all, hashed)
	$(LOCK) $(ARGS) --python-platform x86_64-manylinux2014 -o layers/idv/requirements.txt layers/idv/requirements.in
	$(LOCK) $(ARGS) --universal -o requirements-dev.txt requirements-dev.in
	$(LOCK) $(ARGS) --universal -o requirements-sam.txt requirements-sam.in
	$(LOCK) $(ARGS) --universal -o requirements-scan.txt requirements-scan.in

lint: setup ## ruff (lint + format check) and mypy on the layer
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

validate: setup ## sam validate (SAM translation) and sam validate --lint (cfn-lint)
	$(SAM_ENV) $(SAM) validate
	$(SAM_ENV) $(SAM) validate --lint

$(BUILD_STAMP): template.yaml $(shell find functions layers -type f -not -path '*/__pycache__/*') | setup
	$(SAM_ENV) $(SAM) build

build: $(BUILD_STAMP) ## sam build (no container)

# bandit (code), checkov (template) and pip-audit (pinned requirements; "not run", not gating, when
# no vulnerability service answers) in their own venv; summaries for docs/RELIABILITY.md.
scan: $(SCAN_VENV)/.installed ## Security scanners: bandit (code), checkov (template), pip-audit (requirements) -> build/scan/
	$(SCAN_VENV)/bin/python scripts/scan.py

# The browser tests drive the system's Chromium (CHROMIUM_PATH, or Debian's, installed when missing).
chromium: ## Make sure a Chromium for the browser tests is there (apt-get install chromium when missing)
	@scripts/ensure_chromium.sh

test: lint validate scan build chromium ## Everything CI runs: lint, validate, scan, build, all tests
	$(VENV)/bin/pytest

test-fast: setup ## Unit and integration tests only (no build, no load or browser tests)
	$(VENV)/bin/pytest -m "not e2e and not load and not browser" --ignore=tests/e2e --ignore=tests/browser

local: build ## Run the whole product on loopback: emulators, moto, API, demo page (Ctrl-C stops; ORIGINS=a,b: CORS)
	PYTHONPATH=local:layers/idv $(PY) -m stack.product $(if $(ORIGINS),--origins '$(ORIGINS)') $(ARGS)

demo: build ## Drive the full flow as a front end would (starts the local stack if none runs)
	PYTHONPATH=local:layers/idv $(PY) -m stack.demo $(ARGS)

events: setup ## Regenerate events/ from `sam local generate-event`
	$(PY) scripts/generate_events.py

openapi: setup ## Regenerate docs/openapi.json from the handlers
	POWERTOOLS_TRACE_DISABLED=1 $(PY) scripts/generate_openapi.py

deploy: build ## sam deploy --guided (needs AWS credentials)
	$(SAM_ENV) $(SAM) deploy --guided

# The password is prompted for (or read with --password-stdin), never passed as an argument.
bootstrap: setup ## Write the Oz service token to Secrets Manager: ARGS="--oz-url ... --secret-id ..." (docs/ROTATION.md)
	$(PY) -m tools.bootstrap $(ARGS)

bench: build ## Benchmarks: cold start, relay overhead, upload path, memory, reuse, size -> docs/BENCHMARKS.md (ARGS=--quick)
	$(PY) -m benchmarks.run $(ARGS)

clean: ## Remove build output and virtualenvs
	rm -rf .aws-sam build/scan $(VENV) $(SAM_VENV) $(SCAN_VENV) .pytest_cache .mypy_cache .ruff_cache
