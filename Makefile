# Two commands for a new machine: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
HOST   ?= 127.0.0.1
API_PORT ?= 8080
API_HOST ?= 127.0.0.1
STAMP  := $(VENV)/.installed

.PHONY: install node index run serve test test-fast lint eval bench audit clean

install: $(STAMP)

# axe-core, the accessibility checker the browser test injects into each page, pinned in package-lock.json.
NODE_STAMP := node_modules/.installed
node: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: its CPU build lies on this machine; unpinned, pip would pull a CUDA build
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# Builds the index when it is missing, updates it when corpus/ changed, and does nothing otherwise.
# Exit 1 means "some documents were skipped" (named above); the rest is served.
index: install
	$(BIN)/policyqa ingest || test $$? -eq 1

run: index
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.address $(HOST) --server.headless true --browser.gatherUsageStats false

# The JSON HTTP API beside the app (OpenAPI page at /docs), over the same index. Beyond loopback
# (`make serve API_HOST=0.0.0.0`) it refuses to start unless POLICYQA_API_TOKEN is set.
serve: index
	$(BIN)/policyqa serve --host $(API_HOST) --port $(API_PORT)

# pytest exits 5 when it collected nothing: that must fail, not pass silently.
test: install node
	$(BIN)/python -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$rc

test-fast: install
	$(BIN)/python -m pytest -m "not slow and not browser"

lint: install
	$(BIN)/ruff check retrieval evals tests app.py views

eval: install
	$(BIN)/python -m evals
	$(BIN)/python -m evals headers

# Speed and memory at 1 / 100 / 1,000 synthetic policies beside the naive baseline (many minutes on 2 cores);
# `make bench BENCH_ARGS=--quick` for a one-minute run. Writes evals/reports/bench.json and bench.png.
bench: install
	$(BIN)/python -m evals.bench $(BENCH_ARGS)

# pip-audit over the exact versions installed in .venv. Fails on a known vulnerability unless audit-ignore.txt
# accepts its id with a reason; prints "skipped: vulnerability service unreachable" when it could check nothing.
audit: install
	$(BIN)/python .ci/audit.py

clean:
	rm -rf .index .pytest_cache .ruff_cache .hypothesis evals/reports node_modules
