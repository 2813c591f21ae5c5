# pcnn-hw — the README's two commands are `make demo` and `make test`; both install on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
FINN_PLUS := finn-plus==1.6.1

.PHONY: install demo test test-all lint bench clean

install: $(STAMP)

# finn-plus pins brevitas==0.13.0, which breaks against torch 2.13: it is installed with --no-deps
# and its real runtime imports are pinned in requirements.txt (see README "Dependencies").
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps $(FINN_PLUS)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: install
	$(VENV)/bin/pcnn-hw demo --out build/demo

test: install
	$(PY) -m pytest -q -m "not slow"

test-all: install
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check pcnn_hw tests benchmarks

bench: install
	$(PY) benchmarks/accuracy_mnist5k.py

clean:
	rm -rf build .pytest_cache
