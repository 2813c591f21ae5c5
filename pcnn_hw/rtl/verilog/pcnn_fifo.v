`timescale 1 ns / 1 ps
// pcnn_fifo -- OURS (pcnn-hw), not FINN's. Synchronous AXI-Stream FIFO, DEPTH >= 2 entries.
// Registered status (in_tready/out_tvalid never depend combinationally on the other side), so a FIFO
// between two layers cuts every ready/valid combinational path. Asynchronous read: Yosys maps the
// storage to distributed RAM (LUTRAM) or, when tiny, to flip-flops.
module pcnn_fifo #(
  parameter integer WIDTH = 8,
  parameter integer DEPTH = 2
) (
  input  wire             ap_clk,
  input  wire             ap_rst_n,
  input  wire [WIDTH-1:0] in_tdata,
  input  wire             in_tvalid,
  output wire             in_tready,
  output wire [WIDTH-1:0] out_tdata,
  output wire             out_tvalid,
  input  wire             out_tready
);
  localparam integer AW = (DEPTH <= 2) ? 1 : $clog2(DEPTH);
  localparam integer D_M1 = DEPTH - 1;
  reg [WIDTH-1:0] mem [0:DEPTH-1];
  reg [AW-1:0] wp, rp;
  reg [AW:0]   cnt;
  wire wr = in_tvalid && in_tready;
  wire rd = out_tvalid && out_tready;
  assign in_tready  = (cnt != DEPTH[AW:0]);
  assign out_tvalid = (cnt != 0);
  assign out_tdata  = mem[rp];
  always @(posedge ap_clk) if (wr) mem[wp] <= in_tdata;
  always @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      wp <= {AW{1'b0}}; rp <= {AW{1'b0}}; cnt <= {(AW+1){1'b0}};
    end else begin
      if (wr) wp <= (wp == D_M1[AW-1:0]) ? {AW{1'b0}} : wp + 1'b1;
      if (rd) rp <= (rp == D_M1[AW-1:0]) ? {AW{1'b0}} : rp + 1'b1;
      if (wr && !rd) cnt <= cnt + 1'b1;
      else if (rd && !wr) cnt <= cnt - 1'b1;
    end
  end
endmodule
