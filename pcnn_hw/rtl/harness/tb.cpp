// pcnn-hw Verilator testbench (ours). Streams frames from in.bin into the stitched top, optional
// random backpressure on the output, optional source throttling, counts cycles, records per-stream
// handshake statistics, per-instance busy cycles, FIFO occupancy, an optional binned per-layer timeline
// (busy / output stalled / input starved cycles per bin) and, in the PCNN_VCD build, a VCD of the first
// cycles; stops with a DEADLOCK report when no stream moves for STALL_WINDOW cycles. All sizes come from
// tb_config.h (generated with the design, pcnn_hw/rtl/verilate.py); works for chains and DAGs alike.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <random>
#include "verilated.h"
#include "Vtop.h"
#include "tb_config.h"
#ifdef PCNN_VCD
#include "verilated_vcd_c.h"
#endif

template <class T> static void put(T& sig, const uint32_t* w) {
  uint64_t v = w[0];
  if (sizeof(T) > 4) v |= (uint64_t)w[1] << 32;
  sig = (T)v;
}
template <std::size_t N> static void put(VlWide<N>& sig, const uint32_t* w) {
  for (std::size_t i = 0; i < N; i++) sig[i] = w[i];
}
template <class T> static void get(const T& sig, uint32_t* w) {
  uint64_t v = (uint64_t)sig;
  w[0] = (uint32_t)v;
  if (sizeof(T) > 4) w[1] = (uint32_t)(v >> 32);
}
template <std::size_t N> static void get(const VlWide<N>& sig, uint32_t* w) {
  for (std::size_t i = 0; i < N; i++) w[i] = sig[i];
}
template <class T> static bool bit(const T& sig, int i) { return ((uint64_t)sig >> i) & 1; }
template <std::size_t N> static bool bit(const VlWide<N>& sig, int i) { return (sig[i / 32] >> (i % 32)) & 1; }

