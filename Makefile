# pcnn-hw — the README's two commands are `make demo` and `make test`; both install on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
FINN_PLUS := finn-plus==1.6.1

.PHONY: install demo test test-all lint bench clean pynq-venv bitstream hls-ip chromium notebooks

install: $(STAMP)

# finn-plus pins brevitas==0.13.0, which breaks against torch 2.13: it is installed with --no-deps
# and its real runtime imports are pinned in requirements.txt (see README "Dependencies").
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps $(FINN_PLUS)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m pcnn_hw.sim.native || echo "warning: native simulator kernels not built; the simulator uses numpy"
	touch $(STAMP)

demo: install
	$(VENV)/bin/pcnn-hw demo --out build/demo

test: install
	$(PY) -m pytest -q -m "not slow"

test-all: install pynq-venv chromium
	$(PY) -m pytest -q

# Executed copies of the walkthroughs, outputs included, in build/notebooks/ (the committed ones are stripped).
notebooks: install
	$(PY) notebooks/execute.py -o build/notebooks

# Debian's chromium for the slow test that opens `pcnn-hw report` pages headless (tests/report/test_browser.py);
# without root or apt the test skips and says why.
chromium:
	@command -v chromium >/dev/null 2>&1 || apt-get install -y chromium || echo "warning: chromium not installed; the browser test will skip"

# Vitis HLS synthesis + IP export of a build's generated HLS top (needs vitis_hls or vivado_hls on PATH).
hls-ip: install
	@test -n "$(BUILD)" || { echo "error: usage: make hls-ip BUILD=build/NAME (a directory from pcnn-hw build)" >&2; exit 1; }
	$(PY) -m pcnn_hw.hls ip $(BUILD)

lint: install
	$(VENV)/bin/ruff check pcnn_hw tests benchmarks

BENCHMARKS := accuracy_mnist5k folding_cnv sim_speed rtl_cnv hls_csim board_sim

bench: install pynq-venv
	for b in $(BENCHMARKS); do $(PY) benchmarks/$$b.py || exit 1; done

# The real `pynq` package (pins numpy 1.26) lives in a venv of its own, used only by the slow board
# tests that run the board-side driver through pynq's Overlay/DMA against a simulated device.
PYNQ_VENV  := build/.pynq-venv
PYNQ_STAMP := $(PYNQ_VENV)/.installed

pynq-venv: $(PYNQ_STAMP)

$(PYNQ_STAMP):
	test -x $(PYNQ_VENV)/bin/python || $(PYTHON) -m venv $(PYNQ_VENV)
	$(PYNQ_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYNQ_VENV)/bin/python -m pip install --quiet pynq==4.0.0 onnx==1.17.0 pytest
	touch $(PYNQ_STAMP)

# Vivado bitstream of a build directory: make bitstream BUILD=build/NAME BOARD=pynq-z2
BOARD ?= pynq-z2
bitstream: install
	$(VENV)/bin/pcnn-hw bitstream $(BUILD) --board $(BOARD)

clean:
	rm -rf build .pytest_cache
