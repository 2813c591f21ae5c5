// pcnn_thresholding -- OURS (pcnn-hw); FINN's thresholding RTL (finn-rtllib) is SystemVerilog that
// Yosys cannot read. Standalone multi-threshold unit: PE channels per beat, channel fold nf = beat
// count mod C/PE; y = #{i : x >= T[c][i]} + ACT_VAL (a 1-bit output is the single comparison).
// Thresholds: memory of C/PE words, each PE*N_STEPS signed CW-bit values, (p, i) at bits
// (p*N_STEPS + i)*CW, loaded with $readmemh from T_FILE (generated from the layer's memory image).
module pcnn_thresholding #(
  parameter integer PE = 1,
  parameter integer C = 1,
  parameter integer IN_BITS = 8,
  parameter integer IN_SIGNED = 0,
  parameter integer CW = 10,
  parameter integer N_STEPS = 1,
  parameter integer OUT_BITS = 1,
  parameter integer ACT_VAL = 0,
  parameter T_FILE = "thresholds.memh"
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
  localparam integer TMEM = C / PE;
  localparam integer NB = (TMEM <= 1) ? 1 : $clog2(TMEM);
  reg [PE*N_STEPS*CW-1:0] tmem [0:TMEM-1];
  initial $readmemh(T_FILE, tmem);
  reg [NB-1:0] nf;
  reg [PE*OUT_BITS-1:0] o;
  reg ov;
  wire en = !ov || out_tready;
  assign in_tready = en;
  assign out_tdata = o; assign out_tvalid = ov;
  wire [PE*N_STEPS*CW-1:0] t = tmem[nf];
  wire [PE*OUT_BITS-1:0] y;
  genvar p;
  generate
    for (p = 0; p < PE; p = p + 1) begin : g_pe
      wire [IN_BITS-1:0] xr = in_tdata[p*IN_BITS +: IN_BITS];
      wire signed [CW-1:0] x = IN_SIGNED ? {{(CW-IN_BITS){xr[IN_BITS-1]}}, xr} : {{(CW-IN_BITS){1'b0}}, xr};
      reg [OUT_BITS+16:0] cnt;
      integer i;
      always @* begin
        cnt = 0;
        for (i = 0; i < N_STEPS; i = i + 1)
          cnt = cnt + (x >= $signed(t[(p*N_STEPS + i)*CW +: CW]));
      end
      assign y[p*OUT_BITS +: OUT_BITS] = cnt + ACT_VAL;
    end
  endgenerate
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      ov <= 1'b0; nf <= 0;
    end else if (en) begin
      ov <= 1'b0;
      if (in_tvalid) begin
        o <= y; ov <= 1'b1;
        nf <= (nf == TMEM - 1) ? 0 : nf + 1'b1;
      end
    end
  end
endmodule
