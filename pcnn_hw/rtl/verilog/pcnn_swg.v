`timescale 1 ns / 1 ps
// pcnn_swg -- OURS (pcnn-hw); FINN's ConvolutionInputGenerator_rtl is SystemVerilog that Yosys cannot
// read. Sliding-window generator, one SIMD-channel beat per cycle. Input: NHWC pixels, CF = C/SIMD
// beats each. Output per window (oh, ow): DEPTHWISE=0 -> for kh, kw, cf (the (kh, kw, c) order of the
// lowered conv weights); DEPTHWISE=1 -> for cf, kh, kw (what a max-pool consumes).
// Buffer: a circular memory of 2**AW beats addressed by the running input beat index. The writer may
// run ahead of the oldest beat the current window needs (base) by up to 2**AW beats; the reader emits
// an element (need = base + window offset) once its beat has been written. Both run every cycle, so
// frames overlap and the steady-state cycles per frame are max(input beats, output beats).
// Addressing by incremental counters, no multiplies in the per-cycle path: the read address advances
// by one of a few precomputed constant steps chosen by which window counters wrap; instead of
// absolute beat indices the module keeps the two differences it tests, have = written - need and
// ahead = written - base, as (AW+2)-bit registers (both lie in (-2**(AW+1), 2**(AW+1))).
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
  localparam integer CB = AW + 2;
  localparam integer FRAME = IH * IW * CF;
  localparam integer ROW = IW * CF;  // beats per input row
  localparam integer OFF_LAST = ((KH - 1) * DH * IW + (KW - 1) * DW) * CF + CF - 1;
  // read-address steps inside a window (innermost counter first)
  localparam integer I1 = (DEPTHWISE != 0) ? DW * CF : 1;
  localparam integer I2 = (DEPTHWISE != 0) ? DH * ROW - (KW - 1) * DW * CF : DW * CF - (CF - 1);
  localparam integer I3 = (DEPTHWISE != 0) ? 1 - (KH - 1) * DH * ROW - (KW - 1) * DW * CF
                                           : DH * ROW - (KW - 1) * DW * CF - (CF - 1);
  // base steps at the end of a window: next column, next row, next frame
  localparam integer B1 = SW * CF;
  localparam integer B2 = SH * ROW - (OW - 1) * SW * CF;
  localparam integer B3 = FRAME - (OH - 1) * SH * ROW - (OW - 1) * SW * CF;
  localparam integer E1 = B1 - OFF_LAST, E2 = B2 - OFF_LAST, E3 = B3 - OFF_LAST;
  localparam integer CFB = (CF <= 1) ? 1 : $clog2(CF);
  localparam integer KHB = (KH <= 1) ? 1 : $clog2(KH);
  localparam integer KWB = (KW <= 1) ? 1 : $clog2(KW);
  localparam integer OHB = (OH <= 1) ? 1 : $clog2(OH);
  localparam integer OWB = (OW <= 1) ? 1 : $clog2(OW);
  localparam integer CF_M1 = CF - 1, KH_M1 = KH - 1, KW_M1 = KW - 1, OH_M1 = OH - 1, OW_M1 = OW - 1;
  localparam integer ONE = 1;
  localparam integer FULL = 1 << AW;

  reg [BEAT-1:0] mem [0:(1<<AW)-1];
  reg [AW-1:0] wa, ra;         // write address, read address (= need mod 2**AW)
  reg [CB-1:0] have, ahead;    // written - need, written - base (two's complement)
  reg [CFB-1:0] cf;
  reg [KHB-1:0] kh;
  reg [KWB-1:0] kw;
  reg [OHB-1:0] oh;
  reg [OWB-1:0] ow;
  reg [BEAT-1:0] o;
  reg ov;
  wire en = !ov || out_tready;
  assign out_tdata = o;
  assign out_tvalid = ov;
  // ahead < 0 when the base stepped past the last written beat (stride > kernel, or trailing input rows /
  // columns no window uses, e.g. 1x1 stride 2 or 3x3 stride 2 on an even size): keep writing then
  assign in_tready = ahead[CB-1] || (ahead < FULL[CB-1:0]);
  wire wr = in_tvalid && in_tready;
  wire avail = !have[CB-1] && (have != {CB{1'b0}});
  wire rd = en && avail;
  always @(posedge ap_clk) if (wr) mem[wa] <= in_tdata;
  always @(posedge ap_clk) if (rd) o <= mem[ra];
  wire last_kw = (kw == KW_M1[KWB-1:0]);
  wire last_kh = (kh == KH_M1[KHB-1:0]);
  wire last_cf = (cf == CF_M1[CFB-1:0]);
  wire last_ow = (ow == OW_M1[OWB-1:0]);
  wire last_oh = (oh == OH_M1[OHB-1:0]);
  wire last_win = last_kw && last_kh && last_cf;
  // which counter wraps decides the step (inner = cf for DEPTHWISE=0, kw for DEPTHWISE=1)
  wire w1 = (DEPTHWISE != 0) ? last_kw : last_cf;
  wire w2 = (DEPTHWISE != 0) ? last_kh : last_kw;
  reg [CB-1:0] step, bstep;
  always @* begin
    if (!w1) step = I1[CB-1:0];
    else if (!w2) step = I2[CB-1:0];
    else if (!last_win) step = I3[CB-1:0];
    else if (!last_ow) step = E1[CB-1:0];
    else if (!last_oh) step = E2[CB-1:0];
    else step = E3[CB-1:0];
    if (!last_ow) bstep = B1[CB-1:0];
    else if (!last_oh) bstep = B2[CB-1:0];
    else bstep = B3[CB-1:0];
  end
  wire [CB-1:0] winc = wr ? ONE[CB-1:0] : {CB{1'b0}};
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      wa <= {AW{1'b0}};
      ra <= {AW{1'b0}};
      have <= {CB{1'b0}};
      ahead <= {CB{1'b0}};
      oh <= {OHB{1'b0}};
      ow <= {OWB{1'b0}};
      kh <= {KHB{1'b0}};
      kw <= {KWB{1'b0}};
      cf <= {CFB{1'b0}};
      ov <= 1'b0;
    end else begin
      if (wr) wa <= wa + 1'b1;
      if (en) ov <= avail;
      have <= have + winc - (rd ? step : {CB{1'b0}});
      ahead <= ahead + winc - ((rd && last_win) ? bstep : {CB{1'b0}});
      if (rd) begin
        ra <= ra + step[AW-1:0];
        if (DEPTHWISE != 0) begin
          kw <= last_kw ? {KWB{1'b0}} : kw + 1'b1;
          if (last_kw) kh <= last_kh ? {KHB{1'b0}} : kh + 1'b1;
          if (last_kw && last_kh) cf <= last_cf ? {CFB{1'b0}} : cf + 1'b1;
        end else begin
          cf <= last_cf ? {CFB{1'b0}} : cf + 1'b1;
          if (last_cf) kw <= last_kw ? {KWB{1'b0}} : kw + 1'b1;
          if (last_cf && last_kw) kh <= last_kh ? {KHB{1'b0}} : kh + 1'b1;
        end
        if (last_win) begin
          ow <= last_ow ? {OWB{1'b0}} : ow + 1'b1;
          if (last_ow) oh <= last_oh ? {OHB{1'b0}} : oh + 1'b1;
        end
      end
    end
  end
endmodule
