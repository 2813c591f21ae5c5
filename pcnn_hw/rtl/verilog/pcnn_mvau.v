// pcnn_mvau -- OURS (pcnn-hw). FINN's XNOR MVAU exists only as HLS and finn-rtllib's MVU is
// SystemVerilog that Yosys cannot read, so this is our own matrix-vector-activation unit, one module
// for the three flavours of pcnn_hw/layers/mvau.py:
//   XNOR=1: binary input and weights, accumulator = popcount(~(x ^ w)) (the XNOR popcount P)
//   XNOR=0: integer input (IN_BITS, IN_SIGNED) x weights: W_BITS-bit signed, or W_BITS=1 meaning
//           bipolar weights stored as bits (1 = +1, 0 = -1)
//   NO_ACT=1: output the accumulator (ACC_BITS, signed); else y = #{i : acc >= T[i]} + ACT_VAL.
// Folding: SIMD input elements per beat, PE outputs per beat; SF = MW/SIMD input beats per vector,
// NF = MH/PE output beats per vector; one (nf, sf) step per cycle, so a vector takes NF*SF cycles.
// The input vector is read during the nf = 0 pass and replayed from a buffer for nf > 0.
// Weights: memory of NF*SF words at nf*SF + sf, each PE*SIMD*W_BITS bits, lane (p, s) at bits
// (p*SIMD + s)*W_BITS -- FINN's (PE, WMEM, SIMD) image with SIMD lane order undone -- from W_FILE.
// Thresholds: NF words, (p, i) at bits (p*N_STEPS + i)*ACC_BITS, from T_FILE.
// Pipeline: issue (memory read) -> accumulate -> threshold/output register; one global enable
// stalls all stages while the output register is full and not taken.
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
  parameter W_FILE = "weights.memh",
  parameter T_FILE = "thresholds.memh"
) (
  input  wire                   ap_clk,
  input  wire                   ap_rst_n,
  input  wire [SIMD*IN_BITS-1:0] in_tdata,
  input  wire                   in_tvalid,
  output wire                   in_tready,
  output wire [PE*OUT_BITS-1:0] out_tdata,
  output wire                   out_tvalid,
  input  wire                   out_tready
);
  localparam integer SF = MW / SIMD;
  localparam integer NF = MH / PE;
  localparam integer WMEM = SF * NF;
  localparam integer SB = (SF <= 1) ? 1 : $clog2(SF);
  localparam integer NB = (NF <= 1) ? 1 : $clog2(NF);
  localparam integer WB = (WMEM <= 1) ? 1 : $clog2(WMEM);
  localparam integer XW = SIMD * IN_BITS;
  localparam integer WW = PE * SIMD * W_BITS;

  reg [WW-1:0] wmem [0:WMEM-1];
  initial $readmemh(W_FILE, wmem);

  // ---- output register and global enable
  reg [PE*OUT_BITS-1:0] o;
  reg ov;
  wire en = !ov || out_tready;
  assign out_tdata = o; assign out_tvalid = ov;

  // ---- stage A: issue one (nf, sf) step per cycle
  reg [SB-1:0] sf;
  reg [NB-1:0] nf;
  reg [XW-1:0] ibuf [0:SF-1];
  wire need_in = (nf == 0);
  wire fire_a = en && (!need_in || in_tvalid);
  assign in_tready = en && need_in;
  reg [XW-1:0] xb;
  reg [WW-1:0] wb;
  reg vb, first_b, last_b;
  reg [NB-1:0] nf_b;
  always @(posedge ap_clk) if (fire_a && need_in && NF > 1) ibuf[sf] <= in_tdata;
  always @(posedge ap_clk) if (en) wb <= wmem[nf * SF + sf];
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      sf <= 0; nf <= 0; vb <= 1'b0;
    end else if (en) begin
      vb <= fire_a;
      if (fire_a) begin
        xb <= need_in ? in_tdata : ibuf[sf];
        first_b <= (sf == 0); last_b <= (sf == SF - 1); nf_b <= nf;
        if (sf == SF - 1) begin
          sf <= 0;
          nf <= (nf == NF - 1) ? 0 : nf + 1'b1;
        end else begin
          sf <= sf + 1'b1;
        end
      end
    end
  end

  // ---- stage B: accumulate (one generate block per PE); stage C: thresholds -> output
  reg vc;
  reg [NB-1:0] nf_c;
  always @(posedge ap_clk) begin
    if (!ap_rst_n) vc <= 1'b0;
    else if (en) begin
      vc <= vb && last_b; nf_c <= nf_b;
    end
  end
  // element s of an input beat as a signed value (sign- or zero-extended)
  function signed [IN_BITS:0] xval(input [XW-1:0] v, input integer k);
    xval = IN_SIGNED ? $signed({v[k*IN_BITS + IN_BITS-1], v[k*IN_BITS +: IN_BITS]})
                     : $signed({1'b0, v[k*IN_BITS +: IN_BITS]});
  endfunction
  reg signed [ACC_BITS-1:0] xsum;  // sum of the beat's elements (bipolar-weight path)
  integer q;
  always @* begin
    xsum = 0;
    for (q = 0; q < SIMD; q = q + 1) xsum = xsum + xval(xb, q);
  end
  wire [PE*OUT_BITS-1:0] y;
  wire [PE*N_STEPS*ACC_BITS-1:0] thr;
  generate
    if (NO_ACT == 0) begin : g_thr
      reg [PE*N_STEPS*ACC_BITS-1:0] tmem [0:NF-1];
      initial $readmemh(T_FILE, tmem);
      assign thr = tmem[nf_c];
    end else begin : g_nothr
      assign thr = 0;
    end
  endgenerate
  genvar p;
  generate
    for (p = 0; p < PE; p = p + 1) begin : g_pe
      wire [SIMD*W_BITS-1:0] w = wb[p*SIMD*W_BITS +: SIMD*W_BITS];
      reg signed [ACC_BITS-1:0] part;
      reg signed [ACC_BITS-1:0] acc;
      integer s;
      if (XNOR != 0) begin : g_xnor
        // popcount in 32-bit chunks: Yosys expands $countones into a nested sum whose depth is the
        // operand width, which overflows WebAssembly Yosys' stack beyond a few hundred bits
        localparam integer NCH = (SIMD + 31) / 32;
        wire [SIMD-1:0] xr = ~(xb ^ w);
        wire [NCH*32-1:0] xn = xr;  // zero-extended
        integer c;
        always @* begin
          part = 0;
          for (c = 0; c < NCH; c = c + 1) part = part + $countones(xn[c*32 +: 32]);
        end
      end else if (W_BITS == 1) begin : g_bip
        // bipolar weights: sum_s (w ? x : -x) = 2 * sum_{w=+1} x - sum x (sum x shared by all PEs);
        // wrap-around arithmetic is exact because the true result fits in ACC_BITS
        reg signed [ACC_BITS-1:0] pos;
        always @* begin
          pos = 0;
          for (s = 0; s < SIMD; s = s + 1)
            if (w[s]) pos = pos + xval(xb, s);
          part = (pos <<< 1) - xsum;
        end
      end else begin : g_mul
        reg signed [W_BITS:0] ws;
        always @* begin
          part = 0;
          for (s = 0; s < SIMD; s = s + 1) begin
            ws = $signed({w[s*W_BITS + W_BITS-1], w[s*W_BITS +: W_BITS]});
            part = part + xval(xb, s) * ws;
          end
        end
      end
      always @(posedge ap_clk) if (en && vb) acc <= (first_b ? 0 : acc) + part;
      if (NO_ACT != 0) begin : g_acc
        assign y[p*OUT_BITS +: OUT_BITS] = acc;
      end else begin : g_act
        reg [OUT_BITS+16:0] cnt;
        integer i;
        always @* begin
          cnt = 0;
          for (i = 0; i < N_STEPS; i = i + 1)
            cnt = cnt + (acc >= $signed(thr[(p*N_STEPS + i)*ACC_BITS +: ACC_BITS]));
        end
        assign y[p*OUT_BITS +: OUT_BITS] = cnt + ACT_VAL;
      end
    end
  endgenerate
  always @(posedge ap_clk) begin
    if (!ap_rst_n) ov <= 1'b0;
    else if (en) begin
      ov <= vc;
      if (vc) o <= y;
    end
  end
endmodule
