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
// ahead = written - base (both lie in (-2**(AW+1), 2**(AW+1))), offset so each test is a sign bit.
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
  localparam integer FULL = 1 << AW;

  localparam integer HB = CB + 1;    // ahead - FULL needs one bit more than ahead
  localparam integer KW_M2 = KW - 2, KH_M2 = KH - 2, CF_M2 = CF - 2, OW_M2 = OW - 2, OH_M2 = OH - 2;
  localparam integer FULL_NEG = -FULL;

  reg [BEAT-1:0] mem [0:(1<<AW)-1];
  reg [AW-1:0] wa, ra;         // write address, read address (= need mod 2**AW)
  // Pipelining (#10): the two differences are kept shifted so that each test is one sign bit:
  // hm1 = written - need - 1 (an element is available when hm1 >= 0), af = written - base - FULL
  // (the writer may run while af < 0). Every register update is a precomputed sum of registers that
  // the handshakes only select (one LUT), and the "counter is at its last value" tests are registers.
  reg [CB-1:0] hm1;
  reg [HB-1:0] af;
  reg [CFB-1:0] cf;
  reg [KHB-1:0] kh;
  reg [KWB-1:0] kw;
  reg [OHB-1:0] oh;
  reg [OWB-1:0] ow;
  reg last_kw, last_kh, last_cf, last_ow, last_oh;  // kw == KW-1, ... (registered)
  reg [BEAT-1:0] o;
  reg ov;
  wire en = !ov || out_tready;
  assign out_tdata = o;
  assign out_tvalid = ov;
  // af < 0 also when the base stepped past the last written beat (stride > kernel, or trailing input
  // rows / columns no window uses, e.g. 1x1 stride 2 or 3x3 stride 2 on an even size): keep writing then
  assign in_tready = af[HB-1];
  wire wr = in_tvalid && in_tready;
  wire avail = !hm1[CB-1];
  wire rd = en && avail;
  always @(posedge ap_clk) if (wr) mem[wa] <= in_tdata;
  always @(posedge ap_clk) if (rd) o <= mem[ra];
  wire last_win = last_kw && last_kh && last_cf;
  // a counter's next "last" flag from its current value (reset value when it wraps)
  wire nl_kw = last_kw ? (KW == 1) : (kw == KW_M2[KWB-1:0]);
  wire nl_kh = last_kh ? (KH == 1) : (kh == KH_M2[KHB-1:0]);
  wire nl_cf = last_cf ? (CF == 1) : (cf == CF_M2[CFB-1:0]);
  wire nl_ow = last_ow ? (OW == 1) : (ow == OW_M2[OWB-1:0]);
  wire nl_oh = last_oh ? (OH == 1) : (oh == OH_M2[OHB-1:0]);
  // the last_* flags after a read (rd): the innermost counter always steps, an outer one when all
  // counters inside it wrap
  wire rl_kw = (DEPTHWISE != 0 || last_cf) ? nl_kw : last_kw;
  wire rl_kh = (DEPTHWISE != 0 ? last_kw : last_cf && last_kw) ? nl_kh : last_kh;
  wire rl_cf = (DEPTHWISE == 0 || (last_kw && last_kh)) ? nl_cf : last_cf;
  wire rl_ow = last_win ? nl_ow : last_ow;
  wire rl_oh = (last_win && last_ow) ? nl_oh : last_oh;
  // step = read-address step of the current element, stepm1 = step - 1 (a write in the same cycle adds
  // 1), bstep/bstepm1 the same for the base. Timing (#10): they are registers, loaded one element ahead
  // from the flags the element after this read will have (rl_*), so the adders below see registered
  // operands and the 6-way select by which window counters wrap is off the hm1/af/ra paths.
  function [CB-1:0] f_step(input l_kw, input l_kh, input l_cf, input l_ow, input l_oh, input m1);
    reg l1, l2, lw;
    begin
      l1 = (DEPTHWISE != 0) ? l_kw : l_cf;
      l2 = (DEPTHWISE != 0) ? l_kh : l_kw;
      lw = l_kw && l_kh && l_cf;
      if (!l1) f_step = I1[CB-1:0] - m1;
      else if (!l2) f_step = I2[CB-1:0] - m1;
      else if (!lw) f_step = I3[CB-1:0] - m1;
      else if (!l_ow) f_step = E1[CB-1:0] - m1;
      else if (!l_oh) f_step = E2[CB-1:0] - m1;
      else f_step = E3[CB-1:0] - m1;
    end
  endfunction
  function [HB-1:0] f_bstep(input l_kw, input l_kh, input l_cf, input l_ow, input l_oh, input m1);
    begin
      if (!(l_kw && l_kh && l_cf)) f_bstep = {HB{1'b0}} - m1;
      else if (!l_ow) f_bstep = B1[HB-1:0] - m1;
      else if (!l_oh) f_bstep = B2[HB-1:0] - m1;
      else f_bstep = B3[HB-1:0] - m1;
    end
  endfunction
  localparam R_KW = (KW == 1), R_KH = (KH == 1), R_CF = (CF == 1), R_OW = (OW == 1), R_OH = (OH == 1);
  reg [CB-1:0] step, stepm1;
  reg [HB-1:0] bstep, bstepm1;
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      step <= f_step(R_KW, R_KH, R_CF, R_OW, R_OH, 1'b0);
      stepm1 <= f_step(R_KW, R_KH, R_CF, R_OW, R_OH, 1'b1);
      bstep <= f_bstep(R_KW, R_KH, R_CF, R_OW, R_OH, 1'b0);
      bstepm1 <= f_bstep(R_KW, R_KH, R_CF, R_OW, R_OH, 1'b1);
    end else if (rd) begin
      step <= f_step(rl_kw, rl_kh, rl_cf, rl_ow, rl_oh, 1'b0);
      stepm1 <= f_step(rl_kw, rl_kh, rl_cf, rl_ow, rl_oh, 1'b1);
      bstep <= f_bstep(rl_kw, rl_kh, rl_cf, rl_ow, rl_oh, 1'b0);
      bstepm1 <= f_bstep(rl_kw, rl_kh, rl_cf, rl_ow, rl_oh, 1'b1);
    end
  end
  wire [CB-1:0] hm1_w = hm1 + 1'b1, hm1_r = hm1 - step, hm1_wr = hm1 - stepm1;
  wire [HB-1:0] af_w = af + 1'b1, af_r = af - bstep, af_wr = af - bstepm1;
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      wa <= {AW{1'b0}};
      ra <= {AW{1'b0}};
      hm1 <= {CB{1'b1}};
      af <= FULL_NEG[HB-1:0];
      oh <= {OHB{1'b0}};
      ow <= {OWB{1'b0}};
      kh <= {KHB{1'b0}};
      kw <= {KWB{1'b0}};
      cf <= {CFB{1'b0}};
      last_kw <= R_KW; last_kh <= R_KH; last_cf <= R_CF; last_ow <= R_OW; last_oh <= R_OH;
      ov <= 1'b0;
    end else begin
      if (wr) wa <= wa + 1'b1;
      if (en) ov <= avail;
      if (wr && rd) hm1 <= hm1_wr;
      else if (wr) hm1 <= hm1_w;
      else if (rd) hm1 <= hm1_r;
      if (wr && rd) af <= af_wr;
      else if (wr) af <= af_w;
      else if (rd) af <= af_r;
      if (rd) begin
        ra <= ra + step[AW-1:0];
        last_kw <= rl_kw; last_kh <= rl_kh; last_cf <= rl_cf; last_ow <= rl_ow; last_oh <= rl_oh;
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
