`timescale 1 ns / 1 ps
// pcnn_globalpool -- OURS (pcnn-hw), FINN's GlobalAccPool: per frame of PIX pixels x FOLDS beats (PE
// channels each, NHWC), out[c] = sum over the pixels of in[c], one output beat of PE sums per channel
// group. The running sums live in a FOLDS-entry memory (LUTRAM; registers when FOLDS = 1) read at the
// current fold and rewritten with the new sum (the first pixel adds to 0, so no clearing pass); the
// sums of group f leave with the last pixel's beat f, so a frame takes PIX*FOLDS cycles (FINN's HLS
// writes the sums after the frame: estimate PIX*FOLDS + FOLDS). Input beats of the other pixels are
// accepted while an output beat waits. Registered output; in_tready = !last_pixel | !out_tvalid |
// out_tready. Inputs are extended by IN_SIGNED (two's complement) or zero-extended (1-bit data: bits).
// Parameters: PE, IN_BITS, IN_SIGNED, FOLDS (= NumChannels/PE), PIX (pixels per frame), OUT_BITS
// (>= IN_BITS, holds PIX * every input value; two's complement when IN_SIGNED).
module pcnn_globalpool #(
  parameter integer PE = 1,
  parameter integer IN_BITS = 1,
  parameter integer IN_SIGNED = 0,
  parameter integer FOLDS = 1,
  parameter integer PIX = 4,
  parameter integer OUT_BITS = 3
) (
  input  wire                   ap_clk,
  input  wire                   ap_rst_n,
  input  wire [PE*IN_BITS-1:0]  in_tdata,
  input  wire                   in_tvalid,
  output wire                   in_tready,
  output wire [PE*OUT_BITS-1:0] out_tdata,
  output wire                   out_tvalid,
  input  wire                   out_tready
);
  localparam integer W = PE * OUT_BITS;
  localparam integer E = OUT_BITS - IN_BITS;
  localparam integer FB = (FOLDS < 2) ? 1 : $clog2(FOLDS);
  localparam integer XB = (PIX < 2) ? 1 : $clog2(PIX);
  localparam integer F_M1 = FOLDS - 1;
  localparam integer P_M1 = PIX - 1;
  localparam [0:0] LAST0 = (PIX == 1) ? 1'b1 : 1'b0;

  reg [W-1:0] o;
  reg ov;
  reg [FB-1:0] f;
  reg [XB-1:0] px;
  reg first, last;  // current pixel is the frame's first / last
  wire en = !ov || out_tready;
  assign in_tready = !last || en;
  wire take = in_tvalid && (!last || en);
  assign out_tdata = o;
  assign out_tvalid = ov;

  wire [W-1:0] head;  // running sums of channel group f
  wire [W-1:0] sum;
  genvar p;
  generate
    if (FOLDS == 1) begin : g_reg
      reg [W-1:0] acc;
      assign head = acc;
      always @(posedge ap_clk) if (take) acc <= sum;
    end else begin : g_mem
      reg [W-1:0] acc [0:FOLDS-1];
      assign head = acc[f];
      always @(posedge ap_clk) if (take) acc[f] <= sum;
    end
    for (p = 0; p < PE; p = p + 1) begin : g_pe
      wire [IN_BITS-1:0] x = in_tdata[p*IN_BITS +: IN_BITS];
      wire [OUT_BITS-1:0] xe;
      if (E > 0) begin : g_ext
        wire s = (IN_SIGNED != 0) && x[IN_BITS-1];
        assign xe = {{E{s}}, x};
      end else begin : g_same
        assign xe = x;
      end
      wire [OUT_BITS-1:0] h = first ? {OUT_BITS{1'b0}} : head[p*OUT_BITS +: OUT_BITS];
      assign sum[p*OUT_BITS +: OUT_BITS] = h + xe;
    end
  endgenerate

  wire last_f = (f == F_M1[FB-1:0]);
  wire [XB-1:0] px_nx = last ? {XB{1'b0}} : px + 1'b1;
  always @(posedge ap_clk) if (take && last) o <= sum;
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      ov <= 1'b0; f <= {FB{1'b0}}; px <= {XB{1'b0}}; first <= 1'b1; last <= LAST0;
    end else begin
      if (out_tready) ov <= 1'b0;
      if (take) begin
        if (last) ov <= 1'b1;
        if (last_f) begin
          f <= {FB{1'b0}}; px <= px_nx; first <= last; last <= (px_nx == P_M1[XB-1:0]);
        end else begin
          f <= f + 1'b1;
        end
      end
    end
  end
endmodule
