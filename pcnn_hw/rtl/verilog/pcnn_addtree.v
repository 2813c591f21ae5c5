`timescale 1 ns / 1 ps
// pcnn_addtree -- OURS (pcnn-hw). M registered adder trees side by side plus a control word delayed
// with them: q[m] = sum of the N W-bit terms of d[m] (modulo 2**W, so two's-complement terms
// sign-extended to W bits sum exactly when the result fits W bits).
// Level 0 registers the inputs; every further level adds up to R terms of the level below and
// registers the sum, so a stage is one R-input adder (Yosys/Vivado: carry-save LUTs + one short carry
// chain). Latency NL = levels(N, R) enabled clock edges from d to q, all registers advance together
// under en. Two control words travel with the data (registers reset to 0): c (CW bits) through the
// same NL stages, so cq belongs to q, and e (EW bits) through NL - 1 stages, so eq is one stage ahead
// of q (eq = e when NL = 1). The user needs no copy of the latency formula (pcnn_mvau: c = {valid,
// first, last}, e = the output fold nf, which addresses its threshold ROM of read latency 2).
// LMAX > 0 declares the terms unsigned and <= LMAX (e.g. 3 for 3-lane XNOR counts): every node then
// registers and adds only the bits its sum can reach, clog2(k * LMAX + 1) for the k terms below it (at
// most W), so level 0 and the low levels are narrow; LMAX = 0 (default) keeps W bits everywhere.
module pcnn_addtree #(
  parameter integer N = 1,
  parameter integer W = 8,
  parameter integer R = 4,
  parameter integer M = 1,
  parameter integer CW = 1,
  parameter integer EW = 1,
  parameter integer LMAX = 0
) (
  input  wire            ap_clk,
  input  wire            ap_rst_n,
  input  wire            en,
  input  wire [M*N*W-1:0] d,
  input  wire [CW-1:0]   c,
  input  wire [EW-1:0]   e,
  output wire [M*W-1:0]  q,
  output wire [CW-1:0]   cq,
  output wire [EW-1:0]   eq
);
  // terms at level l (level 0 = the N inputs)
  function integer nat(input integer n, input integer r, input integer l);
    integer j;
    begin
      nat = n;
      for (j = 0; j < l; j = j + 1) nat = (nat + r - 1) / r;
    end
  endfunction
  // first node index of level l in the flat node vector
  function integer off(input integer n, input integer r, input integer l);
    integer j;
    begin
      off = 0;
      for (j = 0; j < l; j = j + 1) off = off + nat(n, r, j);
    end
  endfunction
  // number of levels (registers from d to q)
  function integer levels(input integer n, input integer r);
    integer j, k;
    begin
      levels = 1;
      k = n;
      for (j = 0; j < 32; j = j + 1)
        if (k > 1) begin
          k = (k + r - 1) / r;
          levels = levels + 1;
        end
    end
  endfunction
  // bits a node over k terms needs: W, or clog2(k * LMAX + 1) capped at W when the terms are bounded
  function integer nw(input integer k);
    integer v, b, j;
    begin
      if (LMAX <= 0) nw = W;
      else begin
        v = k * LMAX;
        b = 1;
        for (j = 0; j < 31; j = j + 1) if ((1 << b) <= v && b < W) b = b + 1;
        nw = b;
      end
    end
  endfunction
  // terms below node i of level l (the nodes of level l cover consecutive runs of R**l terms)
  function integer under(input integer n, input integer r, input integer l, input integer i);
    integer j, p;
    begin
      p = 1;
      for (j = 0; j < l; j = j + 1) p = p * r;
      under = (n - i * p < p) ? n - i * p : p;
    end
  endfunction
  localparam integer NL = levels(N, R);
  localparam integer NT = off(N, R, NL);

  // ---- control: c delayed by NL stages (with q), e by NL - 1 stages (one ahead of q)
  reg [NL*CW-1:0] cl;
  generate
    if (NL == 1) begin : g_c1
      always @(posedge ap_clk) if (!ap_rst_n) cl <= {CW{1'b0}}; else if (en) cl <= c;
      assign eq = e;
    end else begin : g_cn
      reg [(NL-1)*EW-1:0] el;
      always @(posedge ap_clk) if (!ap_rst_n) cl <= {NL*CW{1'b0}}; else if (en) cl <= {cl[(NL-1)*CW-1:0], c};
      if (NL == 2) begin : g_e1
        always @(posedge ap_clk) if (!ap_rst_n) el <= {EW{1'b0}}; else if (en) el <= e;
      end else begin : g_en
        always @(posedge ap_clk) if (!ap_rst_n) el <= {(NL-1)*EW{1'b0}}; else if (en) el <= {el[(NL-2)*EW-1:0], e};
      end
      assign eq = el[(NL-1)*EW-1 -: EW];
    end
  endgenerate
  assign cq = cl[NL*CW-1 -: CW];

  // ---- the M trees
  genvar m, l, i, j;
  generate
    for (m = 0; m < M; m = m + 1) begin : g_t
      wire [NT*W-1:0] t;
      // each node reads its terms' low B bits only; the zero padding above (LMAX) stays unread
      wire unused_t = ^t;  // (Verilator: *unused* not linted)
      for (i = 0; i < N; i = i + 1) begin : g_in
        localparam integer B = nw(1);
        reg [B-1:0] r0;
        always @(posedge ap_clk) if (en) r0 <= d[(m*N + i)*W +: B];
        if (B < W) begin : g_z
          wire unused_hi = ^d[(m*N + i)*W + B +: W - B];  // zero by LMAX (Verilator: *unused* not linted)
          assign t[i*W +: W] = {{(W-B){1'b0}}, r0};
        end else begin : g_w
          assign t[i*W +: W] = r0;
        end
      end
      for (l = 1; l < NL; l = l + 1) begin : g_lv
        localparam integer NI = nat(N, R, l - 1);
        localparam integer OI = off(N, R, l - 1);
        localparam integer NO = nat(N, R, l);
        localparam integer OO = off(N, R, l);
        for (i = 0; i < NO; i = i + 1) begin : g_n
          localparam integer NC = (NI - i * R < R) ? NI - i * R : R;
          localparam integer B = nw(under(N, R, l, i));
          // running sums sm[k] of the node's first k terms: continuous assigns, no process
          wire [(NC+1)*B-1:0] sm;
          reg [B-1:0] r;
          assign sm[0 +: B] = {B{1'b0}};
          for (j = 0; j < NC; j = j + 1) begin : g_j
            assign sm[(j+1)*B +: B] = sm[j*B +: B] + t[(OI + i * R + j) * W +: B];
          end
          always @(posedge ap_clk) if (en) r <= sm[NC*B +: B];
          if (B < W) begin : g_z
            assign t[(OO + i) * W +: W] = {{(W-B){1'b0}}, r};
          end else begin : g_w
            assign t[(OO + i) * W +: W] = r;
          end
        end
      end
      assign q[m*W +: W] = t[(NT - 1) * W +: W];
    end
  endgenerate
endmodule
