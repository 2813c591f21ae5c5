`timescale 1 ns / 1 ps
// pcnn_addtree -- OURS (pcnn-hw). Registered adder tree: q = sum of the N W-bit terms of d (modulo
// 2**W, so two's-complement terms sign-extended to W bits sum exactly when the result fits W bits).
// Level 0 registers the inputs; every further level adds up to R terms of the level below and
// registers the sum, so a stage is one R-input adder (Yosys/Vivado: carry-save LUTs + one short carry
// chain). Latency = levels(N, R) cycles from d to q, all registers advance together under en.
module pcnn_addtree #(
  parameter integer N = 1,
  parameter integer W = 8,
  parameter integer R = 4
) (
  input  wire         ap_clk,
  input  wire         en,
  input  wire [N*W-1:0] d,
  output wire [W-1:0] q
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
  // number of levels (registers from d to q); pcnn_mvau uses the same formula for its control delay
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
  localparam integer NL = levels(N, R);
  localparam integer NT = off(N, R, NL);
  wire [NT*W-1:0] t;
  reg [N*W-1:0] r0;
  always @(posedge ap_clk) if (en) r0 <= d;
  assign t[N*W-1:0] = r0;
  genvar l, i;
  generate
    for (l = 1; l < NL; l = l + 1) begin : g_lv
      localparam integer NI = nat(N, R, l - 1);
      localparam integer OI = off(N, R, l - 1);
      localparam integer NO = nat(N, R, l);
      localparam integer OO = off(N, R, l);
      for (i = 0; i < NO; i = i + 1) begin : g_n
        localparam integer NC = (NI - i * R < R) ? NI - i * R : R;
        reg [W-1:0] s;
        reg [W-1:0] r;
        integer j;
        always @* begin
          s = {W{1'b0}};
          for (j = 0; j < NC; j = j + 1) s = s + t[(OI + i * R + j) * W +: W];
        end
        always @(posedge ap_clk) if (en) r <= s;
        assign t[(OO + i) * W +: W] = r;
      end
    end
  endgenerate
  assign q = t[(NT - 1) * W +: W];
endmodule
