`timescale 1 ns / 1 ps
// pcnn_fifo -- OURS (pcnn-hw), not FINN's. Synchronous AXI-Stream FIFO, DEPTH >= 2 entries.
// Timing-oriented (#10): out_tdata/out_tvalid come from an output register and in_tready from a full
// flag register, so a FIFO between two layers cuts every data and ready/valid combinational path. The
// other DEPTH-1 entries live in a memory (LUTRAM, or flip-flops when tiny) whose asynchronous read only
// feeds the output register (read address straight from a register). A beat written into an empty FIFO
// whose output register is free goes straight to the output register: out_tvalid rises the cycle after
// the write, exactly as in a plain FIFO, so the cycle behaviour (and `cnt`, the occupancy the simulation
// monitor reads) is that of a DEPTH-entry FIFO with a one-cycle write-to-read latency. Counters update
// from precomputed +1/-1 values; the handshakes only select between them (one LUT level after them).
module pcnn_fifo #(
  parameter integer WIDTH = 8,
  parameter integer DEPTH = 2
) (
  input  wire             ap_clk,
  input  wire             ap_rst_n,
  input  wire [WIDTH-1:0] in_tdata,
  input  wire             in_tvalid,
  output wire             in_tready,
  output wire [WIDTH-1:0] out_tdata,
  output wire             out_tvalid,
  input  wire             out_tready
);
  localparam integer MD = DEPTH - 1;                     // memory entries behind the output register
  localparam integer AW = (MD <= 2) ? 1 : $clog2(MD);
  localparam integer CW = $clog2(DEPTH + 1);
  localparam integer MD_M1 = MD - 1, DEPTH_M1 = DEPTH - 1, ONE = 1, TWO = 2;
  reg [WIDTH-1:0] mem [0:MD-1];
  reg [AW-1:0] wp, rp;  // write / read slot of the memory
  reg [AW-1:0] rp1;     // the slot after rp (precomputed: the read address is one LUT of registers)
  reg [CW-1:0] cnt;     // entries held (memory + output register); the memory holds cnt - ov
  // registered status: full = (cnt == DEPTH), top = (cnt == DEPTH-1), mne = (cnt >= 2) = the memory is
  // not empty (the output register is always filled first), two = (cnt == 2) = one memory entry
  reg full, top, mne, two;
  reg [WIDTH-1:0] o;
  reg ov;               // = (cnt != 0)
  assign in_tready  = !full;
  assign out_tvalid = ov;
  assign out_tdata  = o;
  wire wr   = in_tvalid && !full;
  wire rd   = ov && out_tready;
  wire free = !ov || out_tready;      // the output register takes a beat this cycle
  wire m_rd = mne && free;            // memory -> output register
  wire o_in = wr && !mne && free;     // input -> output register (memory empty)
  wire m_wr = wr && !o_in;            // input -> memory
  wire [CW-1:0] cnt_inc = cnt + ONE[CW-1:0], cnt_dec = cnt - ONE[CW-1:0];
  wire [AW-1:0] wp_nx = (wp == MD_M1[AW-1:0]) ? {AW{1'b0}} : wp + 1'b1;
  wire [AW-1:0] rp1_nx = (rp1 == MD_M1[AW-1:0]) ? {AW{1'b0}} : rp1 + 1'b1;
  always @(posedge ap_clk) if (m_wr) mem[wp] <= in_tdata;
  always @(posedge ap_clk) if (m_rd || o_in) o <= mne ? mem[rp] : in_tdata;
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      wp <= {AW{1'b0}}; rp <= {AW{1'b0}}; rp1 <= (MD > 1) ? ONE[AW-1:0] : {AW{1'b0}};
      cnt <= {CW{1'b0}}; ov <= 1'b0;
      full <= 1'b0; top <= 1'b0; mne <= 1'b0; two <= 1'b0;
    end else begin
      if (free) ov <= mne || wr;
      if (m_wr) wp <= wp_nx;
      if (m_rd) begin rp <= rp1; rp1 <= rp1_nx; end
      if (wr && !rd) begin
        cnt <= cnt_inc; full <= top; top <= (cnt_inc == DEPTH_M1[CW-1:0]);
        mne <= ov; two <= ov && !mne;
      end else if (rd && !wr) begin
        cnt <= cnt_dec; full <= 1'b0; top <= full;
        mne <= mne && !two; two <= (cnt_dec == TWO[CW-1:0]);
      end
    end
  end
endmodule
