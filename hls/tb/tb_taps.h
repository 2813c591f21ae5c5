// pcnn-hw C-simulation taps: record the words of an intermediate stream without consuming them.
//
// The generated top calls PCNN_TAP(layer, N, B, KIND, stream) after each layer when compiled with
// -DPCNN_CSIM_TAPS (never in synthesis). With a tap directory set (pcnn_tb::tap_dir() = "..."), the
// elements of every frame are appended to DIR/<layer>.bin as int64, so each layer's output can be
// compared with the bit-exact simulator's tensor of the same node.
#ifndef PCNN_TB_TAPS_H
#define PCNN_TB_TAPS_H

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tb_io.h"

namespace pcnn_tb {

// The tap directory ("" = taps off).
inline std::string &tap_dir() {
  static std::string dir;
  return dir;
}

// Record only this layer's tap ("" = every layer's).
inline std::string &tap_only() {
  static std::string name;
  return name;
}

// The open file of one tap (created on first use, closed at exit).
inline FILE *tap_file(const std::string &name) {
  struct Files {
    std::map<std::string, FILE *> open;
    ~Files() {
      for (auto &kv : open) std::fclose(kv.second);
    }
  };
  static Files files;
  auto it = files.open.find(name);
  if (it != files.open.end()) return it->second;
  FILE *f = std::fopen((tap_dir() + "/" + name + ".bin").c_str(), "wb");
  if (!f) {
    std::fprintf(stderr, "pcnn tb: cannot write tap %s in %s\n", name.c_str(), tap_dir().c_str());
    std::exit(2);
  }
  files.open[name] = f;
  return f;
}

// Append every element of the words in `s` to the tap file of `name`; the stream is left unchanged.
template <unsigned N, unsigned B, unsigned KIND>
void tap(const char *name, hls::stream<ap_uint<N * B> > &s) {
  if (tap_dir().empty() || (!tap_only().empty() && tap_only() != name)) return;
  std::vector<ap_uint<N * B> > words;
  while (!s.empty()) words.push_back(s.read());
  FILE *f = tap_file(name);
  for (std::size_t i = 0; i < words.size(); i++) {
    int64_t e[N];
    unpack_word<N, B, KIND>(words[i], e);
    std::fwrite(e, sizeof(int64_t), N, f);
    s.write(words[i]);
  }
}

}  // namespace pcnn_tb

#endif  // PCNN_TB_TAPS_H
