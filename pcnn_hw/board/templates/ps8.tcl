# Zynq UltraScale+ PS with the board preset (the script stopped above when the board files are missing)
set ps [create_bd_cell -type ip -vlnv [latest_vlnv @PS_VLNV@] ps]
apply_bd_automation -rule xilinx.com:bd_rule:zynq_ultra_ps_e -config {apply_board_preset "1"} $ps
