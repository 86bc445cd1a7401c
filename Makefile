# Two commands do all the set-up on a fresh machine:
#   make demo   builds the demo digest from content/ and serves it with live reload
#   make test   installs everything the tests need, then runs the whole suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo test setup browser lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

setup: $(BIN)/.installed

browser:
	bash scripts/install-test-tools.sh

demo: setup
	$(BIN)/digest serve --port $(PORT)

test: setup browser
	$(BIN)/ruff check digest tests benchmarks
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check digest tests benchmarks

clean:
	rm -rf site .digest-cache
