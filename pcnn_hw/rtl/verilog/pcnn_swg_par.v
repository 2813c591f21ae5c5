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
  reg [31:0] r, c;
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
  wire wvalid = (r >= SPH) && (c >= SPW) && ((r - SPH) % SH == 0) && ((c - SPW) % SW == 0);
  integer j;
  always @(posedge ap_clk) if (fire) begin
    sr[0] <= in_tdata;
    for (j = 1; j < L; j = j + 1) sr[j] <= sr[j-1];
  end
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      ov <= 1'b0; r <= 0; c <= 0;
    end else if (en) begin
      ov <= fire && wvalid;
      if (fire) begin
        o <= win;
        if (c == IW - 1) begin
          c <= 0;
          r <= (r == IH - 1) ? 0 : r + 1;
        end else begin
          c <= c + 1;
        end
      end
    end
  end
endmodule
