# Zynq-7000 PS: board preset when the board files are installed (DDR and FIXED_IO external either way)
set ps [create_bd_cell -type ip -vlnv [latest_vlnv @PS_VLNV@] ps]
if {$use_board} {
    apply_bd_automation -rule xilinx.com:bd_rule:processing_system7 \
        -config {make_external "FIXED_IO, DDR" apply_board_preset "1" Master "Disable" Slave "Disable"} $ps
} else {
    make_bd_intf_pins_external [get_bd_intf_pins ps/DDR] [get_bd_intf_pins ps/FIXED_IO]
}
