// Test bench of one stream module (tests/rtl/test_kinds.py): drives NIN input streams from files with
// random gaps, takes NOUT output streams with random backpressure per output and an optional window
// of cycles in which output k is never ready; checks the AXI-Stream rule that a valid output beat stays
// valid with stable data until taken. Ports of the generated wrapper tb_top: i<k>_t*, o<k>_t*.
// args: cfg.txt out.txt; cfg: gap seed max_cycles, then per input "n_beats file", per output
// "n_beats bp stall_start stall_end".
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>
#include "verilated.h"
#include "Vtb_top.h"
#include "tbcfg.h"

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

struct In { long n = 0, pos = 0; int words = 1; bool shown = false; std::vector<uint32_t> data; };
struct Out { long n = 0, got = 0; int words = 1; double bp = 0; long s0 = 0, s1 = 0; bool ready = false;
             bool held = false; std::vector<uint32_t> last, data; std::vector<long> when; };

int main(int argc, char** argv) {
  if (argc < 3) { fprintf(stderr, "usage: tb cfg.txt out.txt\n"); return 2; }
  FILE* c = fopen(argv[1], "r");
  if (!c) return 2;
  double gap; unsigned seed; long max_cycles;
  if (fscanf(c, "%lf %u %ld", &gap, &seed, &max_cycles) != 3) return 2;
  const int in_words[] = {IN_WORDS};
  const int out_words[] = {OUT_WORDS};
  std::vector<In> in(NIN);
  std::vector<Out> out(NOUT);
  for (int k = 0; k < NIN; k++) {
    char path[4096];
    if (fscanf(c, "%ld %4095s", &in[k].n, path) != 2) return 2;
    in[k].words = in_words[k];
    in[k].data.resize(in[k].n * in[k].words + 2);
    FILE* f = fopen(path, "rb");
    if (!f || (long)fread(in[k].data.data(), 4, in[k].n * in[k].words, f) != in[k].n * in[k].words) return 2;
    fclose(f);
  }
  for (int k = 0; k < NOUT; k++) {
    if (fscanf(c, "%ld %lf %ld %ld", &out[k].n, &out[k].bp, &out[k].s0, &out[k].s1) != 4) return 2;
    out[k].words = out_words[k];
    out[k].last.resize(out[k].words);
  }
  fclose(c);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  VerilatedContext ctx;
  Vtb_top* top = new Vtb_top(&ctx);
  top->ap_clk = 0; top->ap_rst_n = 0;
  for (int i = 0; i < 4; i++) { top->ap_clk = 1; top->eval(); top->ap_clk = 0; top->eval(); }
  top->ap_rst_n = 1; top->eval();
  long cyc = 0;
  int status = 3;  // 0 done, 1 protocol violation, 3 cycle limit
  std::vector<uint32_t> w(64);
  while (cyc < max_cycles) {
    bool done = true;
    for (auto& o : out) done = done && o.got >= o.n;
    if (done) { status = 0; break; }
    for (int k = 0; k < NIN; k++) {  // a shown beat stays until taken; otherwise show one unless a gap
      In& s = in[k];
      if (!s.shown && s.pos < s.n && uni(rng) >= gap) s.shown = true;
      const uint32_t* d = s.data.data() + (s.shown ? s.pos : 0) * s.words;
      IN_DRIVE(k, s.shown, d);
    }
    for (int k = 0; k < NOUT; k++) {
      Out& o = out[k];
      o.ready = o.got < o.n && !(cyc >= o.s0 && cyc < o.s1) && uni(rng) >= o.bp;  // none past the end
      OUT_READY(k, o.ready);
    }
    top->eval();
    for (int k = 0; k < NIN; k++) {
      In& s = in[k];
      if (s.shown && IN_READY(k)) { s.pos++; s.shown = false; }
    }
    for (int k = 0; k < NOUT; k++) {
      Out& o = out[k];
      bool v = OUT_VALID(k);
      if (v) OUT_DATA(k, w.data());
      if (o.held) {
        bool same = v;
        for (int i = 0; i < o.words && same; i++) same = o.last[i] == w[i];
        if (!same) { status = 1; fprintf(stderr, "output %d dropped or changed a waiting beat at cycle %ld\n", k, cyc); }
      }
      o.held = v && !o.ready;
      if (v) for (int i = 0; i < o.words; i++) o.last[i] = w[i];
      if (v && o.ready) {
        for (int i = 0; i < o.words; i++) o.data.push_back(w[i]);
        o.when.push_back(cyc);
        o.got++;
      }
    }
    if (status == 1) break;
    top->ap_clk = 1; top->eval(); top->ap_clk = 0; top->eval();
    cyc++;
  }
  FILE* f = fopen(argv[2], "w");
  fprintf(f, "status %d\ncycles %ld\n", status, cyc);
  for (int k = 0; k < NIN; k++) fprintf(f, "taken %d %ld\n", k, in[k].pos);
  for (int k = 0; k < NOUT; k++) {
    Out& o = out[k];
    for (long b = 0; b < o.got; b++) {
      fprintf(f, "o %d %ld", k, o.when[b]);
      for (int i = 0; i < o.words; i++) fprintf(f, " %u", o.data[b * o.words + i]);
      fprintf(f, "\n");
    }
  }
  fclose(f);
  delete top;
  return 0;
}
