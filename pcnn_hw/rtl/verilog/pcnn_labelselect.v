`timescale 1 ns / 1 ps
// pcnn_labelselect -- OURS (pcnn-hw); FINN's LabelSelect exists only as HLS. Top-1 label select:
// LABELS signed scores arrive PE per beat; after the last beat the index of the largest score is
// emitted (ties go to the lower index, as pcnn_hw.layers.labelselect). K = 1 only.
//
// Pipelined (#10): a beat's PE lanes are reduced by a tournament tree of L = clog2(PE) levels with a
// register after every level (one signed compare + a 2:1 mux per stage; the right entry wins only when
// it is valid and strictly larger, so ties keep the lower index), then the beat's winner is compared
// with the running best. Every score carries its full label index from the input stage (beat base +
// lane, the base a running sum: no multiplier). One beat per cycle; latency L + 1 cycles from the
// frame's last beat to out_tvalid. All stages advance together on en = !out_tvalid | out_tready, so a
// stalled output holds the whole pipeline (in_tready = en).
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
  localparam integer L = (PE <= 1) ? 0 : $clog2(PE);  // tree levels
  localparam integer P2 = 1 << L;                      // lanes padded to a power of two
  localparam integer E = IN_BITS + OUT_BITS + 1;       // tree entry: {present, index, score}

  reg [OUT_BITS-1:0] o;
  reg ov;
  wire en = !ov || out_tready;
  assign in_tready = en;
  assign out_tdata = o;
  assign out_tvalid = ov;

  // input stage: beat base (running sum of PE) and the level-0 entries
  reg [BB-1:0] ibeat;
  reg [OUT_BITS-1:0] ibase;
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      ibeat <= {BB{1'b0}};
      ibase <= {OUT_BITS{1'b0}};
    end else if (en && in_tvalid) begin
      if (ibeat == NB_M1[BB-1:0]) begin
        ibeat <= {BB{1'b0}};
        ibase <= {OUT_BITS{1'b0}};
      end else begin
        ibeat <= ibeat + 1'b1;
        ibase <= ibase + PE[OUT_BITS-1:0];
      end
    end
  end

  // tree: level k holds P2 >> k entries (level 0 = the input beat, combinational), stage valid vld[k]
  wire [E*P2-1:0] lvl [0:L];
  wire [L:0] vld;
  assign vld[0] = in_tvalid;
  genvar i, k;
  generate
    for (i = 0; i < P2; i = i + 1) begin : g_in
      if (i < PE) begin : g_lane
        localparam [OUT_BITS-1:0] LANE = i;
        wire [OUT_BITS-1:0] idx = ibase + LANE;
        assign lvl[0][i*E +: E] = {1'b1, idx, in_tdata[i*IN_BITS +: IN_BITS]};
      end else begin : g_pad
        assign lvl[0][i*E +: E] = {E{1'b0}};
      end
    end
    for (k = 0; k < L; k = k + 1) begin : g_lvl
      localparam integer N = P2 >> (k + 1);
      reg [E*N-1:0] r;
      reg v;
      always @(posedge ap_clk) begin
        if (!ap_rst_n) v <= 1'b0;
        else if (en) v <= vld[k];
      end
      assign vld[k+1] = v;
      for (i = 0; i < N; i = i + 1) begin : g_node
        wire [E-1:0] a = lvl[k][(2*i)*E +: E];
        wire [E-1:0] b = lvl[k][(2*i+1)*E +: E];
        wire b_wins = b[E-1] && ($signed(b[IN_BITS-1:0]) > $signed(a[IN_BITS-1:0]));
        always @(posedge ap_clk) if (en) r[i*E +: E] <= b_wins ? b : a;
      end
      assign lvl[k+1][E*N-1:0] = r;
      if (N < P2) begin : g_zero
        assign lvl[k+1][E*P2-1:E*N] = {(E*(P2-N)){1'b0}};
      end
    end
  endgenerate

  // final stage: the beat's winner against the running best
  wire [E-2:0] w = lvl[L][E-2:0];  // the winner's {index, score} (its present bit is always 1)
  wire signed [IN_BITS-1:0] ws = w[IN_BITS-1:0];
  wire [OUT_BITS-1:0] wi = w[IN_BITS +: OUT_BITS];
  reg [BB-1:0] beat;
  reg signed [IN_BITS-1:0] best;
  reg [OUT_BITS-1:0] besti;
  wire first = (beat == {BB{1'b0}});
  wire take_w = first || (ws > best);
  wire signed [IN_BITS-1:0] m = take_w ? ws : best;
  wire [OUT_BITS-1:0] mi = take_w ? wi : besti;
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      ov <= 1'b0;
      beat <= {BB{1'b0}};
    end else if (en) begin
      ov <= 1'b0;
      if (vld[L]) begin
        best <= m;
        besti <= mi;
        if (beat == NB_M1[BB-1:0]) begin
          beat <= {BB{1'b0}};
          ov <= 1'b1;
          o <= mi;
        end else begin
          beat <= beat + 1'b1;
        end
      end
    end
  end
endmodule
