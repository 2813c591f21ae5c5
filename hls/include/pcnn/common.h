// pcnn-hw HLS kernel library: shared definitions (element packing, decoding, popcount).
//
// Stream words carry N elements of B bits each; element e occupies bits [e*B, e*B + B) (element 0 in
// the least significant bits), in the logical order of the tensor (channels last). Weight words use
// the same rule: bit s of a PE's SIMD word at address nf*SF + sf is the weight of input column
// sf*SIMD + s, i.e. lane SIMD-1-s of the (PE, WMEM, SIMD) memory image of pcnn_hw/layers/mvau.py.
#ifndef PCNN_COMMON_H
#define PCNN_COMMON_H

// Words wider than the default 1024 bits (wide SIMD / parallel windows) need a larger ap_int limit.
#ifndef AP_INT_MAX_W
#define AP_INT_MAX_W 4096
#endif
// ap_private's default constructors leave values uninitialised, which g++'s optimiser reports as
// (maybe-)uninitialized uses located inside the ap_types headers; silence those for that header only.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__SYNTHESIS__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <ap_int.h>
#pragma GCC diagnostic pop
#else
#include <ap_int.h>
#endif

#if defined(__SYNTHESIS__) || defined(PCNN_VENDOR_HLS_STREAM)
#include <hls_stream.h>
#else
#include "pcnn/hls_stream_sim.h"
#endif

#ifndef __SYNTHESIS__
#include <cstdint>
#endif

namespace pcnn {

#ifndef __SYNTHESIS__
// C-simulation form of the generated constant arrays (pcnn_hw/hls/arrays.py `_limb_form`): g++
// compiles a plain integer initializer cheaply, an ap_uint one as one constructor call per element.
// unpack_words: n W-bit words from ceil(W / 64) 64-bit limbs each, least significant limb first.
template <int W>
bool unpack_words(ap_uint<W> *dst, const uint64_t *limbs, unsigned n) {
  const unsigned L = (W + 63) / 64;
  for (unsigned k = 0; k < n; k++) {
    ap_uint<W> v = 0;
    for (unsigned i = 0; i < L; i++) {
      const unsigned lo = 64 * i, hi = (lo + 63 < unsigned(W) - 1) ? lo + 63 : unsigned(W) - 1;
      v.range(hi, lo) = ap_uint<64>(limbs[k * L + i]);
    }
    dst[k] = v;
  }
  return true;
}

// unpack_ints: n signed W-bit (W <= 64) values.
template <int W>
bool unpack_ints(ap_int<W> *dst, const int64_t *vals, unsigned n) {
  for (unsigned k = 0; k < n; k++) dst[k] = ap_int<W>(vals[k]);
  return true;
}
#endif

// How a B-bit element encodes its value.
enum ElemKind : unsigned {
  ELEM_UNSIGNED = 0,  // UINTb / BINARY: the bits as an unsigned number
  ELEM_SIGNED = 1,    // INTb: two's complement
  ELEM_BIPOLAR = 2    // BIPOLAR: one bit, 0 -> -1, 1 -> +1
};

// Element e (B bits) of a word.
template <unsigned B, int W>
inline ap_uint<B> get_elem(const ap_uint<W> &word, unsigned e) {
#pragma HLS INLINE
  return word.range(e * B + B - 1, e * B);
}

// Store v (B bits) as element e of a word.
template <unsigned B, int W>
inline void set_elem(ap_uint<W> &word, unsigned e, const ap_uint<B> &v) {
#pragma HLS INLINE
  word.range(e * B + B - 1, e * B) = v;
}

// Numeric value of a B-bit element of kind KIND (B + 2 signed bits hold every kind).
template <unsigned B, unsigned KIND>
inline ap_int<B + 2> decode(const ap_uint<B> &v) {
#pragma HLS INLINE
  if (KIND == ELEM_BIPOLAR) return v[0] ? ap_int<B + 2>(1) : ap_int<B + 2>(-1);
  if (KIND == ELEM_SIGNED) return ap_int<B + 2>(ap_int<B>(v));
  return ap_int<B + 2>(v);
}

// Number of set bits of a word (an adder tree in hardware).
template <unsigned W>
inline ap_uint<32> popcount(const ap_uint<W> &v) {
#pragma HLS INLINE
  ap_uint<32> n = 0;
  for (unsigned i = 0; i < W; i++) {
#pragma HLS UNROLL
    n += v[i];
  }
  return n;
}

// Elementwise maximum of two words of N elements of B bits (1-bit elements: bitwise OR).
template <unsigned N, unsigned B, unsigned KIND>
inline ap_uint<N * B> elem_max(const ap_uint<N * B> &a, const ap_uint<N * B> &b) {
#pragma HLS INLINE
  ap_uint<N * B> r = 0;
  for (unsigned e = 0; e < N; e++) {
#pragma HLS UNROLL
    ap_uint<B> x = get_elem<B>(a, e), y = get_elem<B>(b, e);
    set_elem<B>(r, e, decode<B, KIND>(x) >= decode<B, KIND>(y) ? x : y);
  }
  return r;
}

}  // namespace pcnn

#endif  // PCNN_COMMON_H
