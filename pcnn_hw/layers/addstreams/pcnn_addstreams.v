`timescale 1 ns / 1 ps
// pcnn_addstreams -- OURS (pcnn-hw), FINN+'s ElementwiseAdd of two streams (FINN's AddStreams):
// out[p] = in0[p] + in1[p] for each of the PE elements of a beat, both operands extended to OUT_BITS
// by their own signedness (INk_SIGNED: two's complement, else zero-extended), exact because OUT_BITS
// holds every sum (checked by pcnn_hw/layers/addstreams/rtl.py; OUT_BITS > IN0_BITS, IN1_BITS).
// A beat is consumed from both inputs in the same cycle; one output beat per cycle when both inputs are
// valid and the output is ready. Registered output; in0_tready = in1_tvalid & (!out_tvalid | out_tready)
// and symmetrically (ready may depend on the other input's valid, valid never on a ready).
// Parameters: PE, IN0_BITS, IN0_SIGNED, IN1_BITS, IN1_SIGNED, OUT_BITS (output is two's complement when
// either input is signed; the bit pattern is the same either way).
module pcnn_addstreams #(
  parameter integer PE = 1,
  parameter integer IN0_BITS = 2,
  parameter integer IN0_SIGNED = 0,
  parameter integer IN1_BITS = 2,
  parameter integer IN1_SIGNED = 0,
  parameter integer OUT_BITS = 3
) (
  input  wire                   ap_clk,
  input  wire                   ap_rst_n,
  input  wire [PE*IN0_BITS-1:0] in0_tdata,
  input  wire                   in0_tvalid,
  output wire                   in0_tready,
  input  wire [PE*IN1_BITS-1:0] in1_tdata,
  input  wire                   in1_tvalid,
  output wire                   in1_tready,
  output wire [PE*OUT_BITS-1:0] out_tdata,
  output wire                   out_tvalid,
  input  wire                   out_tready
);
  localparam integer E0 = OUT_BITS - IN0_BITS;  // >= 1
  localparam integer E1 = OUT_BITS - IN1_BITS;  // >= 1
  reg [PE*OUT_BITS-1:0] o;
  reg ov;
  wire en = !ov || out_tready;
  wire take = en && in0_tvalid && in1_tvalid;
  assign in0_tready = en && in1_tvalid;
  assign in1_tready = en && in0_tvalid;
  assign out_tdata = o;
  assign out_tvalid = ov;
  wire [PE*OUT_BITS-1:0] sum;
  genvar p;
  generate
    for (p = 0; p < PE; p = p + 1) begin : g_pe
      wire [IN0_BITS-1:0] a = in0_tdata[p*IN0_BITS +: IN0_BITS];
      wire [IN1_BITS-1:0] b = in1_tdata[p*IN1_BITS +: IN1_BITS];
      wire sa = (IN0_SIGNED != 0) && a[IN0_BITS-1];
      wire sb = (IN1_SIGNED != 0) && b[IN1_BITS-1];
      wire [OUT_BITS-1:0] ae = {{E0{sa}}, a};
      wire [OUT_BITS-1:0] be = {{E1{sb}}, b};
      assign sum[p*OUT_BITS +: OUT_BITS] = ae + be;
    end
  endgenerate
  always @(posedge ap_clk) if (take) o <= sum;
  always @(posedge ap_clk) begin
    if (!ap_rst_n) ov <= 1'b0;
    else if (en) ov <= take;
  end
endmodule
