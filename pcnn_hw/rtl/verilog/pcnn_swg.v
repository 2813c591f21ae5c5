`timescale 1 ns / 1 ps
// pcnn_swg -- OURS (pcnn-hw); FINN's ConvolutionInputGenerator_rtl is SystemVerilog that Yosys cannot
// read. Sliding-window generator, one SIMD-channel beat per cycle. Input: NHWC pixels, CF = C/SIMD
// beats each. Output per window (oh, ow): DEPTHWISE=0 -> for kh, kw, cf (the (kh, kw, c) order of the
// lowered conv weights); DEPTHWISE=1 -> for cf, kh, kw (what a max-pool consumes).
// Buffer: a circular memory of 2**AW beats addressed by the running input beat index. The writer may
// run ahead of the oldest beat the current window needs by up to 2**AW beats; the reader emits an
// element once its beat has been written. Both run every cycle, so frames overlap and the steady-state
// cycles per frame are max(input beats, output beats).
module pcnn_swg #(
  parameter integer BEAT = 8,
  parameter integer CF = 1,
  parameter integer IH = 4, parameter integer IW = 4,
  parameter integer OH = 2, parameter integer OW = 2,
  parameter integer KH = 3, parameter integer KW = 3,
  parameter integer SH = 1, parameter integer SW = 1,
  parameter integer DH = 1, parameter integer DW = 1,
  parameter integer DEPTHWISE = 0,
  parameter integer AW = 4
) (
  input  wire            ap_clk,
  input  wire            ap_rst_n,
  input  wire [BEAT-1:0] in_tdata,
  input  wire            in_tvalid,
  output wire            in_tready,
  output wire [BEAT-1:0] out_tdata,
  output wire            out_tvalid,
  input  wire            out_tready
);
  localparam integer FRAME = IH * IW * CF;
  reg [BEAT-1:0] mem [0:(1<<AW)-1];
  reg [31:0] wcnt, fbase;
  reg [31:0] oh, ow, kh, kw, cf;
  reg [BEAT-1:0] o;
  reg ov;
  wire en = !ov || out_tready;
  assign out_tdata = o; assign out_tvalid = ov;
  wire [31:0] base = fbase + ((oh * SH) * IW + ow * SW) * CF;
  wire [31:0] need = fbase + ((oh * SH + kh * DH) * IW + ow * SW + kw * DW) * CF + cf;
  wire [31:0] ahead = wcnt - base;
  assign in_tready = ($signed(ahead) < (1 << AW));
  wire wr = in_tvalid && in_tready;
  wire [31:0] have = wcnt - need;
  wire avail = ($signed(have) > 0);
  wire rd = en && avail;
  always @(posedge ap_clk) if (wr) mem[wcnt[AW-1:0]] <= in_tdata;
  always @(posedge ap_clk) if (rd) o <= mem[need[AW-1:0]];
  // window-element counters: innermost first
  wire last_kw = (kw == KW - 1), last_kh = (kh == KH - 1), last_cf = (cf == CF - 1);
  wire last_win = (DEPTHWISE != 0) ? (last_kw && last_kh && last_cf) : (last_cf && last_kw && last_kh);
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      wcnt <= 0; fbase <= 0; oh <= 0; ow <= 0; kh <= 0; kw <= 0; cf <= 0; ov <= 1'b0;
    end else begin
      if (wr) wcnt <= wcnt + 1;
      if (en) ov <= avail;
      if (rd) begin
        if (DEPTHWISE != 0) begin
          kw <= last_kw ? 0 : kw + 1;
          if (last_kw) kh <= last_kh ? 0 : kh + 1;
          if (last_kw && last_kh) cf <= last_cf ? 0 : cf + 1;
        end else begin
          cf <= last_cf ? 0 : cf + 1;
          if (last_cf) kw <= last_kw ? 0 : kw + 1;
          if (last_cf && last_kw) kh <= last_kh ? 0 : kh + 1;
        end
        if (last_win) begin
          if (ow == OW - 1) begin
            ow <= 0;
            if (oh == OH - 1) begin
              oh <= 0; fbase <= fbase + FRAME;
            end else oh <= oh + 1;
          end else ow <= ow + 1;
        end
      end
    end
  end
endmodule
