`timescale 1 ns / 1 ps
// pcnn_duplicate -- OURS (pcnn-hw), FINN's DuplicateStreams with NumOutputStreams = 2: every input beat
// appears once on out0 and once on out1, in order. Handshake: one shared data register and one valid
// bit per branch. An input beat is taken when both branches are free after this cycle,
//   in_tready = (!out0_tvalid | out0_tready) & (!out1_tvalid | out1_tready),
// and raises both valid bits; each branch drops its own bit when its consumer takes the beat. So one
// branch may take the beat while the other stalls (for any time), and the next beat waits for the
// slower branch: no beat is lost or repeated. One beat per cycle when both outputs are ready.
// Outputs are registered; in_tready depends combinationally only on the two out*_tready (no valid
// depends on a ready, so no combinational loop through a fork/join).
// Parameters: WIDTH (tdata bits = PE * element bits).
module pcnn_duplicate #(
  parameter integer WIDTH = 8
) (
  input  wire             ap_clk,
  input  wire             ap_rst_n,
  input  wire [WIDTH-1:0] in_tdata,
  input  wire             in_tvalid,
  output wire             in_tready,
  output wire [WIDTH-1:0] out0_tdata,
  output wire             out0_tvalid,
  input  wire             out0_tready,
  output wire [WIDTH-1:0] out1_tdata,
  output wire             out1_tvalid,
  input  wire             out1_tready
);
  reg [WIDTH-1:0] d;
  reg v0, v1;
  wire free0 = !v0 || out0_tready;
  wire free1 = !v1 || out1_tready;
  wire take = in_tvalid && free0 && free1;
  assign in_tready = free0 && free1;
  assign out0_tdata = d;
  assign out1_tdata = d;
  assign out0_tvalid = v0;
  assign out1_tvalid = v1;
  always @(posedge ap_clk) if (take) d <= in_tdata;
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      v0 <= 1'b0; v1 <= 1'b0;
    end else if (take) begin
      v0 <= 1'b1; v1 <= 1'b1;
    end else begin
      if (out0_tready) v0 <= 1'b0;
      if (out1_tready) v1 <= 1'b0;
    end
  end
endmodule
