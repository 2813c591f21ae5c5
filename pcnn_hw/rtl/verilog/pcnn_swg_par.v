`timescale 1 ns / 1 ps
// pcnn_swg_par -- OURS (pcnn-hw); FINN's ConvolutionInputGenerator_rtl is SystemVerilog that Yosys
// cannot read. Parallel-window sliding-window generator (FINN's parallel_window=1 style): one input
// beat = one pixel of all C channels (PIX bits); every pixel that completes a window emits the whole
// KH*KW window in one beat, element order (kh, kw, c): pixel (kh, kw) at bits (kh*KW + kw)*PIX.
// Line buffer: a shift register of the last (KH-1)*DH*IW + (KW-1)*DW + 1 pixels (SRL-friendly).
module pcnn_swg_par #(
  parameter integer PIX = 8,
  parameter integer IH = 4, parameter integer IW = 4,
  parameter integer KH = 3, parameter integer KW = 3,
  parameter integer SH = 1, parameter integer SW = 1,
  parameter integer DH = 1, parameter integer DW = 1
) (
  input  wire                   ap_clk,
  input  wire                   ap_rst_n,
  input  wire [PIX-1:0]         in_tdata,
  input  wire                   in_tvalid,
  output wire                   in_tready,
  output wire [KH*KW*PIX-1:0]   out_tdata,
  output wire                   out_tvalid,
  input  wire                   out_tready
);
  localparam integer L = (KH-1)*DH*IW + (KW-1)*DW + 1;
  localparam integer SPH = (KH-1)*DH;
  localparam integer SPW = (KW-1)*DW;
  reg [PIX-1:0] sr [0:L-1];   // sr[0] = newest pixel
  localparam integer RB = $clog2(IH + SH + 1);
  localparam integer CB = $clog2(IW + SW + 1);
  localparam integer IH_M1 = IH - 1, IW_M1 = IW - 1;
  // position counters and the next window-completing row/column (incremental: += stride), so the
  // window test is two small equality compares (no subtract/modulo per cycle)
  reg [RB-1:0] r, rn;
  reg [CB-1:0] c, cn;
  reg [KH*KW*PIX-1:0] o;
  reg ov;
  wire en = !ov || out_tready;
  assign in_tready = en;
  assign out_tdata = o; assign out_tvalid = ov;
  wire fire = en && in_tvalid;
  wire [KH*KW*PIX-1:0] win;
  genvar kh, kw;
  generate
    for (kh = 0; kh < KH; kh = kh + 1) begin : g_kh
      for (kw = 0; kw < KW; kw = kw + 1) begin : g_kw
        localparam integer OFF = (KH-1-kh)*DH*IW + (KW-1-kw)*DW;
        if (OFF == 0) begin : g_new
          assign win[(kh*KW + kw)*PIX +: PIX] = in_tdata;
        end else begin : g_old
          assign win[(kh*KW + kw)*PIX +: PIX] = sr[OFF-1];
        end
      end
    end
  endgenerate
  wire hit_r = (r == rn), hit_c = (c == cn);
  wire wvalid = hit_r && hit_c;
  integer j;
  always @(posedge ap_clk) if (fire) begin
    sr[0] <= in_tdata;
    for (j = 1; j < L; j = j + 1) sr[j] <= sr[j-1];
  end
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      ov <= 1'b0;
      r <= {RB{1'b0}};
      c <= {CB{1'b0}};
      rn <= SPH[RB-1:0];
      cn <= SPW[CB-1:0];
    end else if (en) begin
      ov <= fire && wvalid;
      if (fire) begin
        o <= win;
        if (hit_c) cn <= cn + SW[CB-1:0];
        if (c == IW_M1[CB-1:0]) begin
          c <= {CB{1'b0}};
          cn <= SPW[CB-1:0];
          if (hit_r) rn <= rn + SH[RB-1:0];
          if (r == IH_M1[RB-1:0]) begin
            r <= {RB{1'b0}};
            rn <= SPH[RB-1:0];
          end else begin
            r <= r + 1'b1;
          end
        end else begin
          c <= c + 1'b1;
        end
      end
    end
  end
endmodule
