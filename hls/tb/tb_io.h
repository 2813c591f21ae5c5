// pcnn-hw C-simulation testbench helpers: raw little-endian int64 files <-> stream words.
//
// Test vectors are flat int64 arrays (numpy `tofile`): one element per value, in the logical tensor
// order. Memory images (weights, thresholds) are the (PE, MEM, SIMD|NSTEPS) arrays of pcnn_hw/layers.
#ifndef PCNN_TB_IO_H
#define PCNN_TB_IO_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "pcnn/common.h"

namespace pcnn_tb {

// Whole file as int64 values; exits with status 2 if it cannot be read.
inline std::vector<int64_t> read_i64(const std::string &path) {
  std::vector<int64_t> v;
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    std::fprintf(stderr, "pcnn tb: cannot open %s\n", path.c_str());
    std::exit(2);
  }
  int64_t buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, sizeof(int64_t), 4096, f)) > 0) v.insert(v.end(), buf, buf + n);
  std::fclose(f);
  return v;
}

// Write int64 values; exits with status 2 on failure.
inline void write_i64(const std::string &path, const std::vector<int64_t> &v) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(v.data(), sizeof(int64_t), v.size(), f) != v.size()) {
    std::fprintf(stderr, "pcnn tb: cannot write %s\n", path.c_str());
    std::exit(2);
  }
  std::fclose(f);
}

// N elements of B bits from src[0..N) into one word (element e at bits e*B).
template <unsigned N, unsigned B>
inline ap_uint<N * B> pack_word(const int64_t *src) {
  ap_uint<N * B> w = 0;
  for (unsigned e = 0; e < N; e++) pcnn::set_elem<B>(w, e, ap_uint<B>(src[e]));
  return w;
}

// One memory-image row of N lanes into a word, lanes reversed (element e = lane N-1-e), the
// hardware layout of pcnn_hw/layers/mvau.py.
template <unsigned N, unsigned B>
inline ap_uint<N * B> pack_lanes(const int64_t *lanes) {
  ap_uint<N * B> w = 0;
  for (unsigned e = 0; e < N; e++) pcnn::set_elem<B>(w, e, ap_uint<B>(lanes[N - 1 - e]));
  return w;
}

// Word -> N element values (KIND: pcnn::ElemKind; bipolar elements come back as bits 0/1).
template <unsigned N, unsigned B, unsigned KIND>
inline void unpack_word(const ap_uint<N * B> &w, int64_t *dst) {
  for (unsigned e = 0; e < N; e++) {
    ap_uint<B> v = pcnn::get_elem<B>(w, e);
    dst[e] = (KIND == pcnn::ELEM_SIGNED) ? int64_t(ap_int<B>(v).to_int64()) : int64_t(v.to_uint64());
  }
}

// Push `words` words of N elements from a flat element array starting at src.
template <unsigned N, unsigned B>
inline void feed(hls::stream<ap_uint<N * B> > &s, const int64_t *src, unsigned words) {
  for (unsigned i = 0; i < words; i++) s.write(pack_word<N, B>(src + std::size_t(i) * N));
}

// Drain a stream into a flat element array (appended); exits with status 4 if words are left over
// or missing.
template <unsigned N, unsigned B, unsigned KIND>
inline void collect(hls::stream<ap_uint<N * B> > &s, std::vector<int64_t> &dst, unsigned words) {
  if (s.size() != words) {
    std::fprintf(stderr, "pcnn tb: stream %s holds %u words, expected %u\n", s.name().c_str(),
                 unsigned(s.size()), words);
    std::exit(4);
  }
  for (unsigned i = 0; i < words; i++) {
    int64_t e[N];
    unpack_word<N, B, KIND>(s.read(), e);
    dst.insert(dst.end(), e, e + N);
  }
}

}  // namespace pcnn_tb

#endif  // PCNN_TB_IO_H
