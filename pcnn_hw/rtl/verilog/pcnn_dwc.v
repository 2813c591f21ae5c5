`timescale 1 ns / 1 ps
// pcnn_dwc -- OURS (pcnn-hw), not FINN's. AXI-Stream data-width converter for an integer ratio:
// OW = k * IW (gather k input beats, first beat in the lowest bits) or IW = k * OW (split one input
// beat into k output beats, lowest bits first). Other ratios are built by the stitcher as an
// up-converter to lcm(IW, OW) followed by a down-converter. Values are never changed.
module pcnn_dwc #(
  parameter integer IW = 8,
  parameter integer OW = 8
) (
  input  wire          ap_clk,
  input  wire          ap_rst_n,
  input  wire [IW-1:0] in_tdata,
  input  wire          in_tvalid,
  output wire          in_tready,
  output wire [OW-1:0] out_tdata,
  output wire          out_tvalid,
  input  wire          out_tready
);
  generate
    if (OW == IW) begin : g_pass
      assign out_tdata = in_tdata; assign out_tvalid = in_tvalid; assign in_tready = out_tready;
    end else if (OW > IW) begin : g_up
      localparam integer K = OW / IW;
      localparam integer CW = $clog2(K + 1);
      localparam integer K_M2 = K - 2;
      reg [OW-IW-1:0] sr;
      reg [OW-1:0] o;
      reg ov;
      reg [CW-1:0] c;
      reg last;  // c == K-1, registered: in_tready is one LUT of registers and out_tready
      wire [CW-1:0] c_inc = c + 1'b1;
      assign in_tready = !last || !ov || out_tready;
      assign out_tdata = o; assign out_tvalid = ov;
      always @(posedge ap_clk) begin
        if (!ap_rst_n) begin
          ov <= 1'b0; c <= {CW{1'b0}}; last <= (K == 1);
        end else begin
          if (ov && out_tready) ov <= 1'b0;
          if (in_tvalid && in_tready) begin
            if (last) begin
              o <= {in_tdata, sr}; ov <= 1'b1; c <= {CW{1'b0}}; last <= 1'b0;
            end else begin
              c <= c_inc; last <= (c == K_M2[CW-1:0]);
            end
          end
        end
      end
      if (K == 2) begin : g_k2
        always @(posedge ap_clk) if (in_tvalid && in_tready && !last) sr <= in_tdata;
      end else begin : g_kn
        always @(posedge ap_clk) if (in_tvalid && in_tready && !last) sr <= {in_tdata, sr[OW-IW-1:IW]};
      end
    end else begin : g_down
      localparam integer K = IW / OW;
      localparam integer CW = $clog2(K + 1);
      localparam integer K_M2 = K - 2;
      reg [IW-1:0] h;
      reg hv;
      reg [CW-1:0] c;
      reg last;  // c == K-1, registered
      wire [CW-1:0] c_inc = c + 1'b1;
      assign out_tdata = h[OW-1:0]; assign out_tvalid = hv;
      assign in_tready = !hv || (last && out_tready);
      always @(posedge ap_clk) begin
        if (!ap_rst_n) begin
          hv <= 1'b0; c <= {CW{1'b0}}; last <= 1'b0;
        end else if (in_tvalid && in_tready) begin
          h <= in_tdata; hv <= 1'b1; c <= {CW{1'b0}}; last <= 1'b0;
        end else if (hv && out_tready) begin
          h <= h >> OW; c <= c_inc; last <= (c == K_M2[CW-1:0]);
          if (last) hv <= 1'b0;
        end
      end
    end
  endgenerate
endmodule
