"""Open RTL backend: our Verilog templates (pcnn_hw/rtl/verilog), a stitcher of the folded graph into one
AXI-Stream top, cycle-accurate Verilator simulation checked against the bit-exact simulator, FIFO sizing
from simulated cycle behaviour, and Yosys ``synth_xilinx`` resource reports. See pcnn_hw/rtl/README.md.
"""