int main(int argc, char** argv) {
  // args: in.bin out.bin stats.txt n_frames backpressure seed max_cycles stall_window throttle
  //       [timeline_bin timeline.bin [frame.vcd vcd_max_cycles]]
  if (argc < 10) { fprintf(stderr, "usage: tb in.bin out.bin stats.txt frames bp seed maxcyc window throttle [bin tl.bin [vcd maxcyc]]\n"); return 2; }
  const char* in_path = argv[1]; const char* out_path = argv[2]; const char* st_path = argv[3];
  const long frames = atol(argv[4]); const double bp = atof(argv[5]); const unsigned seed = (unsigned)atol(argv[6]);
  const long max_cycles = atol(argv[7]); const long window = atol(argv[8]); const double throttle = atof(argv[9]);
  const long tl_bin = argc > 11 ? atol(argv[10]) : 0;
  const char* tl_path = argc > 11 ? argv[11] : nullptr;
  FILE* f = fopen(in_path, "rb");
  if (!f) { fprintf(stderr, "cannot open %s\n", in_path); return 2; }
  const long n_in = frames * IN_BEATS;
  std::vector<uint32_t> in(n_in * IN_WORDS + 2, 0);
  if ((long)fread(in.data(), 4, n_in * IN_WORDS, f) != n_in * IN_WORDS) { fprintf(stderr, "short input\n"); return 2; }
  fclose(f);
  const long n_out = frames * OUT_BEATS;
  std::vector<uint32_t> out(n_out * OUT_WORDS + 2, 0);
  std::vector<long> beats(NS, 0), stall(NS, 0), starve(NS, 0), busy(NINST, 0);
  std::vector<long> occ(NFIFO + 1, 0), occ_max(NFIFO + 1, 0);
  std::vector<long> frame_in0(frames, -1), frame_out(frames, -1);
  std::vector<uint32_t> tl;  // per bin, per timeline instance: busy, stall, starve cycles
  std::vector<uint8_t> v(NS), r(NS);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  VerilatedContext ctx;
#ifdef PCNN_VCD
  const char* vcd_path = argc > 13 ? argv[12] : nullptr;
  const long vcd_max = argc > 13 ? atol(argv[13]) : 0;
  if (vcd_path) ctx.traceEverOn(true);
#endif
  Vtop* top = new Vtop(&ctx);
#ifdef PCNN_VCD
  VerilatedVcdC* tfp = nullptr;
  if (vcd_path) { tfp = new VerilatedVcdC; top->trace(tfp, 99); tfp->open(vcd_path); }
#define DUMP(t) do { if (tfp && cyc < vcd_max) tfp->dump((uint64_t)(t)); } while (0)
#else
#define DUMP(t) do { } while (0)
#endif
  top->ap_clk = 0; top->ap_rst_n = 0; top->s_axis_tvalid = 0; top->m_axis_tready = 0;
  for (int i = 0; i < 4; i++) { top->ap_clk = 1; top->eval(); top->ap_clk = 0; top->eval(); }
  top->ap_rst_n = 1; top->eval();
  long ip = 0, op = 0, cyc = 0, last_move = 0;
  int status = 0;
  while (op < n_out) {
    if (cyc >= max_cycles) { status = 3; break; }
    bool offer = ip < n_in;
    if (offer && throttle > 0) {
      long fr = ip / IN_BEATS, k = ip % IN_BEATS;
      offer = cyc >= (long)(throttle * fr + throttle * k / IN_BEATS);
    }
    if (offer) put(top->s_axis_tdata, &in[ip * IN_WORDS]);
    top->s_axis_tvalid = offer;
    top->m_axis_tready = bp > 0 ? (uni(rng) >= bp) : 1;
    top->eval();
    DUMP(2 * cyc + 10);
    bool moved = false;
    for (int s = 0; s < NS; s++) {
      v[s] = bit(top->mon, 2 * s); r[s] = bit(top->mon, 2 * s + 1);
      if (v[s] && r[s]) { beats[s]++; moved = true; }
      else if (v[s]) stall[s]++;
      else if (r[s]) starve[s]++;
    }
    if (tl_bin > 0 && cyc % tl_bin == 0) tl.resize(tl.size() + 3 * NTL, 0);
    for (int i = 0, t = 0; i < NINST; i++) {
      bool b = false, st = false, sv = false;
      for (int k = INST_IN_OFF[i]; k < INST_IN_OFF[i + 1]; k++) {
        int s = INST_IN[k]; b |= v[s] && r[s]; sv |= r[s] && !v[s];
      }
      for (int k = INST_OUT_OFF[i]; k < INST_OUT_OFF[i + 1]; k++) {
        int s = INST_OUT[k]; b |= v[s] && r[s]; st |= v[s] && !r[s];
      }
      busy[i] += b;
      if (tl_bin > 0 && t < NTL && TL_INST[t] == i) {
        uint32_t* c = &tl[tl.size() - 3 * NTL + 3 * t];
        if (b) c[0]++; else if (st) c[1]++; else if (sv) c[2]++;
        t++;
      }
    }
    for (int q = 0; q < NFIFO; q++) {
      int a = FIFO_IN[q], b = FIFO_OUT[q];
      occ[q] += (v[a] && r[a]) - (v[b] && r[b]);
      if (occ[q] > occ_max[q]) occ_max[q] = occ[q];
    }
    if (offer && top->s_axis_tready) {
      long fr = ip / IN_BEATS;
      if (ip % IN_BEATS == 0) frame_in0[fr] = cyc;
      ip++;
    }
    if (top->m_axis_tvalid && top->m_axis_tready) {
      get(top->m_axis_tdata, &out[op * OUT_WORDS]);
      op++;
      if (op % OUT_BEATS == 0) frame_out[op / OUT_BEATS - 1] = cyc;
    }
    if (moved) last_move = cyc;
    else if (cyc - last_move > window) { status = 4; break; }
    top->ap_clk = 1; top->eval();
    DUMP(2 * cyc + 11);
    top->ap_clk = 0; top->eval();
    cyc++;
  }
  FILE* o = fopen(out_path, "wb");
  fwrite(out.data(), 4, op * OUT_WORDS, o);
  fclose(o);
  FILE* st = fopen(st_path, "w");
  fprintf(st, "status %d\ncycles %ld\nin_beats %ld\nout_beats %ld\n", status, cyc, ip, op);
  for (long i = 0; i < frames; i++) fprintf(st, "frame %ld %ld %ld\n", i, frame_in0[i], frame_out[i]);
  for (int s = 0; s < NS; s++)
    fprintf(st, "stream %d %ld %ld %ld %d %d\n", s, beats[s], stall[s], starve[s], (int)v[s], (int)r[s]);
  for (int i = 0; i < NINST; i++) fprintf(st, "inst %d %ld\n", i, busy[i]);
  for (int q = 0; q < NFIFO; q++) fprintf(st, "fifo %d %ld %ld\n", q, occ_max[q], occ[q]);
  fclose(st);
  if (tl_path) {
    FILE* t = fopen(tl_path, "wb");
    fwrite(tl.data(), 4, tl.size(), t);
    fclose(t);
  }
#ifdef PCNN_VCD
  if (tfp) { tfp->close(); delete tfp; }
#endif
  top->final();
  delete top;
  return 0;
}
