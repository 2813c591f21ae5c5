`timescale 1 ns / 1 ps
// pcnn_labelselect -- OURS (pcnn-hw); FINN's LabelSelect exists only as HLS. Top-1 label select:
// LABELS signed scores arrive PE per beat; after the last beat the index of the largest score is
// emitted (ties go to the lower index, as pcnn_hw.layers.labelselect). K = 1 only.
module pcnn_labelselect #(
  parameter integer PE = 1,
  parameter integer LABELS = 10,
  parameter integer IN_BITS = 8,
  parameter integer OUT_BITS = 8
) (
  input  wire                  ap_clk,
  input  wire                  ap_rst_n,
  input  wire [PE*IN_BITS-1:0] in_tdata,
  input  wire                  in_tvalid,
  output wire                  in_tready,
  output wire [OUT_BITS-1:0]   out_tdata,
  output wire                  out_tvalid,
  input  wire                  out_tready
);
  localparam integer NB = LABELS / PE;
  localparam integer BB = (NB <= 1) ? 1 : $clog2(NB);
  localparam integer NB_M1 = NB - 1;
  localparam integer PE_W = PE;  // index step per beat
  reg [OUT_BITS-1:0] o;
  reg ov;
  reg [BB-1:0] beat;
  reg [OUT_BITS-1:0] base;  // beat * PE, kept as a running sum (no multiplier)
  reg signed [IN_BITS-1:0] best;
  reg [OUT_BITS-1:0] besti;
  wire en = !ov || out_tready;
  assign in_tready = en;
  assign out_tdata = o;
  assign out_tvalid = ov;
  // running maximum over this beat's lanes, starting from the stored best (strict > keeps lower index)
  reg signed [IN_BITS-1:0] m;
  reg [OUT_BITS-1:0] mi;
  integer i;
  always @* begin
    m = best;
    mi = besti;
    for (i = 0; i < PE; i = i + 1) begin
      if ((beat == {BB{1'b0}} && i == 0) || $signed(in_tdata[i*IN_BITS +: IN_BITS]) > m) begin
        m = in_tdata[i*IN_BITS +: IN_BITS];
        mi = base + i[OUT_BITS-1:0];
      end
    end
  end
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      ov <= 1'b0;
      beat <= {BB{1'b0}};
      base <= {OUT_BITS{1'b0}};
    end else if (en) begin
      ov <= 1'b0;
      if (in_tvalid) begin
        best <= m;
        besti <= mi;
        if (beat == NB_M1[BB-1:0]) begin
          beat <= {BB{1'b0}};
          base <= {OUT_BITS{1'b0}};
          ov <= 1'b1;
          o <= mi;
        end else begin
          beat <= beat + 1'b1;
          base <= base + PE_W[OUT_BITS-1:0];
        end
      end
    end
  end
endmodule
