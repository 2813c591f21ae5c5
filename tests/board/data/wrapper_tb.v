// Testbench of the generated pcnn_accel_wrapper around a pass-through top (tests/board/test_rtl_board.py):
// AXI-Lite magic/batch registers, TLAST every BATCH output words under output backpressure, data intact,
// soft reset (0x04) clearing the TLAST counter of an unfinished packet.
`timescale 1ns / 1ps
module tb;
    localparam IW = 8, OW = 8, N = 12, BATCH = 3;
    reg clk = 0;
    always #5 clk = ~clk;
    reg rst_n = 0;
    reg [5:0] awaddr = 0; reg awvalid = 0; wire awready;
    reg [31:0] wdata = 0; reg wvalid = 0; wire wready;
    wire [1:0] bresp; wire bvalid;
    reg [5:0] araddr = 0; reg arvalid = 0; wire arready;
    wire [31:0] rdata; wire [1:0] rresp; wire rvalid;
    reg started = 0; integer sent = 0; integer limit = N; integer base = 0;
    wire [IW-1:0] s_tdata = sent[IW-1:0] + 1; wire s_tvalid = started && sent < limit; wire s_tready;
    always @(posedge clk) if (s_tvalid && s_tready) sent <= sent + 1;
    initial begin #200000 $display("FAIL timeout"); $finish; end
    wire [OW-1:0] m_tdata; wire m_tvalid; wire m_tlast;
    reg m_tready = 1;
    integer cyc = 0;
    always @(posedge clk) begin cyc <= cyc + 1; m_tready <= (cyc % 3) != 1; end
    pcnn_accel_wrapper dut (
        .ap_clk(clk), .ap_rst_n(rst_n),
        .s_axi_control_awaddr(awaddr), .s_axi_control_awvalid(awvalid), .s_axi_control_awready(awready),
        .s_axi_control_wdata(wdata), .s_axi_control_wstrb(4'hf), .s_axi_control_wvalid(wvalid),
        .s_axi_control_wready(wready), .s_axi_control_bresp(bresp), .s_axi_control_bvalid(bvalid),
        .s_axi_control_bready(1'b1), .s_axi_control_araddr(araddr), .s_axi_control_arvalid(arvalid),
        .s_axi_control_arready(arready), .s_axi_control_rdata(rdata), .s_axi_control_rresp(rresp),
        .s_axi_control_rvalid(rvalid), .s_axi_control_rready(1'b1),
        .s_axis_tdata(s_tdata), .s_axis_tvalid(s_tvalid), .s_axis_tready(s_tready),
        .m_axis_tdata(m_tdata), .m_axis_tvalid(m_tvalid), .m_axis_tready(m_tready), .m_axis_tlast(m_tlast));
    integer n_out = 0, errors = 0, last_seen = -1;
    always @(posedge clk) if (rst_n && m_tvalid && m_tready) begin
        if (m_tlast !== (((n_out - base) % BATCH) == BATCH - 1)) begin
            $display("FAIL tlast at word %0d: %0d", n_out, m_tlast); errors = errors + 1;
        end
        if (m_tdata !== n_out[7:0] + 8'd1) begin
            $display("FAIL data at word %0d: %0d", n_out, m_tdata); errors = errors + 1;
        end
        if (m_tlast) last_seen = n_out;
        n_out <= n_out + 1;
    end
    task axil_write(input [5:0] a, input [31:0] d);
        begin
            @(negedge clk); awaddr = a; awvalid = 1; wdata = d; wvalid = 1;
            @(posedge clk); #1; awvalid = 0; wvalid = 0;
            while (!bvalid) @(posedge clk);
            @(posedge clk);
        end
    endtask
    task axil_read(input [5:0] a, output [31:0] d);
        begin
            @(negedge clk); araddr = a; arvalid = 1;
            @(posedge clk); #1; arvalid = 0;
            while (!rvalid) begin @(posedge clk); #1; end
            d = rdata;
            @(posedge clk);
        end
    endtask
    reg [31:0] r;
    initial begin
        repeat (4) @(posedge clk);
        rst_n = 1;
        axil_read(6'h00, r); if (r !== 32'h50434E4E) begin $display("FAIL magic %h", r); errors = errors + 1; end
        axil_write(6'h10, BATCH);
        axil_read(6'h10, r); if (r !== BATCH) begin $display("FAIL batch %0d", r); errors = errors + 1; end
        @(negedge clk); started = 1;
        while (sent < N) @(posedge clk);
        repeat (20) @(posedge clk);
        if (n_out !== N) begin $display("FAIL %0d outputs", n_out); errors = errors + 1; end
        // a packet left unfinished (2 of BATCH words), then the soft reset (control register 0x04):
        // busy reads 1, then 0; the next packet's TLAST falls on its own BATCH-th word again
        limit = N + 2;
        while (sent < limit) @(posedge clk);
        repeat (10) @(posedge clk);
        axil_write(6'h04, 32'd1);
        axil_read(6'h04, r); if (r !== 32'd1) begin $display("FAIL reset busy %0d", r); errors = errors + 1; end
        repeat (40) @(posedge clk);
        axil_read(6'h04, r); if (r !== 32'd0) begin $display("FAIL reset stuck %0d", r); errors = errors + 1; end
        base = n_out;
        limit = N + 2 + BATCH;
        while (sent < limit) @(posedge clk);
        repeat (20) @(posedge clk);
        if (n_out !== N + 2 + BATCH) begin $display("FAIL %0d outputs after reset", n_out); errors = errors + 1; end
        if (last_seen !== n_out - 1) begin $display("FAIL no TLAST at word %0d", n_out - 1); errors = errors + 1; end
        if (errors == 0) $display("PASS"); else $display("FAILED %0d", errors);
        $finish;
    end
endmodule
