`timescale 1 ns / 1 ps
// pcnn_pool -- OURS (pcnn-hw); FINN's Pool exists only as HLS. Max-pool behind a depthwise sliding
// window: per output pixel and channel fold, KK consecutive beats of PE channels arrive; the
// element-wise maximum (OR for 1-bit data) is emitted after the KK-th beat.
module pcnn_pool #(
  parameter integer PE = 1,
  parameter integer KK = 4,
  parameter integer BITS = 1,
  parameter integer SIGNED = 0
) (
  input  wire               ap_clk,
  input  wire               ap_rst_n,
  input  wire [PE*BITS-1:0] in_tdata,
  input  wire               in_tvalid,
  output wire               in_tready,
  output wire [PE*BITS-1:0] out_tdata,
  output wire               out_tvalid,
  input  wire               out_tready
);
  localparam integer KB = $clog2(KK + 1);
  localparam integer KK_M2 = KK - 2;
  reg [PE*BITS-1:0] acc, o;
  reg ov;
  reg [KB-1:0] k;
  reg first, last;  // k == 0, k == KK-1 (registered, #10: no compare in front of the max muxes)
  wire [KB-1:0] k_inc = k + 1'b1;
  wire en = !ov || out_tready;
  assign in_tready = en;
  assign out_tdata = o; assign out_tvalid = ov;
  wire [PE*BITS-1:0] nxt;
  genvar p;
  generate
    for (p = 0; p < PE; p = p + 1) begin : g_pe
      wire [BITS-1:0] a = acc[p*BITS +: BITS];
      wire [BITS-1:0] x = in_tdata[p*BITS +: BITS];
      wire gt = (SIGNED != 0) ? ($signed(x) > $signed(a)) : (x > a);
      assign nxt[p*BITS +: BITS] = (first || gt) ? x : a;
    end
  endgenerate
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      ov <= 1'b0; k <= {KB{1'b0}}; first <= 1'b1; last <= (KK == 1);
    end else if (en) begin
      ov <= 1'b0;
      if (in_tvalid) begin
        acc <= nxt;
        if (last) begin
          k <= {KB{1'b0}}; o <= nxt; ov <= 1'b1; first <= 1'b1; last <= (KK == 1);
        end else begin
          k <= k_inc; first <= 1'b0; last <= (k == KK_M2[KB-1:0]);
        end
      end
    end
  end
endmodule
