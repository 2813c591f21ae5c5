`timescale 1 ns / 1 ps
// pcnn_thresholding -- OURS (pcnn-hw); FINN's thresholding RTL (finn-rtllib) is SystemVerilog that
// Yosys cannot read. Standalone multi-threshold unit: PE channels per beat, channel fold nf = beat
// count mod C/PE; y = #{i : x >= T[c][i]} + ACT_VAL (a 1-bit output is the single comparison).
// Thresholds: a ROM outside this module (t_* ports, read latency 2, generated per layer by
// pcnn_hw/rtl/rom.py from pcnn_rom.vt) of C/PE words, each PE*N_STEPS signed CW-bit values, (p, i) at
// bits (p*N_STEPS + i)*CW. Pipeline: input register x1 (ROM read of fold nf starts) -> x2 (the ROM's
// output register: no logic after a BRAM output) -> compare register -> count + ACT_VAL -> output
// register; one beat per cycle, latency 4, one global enable. Comparators: one per (PE, step), each
// against its ROM field (no sharing: every step of a channel is needed in the same cycle); an unsigned
// input is compared on IN_BITS + 1 unsigned bits instead of CW signed ones (#12).
module pcnn_thresholding #(
  parameter integer PE = 1,
  parameter integer C = 1,
  parameter integer IN_BITS = 8,
  parameter integer IN_SIGNED = 0,
  parameter integer CW = 10,
  parameter integer N_STEPS = 1,
  parameter integer OUT_BITS = 1,
  parameter integer ACT_VAL = 0
) (
  input  wire                    ap_clk,
  input  wire                    ap_rst_n,
  input  wire [PE*IN_BITS-1:0]   in_tdata,
  input  wire                    in_tvalid,
  output wire                    in_tready,
  output wire [PE*OUT_BITS-1:0]  out_tdata,
  output wire                    out_tvalid,
  input  wire                    out_tready,
  output wire                    t_en,
  output wire [((C/PE) <= 1 ? 1 : $clog2(C/PE))-1:0] t_addr,
  input  wire [PE*N_STEPS*CW-1:0] t_q
);
  localparam integer TMEM = C / PE;
  localparam integer NB = (TMEM <= 1) ? 1 : $clog2(TMEM);
  localparam [31:0] AV = ACT_VAL;  // y = count + ACT_VAL, its low OUT_BITS
  localparam integer TMEM_M1 = TMEM - 1;
  reg [NB-1:0] nf;
  reg [PE*IN_BITS-1:0] x1, x2;
  reg v1, v2, v3;
  reg [PE*OUT_BITS-1:0] o;
  reg ov;
  wire en = !ov || out_tready;
  assign in_tready = en;
  assign out_tdata = o;
  assign out_tvalid = ov;
  assign t_en = en;
  assign t_addr = nf;
  wire [PE*OUT_BITS-1:0] y;
  genvar p, j;
  generate
    for (p = 0; p < PE; p = p + 1) begin : g_pe
      wire [IN_BITS-1:0] xr = x2[p*IN_BITS +: IN_BITS];
      reg [N_STEPS-1:0] cmp;
      integer i;
      if (IN_SIGNED == 0) begin : g_u
        // unsigned input: the thresholds are clipped to [0, 2**IN_BITS] (rtl/spec.py), so both sides are
        // non-negative and an unsigned compare of IN_BITS + 1 bits is exact (no sign bit to carry)
        always @(posedge ap_clk)
          if (en)
            for (i = 0; i < N_STEPS; i = i + 1)
              cmp[i] <= {1'b0, xr} >= t_q[(p*N_STEPS + i)*CW +: IN_BITS + 1];
      end else begin : g_s
        wire [CW-1:0] x = {{(CW-IN_BITS){xr[IN_BITS-1]}}, xr};  // CW > IN_BITS (spec.py)
        always @(posedge ap_clk)
          if (en)
            for (i = 0; i < N_STEPS; i = i + 1)
              cmp[i] <= $signed(x) >= $signed(t_q[(p*N_STEPS + i)*CW +: CW]);
      end
      wire [N_STEPS+1:0] tx = {1'b0, cmp, 1'b1};  // tx[i+1] = cmp[i]
      // thermometer -> binary: the thresholds are sorted per channel (rtl/spec.py), so cmp is 1..10..0
      // and the count c is the one edge tx[c] & ~tx[c+1]; an OR of 2-input terms per output bit, a few
      // LUT levels for any N_STEPS (a chain of N_STEPS increments was 14 levels at N_STEPS = 15);
      // continuous assigns (ct[k] = OR of the first k edge terms), no process
      // (all OUT_BITS wide: y is the count + ACT_VAL modulo 2**OUT_BITS)
      wire [(N_STEPS+2)*OUT_BITS-1:0] ct;
      assign ct[0 +: OUT_BITS] = {OUT_BITS{1'b0}};
      for (j = 0; j <= N_STEPS; j = j + 1) begin : g_e
        localparam [31:0] JV = j;
        assign ct[(j+1)*OUT_BITS +: OUT_BITS] =
          ct[j*OUT_BITS +: OUT_BITS] | ({OUT_BITS{tx[j] & ~tx[j + 1]}} & JV[OUT_BITS-1:0]);
      end
      assign y[p*OUT_BITS +: OUT_BITS] = ct[(N_STEPS+1)*OUT_BITS +: OUT_BITS] + AV[OUT_BITS-1:0];
    end
  endgenerate
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      v1 <= 1'b0;
      v2 <= 1'b0;
      v3 <= 1'b0;
      ov <= 1'b0;
      nf <= {NB{1'b0}};
    end else if (en) begin
      v1 <= in_tvalid;
      v2 <= v1;
      v3 <= v2;
      ov <= v3;
      x2 <= x1;
      if (in_tvalid) begin
        x1 <= in_tdata;
        nf <= (nf == TMEM_M1[NB-1:0]) ? {NB{1'b0}} : nf + 1'b1;
      end
      if (v3) o <= y;
    end
  end
endmodule
