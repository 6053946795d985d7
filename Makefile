# Two commands on a fresh machine (Python 3.11 and make only):
#   make demo   installs everything into .venv and runs the pipeline on the bundled fixture
#   make test   runs the whole test suite
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install browser services demo test lint bench quality fixtures clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/pipeline run fixtures/talk.mp4 --out demo-out

# The review page test drives a real headless Chromium (Debian's package); without root/apt the
# test is skipped with a message saying so.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "note: chromium could not be installed; the review page browser test will be skipped"

# The cluster tests start a real redis-server and a real PostgreSQL (Debian's packages) on
# 127.0.0.1, and move a worker's clock past the YouTube quota reset with libfaketime
# (Debian's faketime); without root/apt they are skipped with a message saying so.
services:
	@{ command -v redis-server >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && \
	  ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1; } || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server postgresql faketime >/dev/null && \
	  { service redis-server stop >/dev/null 2>&1; service postgresql stop >/dev/null 2>&1; true; }; } || \
	  echo "note: redis-server/postgresql could not be installed; the cluster tests will be skipped"

test: install browser services
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check pipeline tests fixtures bench

bench: install services
	$(BIN)/python -m bench

# Slide changes, chapters and thumbnail against the fixtures' ground truth (quality-results.json).
quality: install
	$(BIN)/python -m bench.quality

# Regenerates the committed fixture media (needs espeak-ng: apt-get install espeak-ng).
fixtures: install
	$(BIN)/python fixtures/make_fixtures.py

clean:
	rm -rf demo-out pipeline-out .pytest_cache
