`timescale 1 ns / 1 ps
// pcnn_fmpadding -- OURS (pcnn-hw), FINN+'s FMPadding (static padding) in plain Verilog-2005.
// In: an IH x IW image, CF = NumChannels/SIMD beats per pixel, SIMD elements of BITS bits per beat
// (NHWC, channels fastest). Out: the (PT+IH+PB) x (PL+IW+PR) image; every element outside the input
// image is 0 (for 1-bit streams the bit 0, i.e. bipolar -1). One output beat per cycle when the output
// is ready and, inside the image, an input beat is valid: CF*OH*OW cycles per frame (FINN's estimate).
// Registered output (out_tvalid/out_tdata); in_tready = inside & (!out_tvalid | out_tready).
// Parameters: SIMD, BITS (element bits), CF (beats per pixel), IH, IW (input image), PT, PL, PB, PR
// (padding top, left, bottom, right = FINN's Padding attribute [top, left, bottom, right]).
module pcnn_fmpadding #(
  parameter integer SIMD = 1,
  parameter integer BITS = 1,
  parameter integer CF = 1,
  parameter integer IH = 4,
  parameter integer IW = 4,
  parameter integer PT = 1,
  parameter integer PL = 1,
  parameter integer PB = 1,
  parameter integer PR = 1
) (
  input  wire                 ap_clk,
  input  wire                 ap_rst_n,
  input  wire [SIMD*BITS-1:0] in_tdata,
  input  wire                 in_tvalid,
  output wire                 in_tready,
  output wire [SIMD*BITS-1:0] out_tdata,
  output wire                 out_tvalid,
  input  wire                 out_tready
);
  localparam integer W = SIMD * BITS;
  localparam integer OH = IH + PT + PB;
  localparam integer OW = IW + PL + PR;
  localparam integer FB = (CF < 2) ? 1 : $clog2(CF);
  localparam integer RB = $clog2(OH + 1);
  localparam integer CB = $clog2(OW + 1);
  localparam integer CF_M1 = CF - 1;
  localparam integer OH_M1 = OH - 1;
  localparam integer OW_M1 = OW - 1;
  localparam integer R_END = PT + IH;
  localparam integer C_END = PL + IW;
  localparam [0:0] R_IN0 = (PT == 0) ? 1'b1 : 1'b0;  // row 0 is an image row
  localparam [0:0] C_IN0 = (PL == 0) ? 1'b1 : 1'b0;  // column 0 is an image column

  reg [W-1:0] o;
  reg ov;
  reg [FB-1:0] f;
  reg [RB-1:0] r;
  reg [CB-1:0] c;
  reg rin, cin;  // current row / column lies inside the input image (kept incrementally)
  wire inside = rin && cin;
  wire en = !ov || out_tready;
  wire take = en && (!inside || in_tvalid);
  assign in_tready = en && inside;
  assign out_tdata = o;
  assign out_tvalid = ov;

  wire last_f = (f == CF_M1[FB-1:0]);
  wire last_c = (c == OW_M1[CB-1:0]);
  wire last_r = (r == OH_M1[RB-1:0]);
  wire [CB-1:0] c_nx = last_c ? {CB{1'b0}} : c + 1'b1;
  wire [RB-1:0] r_nx = last_r ? {RB{1'b0}} : r + 1'b1;
  wire cin_nx = last_c ? C_IN0 : (c_nx == PL[CB-1:0]) ? 1'b1 : (c_nx == C_END[CB-1:0]) ? 1'b0 : cin;
  wire rin_nx = last_r ? R_IN0 : (r_nx == PT[RB-1:0]) ? 1'b1 : (r_nx == R_END[RB-1:0]) ? 1'b0 : rin;

  always @(posedge ap_clk) if (take) o <= inside ? in_tdata : {W{1'b0}};
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      ov <= 1'b0; f <= {FB{1'b0}}; r <= {RB{1'b0}}; c <= {CB{1'b0}}; rin <= R_IN0; cin <= C_IN0;
    end else if (en) begin
      ov <= take;
      if (take) begin
        if (last_f) begin
          f <= {FB{1'b0}}; c <= c_nx; cin <= cin_nx;
          if (last_c) begin
            r <= r_nx; rin <= rin_nx;
          end
        end else begin
          f <= f + 1'b1;
        end
      end
    end
  end
endmodule
