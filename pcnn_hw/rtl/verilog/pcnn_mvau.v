`timescale 1 ns / 1 ps
// pcnn_mvau -- OURS (pcnn-hw). FINN's XNOR MVAU exists only as HLS and finn-rtllib's MVU is
// SystemVerilog that Yosys cannot read, so this is our own matrix-vector-activation unit, one module
// for the three flavours of pcnn_hw/layers/mvau.py:
//   XNOR=1: binary input and weights, accumulator = popcount(~(x ^ w)) (the XNOR popcount P)
//   XNOR=0: integer input (IN_BITS, IN_SIGNED) x weights: W_BITS-bit signed, or W_BITS=1 meaning
//           bipolar weights stored as bits (1 = +1, 0 = -1)
//   NO_ACT=1: output the accumulator (ACC_BITS, signed); else y = #{i : acc >= T[i]} + ACT_VAL.
// Folding: SIMD input elements per beat, PE outputs per beat; SF = MW/SIMD input beats per vector,
// NF = MH/PE output beats per vector; one (nf, sf) step per cycle, so a vector takes NF*SF cycles
// (the initiation interval; pipelining below only adds latency). The input vector is read during the
// nf = 0 pass and replayed from a buffer for nf > 0.
// Weights: a ROM outside this module (w_* ports, read latency 2, generated per layer by
// pcnn_hw/rtl/rom.py from pcnn_rom.vt) of NF*SF words at nf*SF + sf, each PE*SIMD*W_BITS bits, lane (p, s) at bits
// (p*SIMD + s)*W_BITS -- FINN's (PE, WMEM, SIMD) image with SIMD lane order undone.
// Thresholds: a ROM (t_* ports, read latency 2) of NF words, (p, i) at bits (p*N_STEPS + i)*ACC_BITS (unused if NO_ACT).
// Pipeline (one global enable stalls every stage while the output register is full and not taken):
//   A issue (address counter -> weight ROM; input beat or replay buffer -> xb)
//   R xr <= xb while the ROM's second register delivers the weights: no logic after a BRAM output
//   T per-PE registered adder trees (one pcnn_addtree of PE (+1) trees) over groups of G lanes: XNOR
//     groups of 6 bits are one 6:3 popcount each (3 LUT6), integer groups are R products/selections;
//     TL stages, the control word {valid, first, last, nf} travels with them; unsigned leaves (XNOR
//     counts, bipolar sums of unsigned inputs) declare their bound (LMAX), so each tree node keeps only
//     the bits its sum can reach (#12: fewer FFs and adder LUTs than ACC_BITS-wide nodes)
//   C accumulate (acc += part), D compare with the thresholds (threshold ROM read two stages ahead;
//     with one threshold the accumulator starts at -T instead and D registers its sign: no comparator),
//   E count + ACT_VAL -> output register. Latency A->out = TL + 5 cycles (TL + 4 with NO_ACT).
module pcnn_mvau #(
  parameter integer PE = 1,
  parameter integer SIMD = 1,
  parameter integer MW = 1,
  parameter integer MH = 1,
  parameter integer XNOR = 1,
  parameter integer NO_ACT = 0,
  parameter integer IN_BITS = 1,
  parameter integer IN_SIGNED = 0,
  parameter integer W_BITS = 1,
  parameter integer ACC_BITS = 8,
  parameter integer N_STEPS = 1,
  parameter integer OUT_BITS = 1,
  parameter integer ACT_VAL = 0,
  parameter integer TREE_FANIN = 4
) (
  input  wire                          ap_clk,
  input  wire                          ap_rst_n,
  input  wire [SIMD*IN_BITS-1:0]        in_tdata,
  input  wire                          in_tvalid,
  output wire                          in_tready,
  output wire [PE*OUT_BITS-1:0]        out_tdata,
  output wire                          out_tvalid,
  input  wire                          out_tready,
  output wire                          w_en,
  output wire [((MW/SIMD)*(MH/PE) <= 1 ? 1 : $clog2((MW/SIMD)*(MH/PE)))-1:0] w_addr,
  input  wire [PE*SIMD*W_BITS-1:0]      w_q,
  output wire                          t_en,
  output wire [((MH/PE) <= 1 ? 1 : $clog2(MH/PE))-1:0] t_addr,
  input  wire [PE*N_STEPS*ACC_BITS-1:0] t_q
);
  localparam integer SF = MW / SIMD;
  localparam integer NF = MH / PE;
  localparam integer WMEM = SF * NF;
  localparam integer SB = (SF <= 1) ? 1 : $clog2(SF);
  localparam integer NB = (NF <= 1) ? 1 : $clog2(NF);
  localparam integer WB = (WMEM <= 1) ? 1 : $clog2(WMEM);
  localparam integer XW = SIMD * IN_BITS;
  localparam integer SF_M1 = SF - 1;
  localparam integer NF_M1 = NF - 1;
  localparam integer WMEM_M1 = WMEM - 1;
  localparam integer R = TREE_FANIN;
  // lanes per tree leaf and leaf count; tree width
  localparam integer G = (XNOR != 0) ? 6 : ((W_BITS == 1) ? R : 1);
  localparam integer NG = (SIMD + G - 1) / G;
  localparam integer PCW = $clog2(SIMD + 1) < 4 ? 4 : $clog2(SIMD + 1);
  localparam integer TW = (XNOR != 0) ? PCW : ACC_BITS;
  localparam integer BIP = (XNOR == 0 && W_BITS == 1) ? 1 : 0;
  localparam integer NTREE = PE + BIP;  // tree PE = the shared element sum of bipolar weights
  localparam [31:0] AV = ACT_VAL;  // y = count + ACT_VAL, its low OUT_BITS
  // one threshold (1-bit activations): no comparator, the accumulator starts at -T (one bit wider, so
  // P - T never overflows) and y is its sign; the threshold ROM is then read two stages earlier
  localparam integer FOLD = (NO_ACT == 0 && N_STEPS == 1) ? 1 : 0;
  localparam integer AW = ACC_BITS + FOLD;
  // leaf bound for the tree's narrow nodes: XNOR counts <= G, unsigned bipolar sums <= G * (2**IN_BITS - 1);
  // signed terms (integer weights, signed inputs) keep ACC_BITS everywhere (0)
  localparam integer LMAX = (XNOR != 0) ? G : ((BIP != 0 && IN_SIGNED == 0) ? G * ((1 << IN_BITS) - 1) : 0);

  // ---- output register and global enable
  reg [PE*OUT_BITS-1:0] o;
  reg ov;
  wire en = !ov || out_tready;
  assign out_tdata = o;
  assign out_tvalid = ov;

  // ---- stage A: issue one (nf, sf) step per cycle; the weight address is a running counter
  reg [SB-1:0] sf;
  reg [NB-1:0] nf;
  reg [WB-1:0] wa;
  reg [XW-1:0] ibuf [0:SF-1];
  wire need_in = (nf == {NB{1'b0}});
  wire fire_a = en && (!need_in || in_tvalid);
  wire last_sf = (sf == SF_M1[SB-1:0]);
  assign in_tready = en && need_in;
  assign w_en = en;
  assign w_addr = wa;
  reg [XW-1:0] xb;
  reg vb, first_b, last_b;
  reg [NB-1:0] nf_b;
  always @(posedge ap_clk) if (fire_a && need_in && NF > 1) ibuf[sf] <= in_tdata;
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      sf <= {SB{1'b0}};
      nf <= {NB{1'b0}};
      wa <= {WB{1'b0}};
      vb <= 1'b0;
    end else if (en) begin
      vb <= fire_a;
      if (fire_a) begin
        xb <= need_in ? in_tdata : ibuf[sf];
        first_b <= (sf == {SB{1'b0}});
        last_b <= last_sf;
        nf_b <= nf;
        wa <= (wa == WMEM_M1[WB-1:0]) ? {WB{1'b0}} : wa + 1'b1;
        if (last_sf) begin
          sf <= {SB{1'b0}};
          nf <= (nf == NF_M1[NB-1:0]) ? {NB{1'b0}} : nf + 1'b1;
        end else begin
          sf <= sf + 1'b1;
        end
      end
    end
  end

  // ---- stage R: the beat waits one cycle for the ROM's output register
  reg [XW-1:0] xr;
  reg vr, first_r, last_r;
  reg [NB-1:0] nf_r;
  always @(posedge ap_clk) begin
    if (!ap_rst_n) vr <= 1'b0;
    else if (en) begin
      vr <= vb;
      first_r <= first_b;
      last_r <= last_b;
      nf_r <= nf_b;
      xr <= xb;
    end
  end
  // the trees delay {valid, first, last} with the data (-> stage T) and nf one stage less (nf_e): nf_r
  // gives nf_e one stage ahead of the tree output (the threshold is there with the final acc), nf_b two
  // stages ahead (FOLD: the threshold is there with the first step)
  wire [NTREE*NG*TW-1:0] leaves;
  wire [NTREE*TW-1:0] roots;
  wire [2:0] ctl_t;
  wire [NB-1:0] nf_e;
  pcnn_addtree #(.N(NG), .W(TW), .R(R), .M(NTREE), .CW(3), .EW(NB), .LMAX(LMAX)) u_tree (
    .ap_clk(ap_clk), .ap_rst_n(ap_rst_n), .en(en), .d(leaves), .c({vr, first_r, last_r}), .e(FOLD != 0 ? nf_b : nf_r),
    .q(roots), .cq(ctl_t), .eq(nf_e)
  );
  wire v_t = ctl_t[2];
  wire first_t = ctl_t[1];
  wire last_t = ctl_t[0];

  // element k of an input beat, sign- or zero-extended to ACC_BITS
  // (the stitcher guarantees ACC_BITS >= IN_BITS + 2, W_BITS + 2 and PCW + 1)
  function [ACC_BITS-1:0] xext(input [XW-1:0] v, input integer k);
    xext = {{(ACC_BITS-IN_BITS){IN_SIGNED != 0 && v[k*IN_BITS + IN_BITS-1]}}, v[k*IN_BITS +: IN_BITS]};
  endfunction
  // popcount of 6 bits (one LUT6 per output bit)
  function [2:0] pop6(input [5:0] v);
    integer j;
    begin
      pop6 = 3'd0;
      for (j = 0; j < 6; j = j + 1) pop6 = pop6 + {2'b00, v[j]};
    end
  endfunction

  // ---- shared tree of the beat's element sum (bipolar weights: part = 2 * sum_{w=+1} x - sum x)
  wire [ACC_BITS-1:0] xsum_t;
  genvar p, gi, j;
  generate
    if (BIP != 0) begin : g_xsum
      for (gi = 0; gi < NG; gi = gi + 1) begin : g_leaf
        // running sums ls[j] of the leaf's first j lanes: continuous assigns (no process, no proc_mux)
        wire [(G+1)*TW-1:0] ls;
        assign ls[0 +: TW] = {TW{1'b0}};
        for (j = 0; j < G; j = j + 1) begin : g_j
          if (gi * G + j < SIMD) begin : g_t
            assign ls[(j+1)*TW +: TW] = ls[j*TW +: TW] + xext(xr, gi * G + j);
          end else begin : g_z
            assign ls[(j+1)*TW +: TW] = ls[j*TW +: TW];
          end
        end
        assign leaves[(PE*NG + gi)*TW +: TW] = ls[G*TW +: TW];
      end
      assign xsum_t = roots[PE*TW +: TW];
    end else begin : g_noxsum
      assign xsum_t = {ACC_BITS{1'b0}};
    end
  endgenerate

  // ---- per PE: leaves -> tree -> accumulate -> compare
  reg vc, vd;
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      vc <= 1'b0;
      vd <= 1'b0;
    end else if (en) begin
      vc <= v_t && last_t;
      vd <= vc;
    end
  end
  assign t_en = en;
  assign t_addr = nf_e;  // ROM read latency 2: q arrives with the first step (FOLD) or the final acc
  wire [PE*OUT_BITS-1:0] y;
  generate
    for (p = 0; p < PE; p = p + 1) begin : g_pe
      wire [SIMD*W_BITS-1:0] w = w_q[p*SIMD*W_BITS +: SIMD*W_BITS];
      wire [NG*TW-1:0] leaf;
      wire [TW-1:0] root = roots[p*TW +: TW];
      wire [ACC_BITS-1:0] part;
      if (XNOR != 0) begin : g_xnor
        wire [NG*6-1:0] xe;  // XNOR lanes, zero-extended to whole groups of 6
        if (NG * 6 > SIMD) begin : g_pad
          assign xe = {{(NG*6-SIMD){1'b0}}, ~(xr ^ w)};
        end else begin : g_nopad
          assign xe = ~(xr ^ w);
        end
        for (gi = 0; gi < NG; gi = gi + 1) begin : g_leaf
          assign leaf[gi*TW +: TW] = {{(TW-3){1'b0}}, pop6(xe[gi*6 +: 6])};
        end
        assign part = {{(ACC_BITS-TW){1'b0}}, root};
      end else if (W_BITS == 1) begin : g_bip
        for (gi = 0; gi < NG; gi = gi + 1) begin : g_leaf
          // sum of the lanes with weight +1: each lane masked by its weight bit (an AND, not a mux of a
          // process: Yosys' proc then has nothing to do here), running sums ls[j] as continuous assigns
          wire [(G+1)*TW-1:0] ls;
          assign ls[0 +: TW] = {TW{1'b0}};
          for (j = 0; j < G; j = j + 1) begin : g_j
            if (gi * G + j < SIMD) begin : g_t
              assign ls[(j+1)*TW +: TW] = ls[j*TW +: TW] + ({TW{w[gi * G + j]}} & xext(xr, gi * G + j));
            end else begin : g_z
              assign ls[(j+1)*TW +: TW] = ls[j*TW +: TW];
            end
          end
          assign leaf[gi*TW +: TW] = ls[G*TW +: TW];
        end
        assign part = (root << 1) - xsum_t;
      end else begin : g_mul
        for (gi = 0; gi < NG; gi = gi + 1) begin : g_leaf
          wire [W_BITS-1:0] wr = w[gi*W_BITS +: W_BITS];
          wire signed [ACC_BITS-1:0] ws = {{(ACC_BITS-W_BITS){wr[W_BITS-1]}}, wr};
          wire signed [ACC_BITS-1:0] xs = xext(xr, gi);
          assign leaf[gi*TW +: TW] = xs * ws;
        end
        assign part = root;
      end
      assign leaves[p*NG*TW +: NG*TW] = leaf;
      reg [AW-1:0] acc;
      if (FOLD != 0) begin : g_fold
        // acc = P - T: the first step adds part to ~T with carry-in 1 (-T = ~T + 1), one adder per bit
        wire [AW-1:0] tn = ~{t_q[p*ACC_BITS + ACC_BITS-1], t_q[p*ACC_BITS +: ACC_BITS]};
        wire [AW-1:0] pext = {part[ACC_BITS-1], part};
        always @(posedge ap_clk)
          if (en && v_t) acc <= (first_t ? tn : acc) + pext + {{(AW-1){1'b0}}, first_t};
      end else begin : g_nofold
        always @(posedge ap_clk) if (en && v_t) acc <= (first_t ? {AW{1'b0}} : acc) + part;
      end
      if (NO_ACT != 0) begin : g_acc
        reg [ACC_BITS-1:0] a2;
        always @(posedge ap_clk) if (en) a2 <= acc;
        assign y[p*OUT_BITS +: OUT_BITS] = a2;
      end else begin : g_act
        reg [N_STEPS-1:0] cmp;
        if (FOLD != 0) begin : g_sign
          always @(posedge ap_clk) if (en) cmp <= !acc[AW-1];  // P - T >= 0
        end else begin : g_cmp
          integer i;
          always @(posedge ap_clk)
            if (en)
              for (i = 0; i < N_STEPS; i = i + 1)
                cmp[i] <= $signed(acc) >= $signed(t_q[(p*N_STEPS + i)*ACC_BITS +: ACC_BITS]);
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
    end
  endgenerate
  always @(posedge ap_clk) begin
    if (!ap_rst_n) ov <= 1'b0;
    else if (en) begin
      ov <= vd;
      if (vd) o <= y;
    end
  end
endmodule
