// pcnn-hw HLS kernel library: stream join by addition (FINN+ ElementwiseAdd / FINN AddStreams), as
// pcnn_hw/layers/addstreams: y = lhs + rhs elementwise, the exact integer sum as an OB-bit element
// (two's complement; OB >= the bits of every sum of the input ranges, so no wrap-around). Words of
// PE elements: lhs B0 bits of kind K0, rhs B1 bits of kind K1 (pcnn::ElemKind), WORDS words per frame.
// A 1-bit input counts its bit (0/1), as the layer object does for packed bits.
#ifndef PCNN_ADDSTREAMS_H
#define PCNN_ADDSTREAMS_H

#include "pcnn/common.h"

namespace pcnn {

template <unsigned PE, unsigned WORDS, unsigned B0, unsigned K0, unsigned B1, unsigned K1, unsigned OB>
void add_streams(hls::stream<ap_uint<PE * B0> > &in0, hls::stream<ap_uint<PE * B1> > &in1,
                 hls::stream<ap_uint<PE * OB> > &out) {
  const unsigned SB = (B0 > B1 ? B0 : B1) + 3;  // holds every sum of two decoded elements
  for (unsigned i = 0; i < WORDS; i++) {
#pragma HLS PIPELINE II=1
    const ap_uint<PE * B0> a = in0.read();
    const ap_uint<PE * B1> b = in1.read();
    ap_uint<PE * OB> o = 0;
    for (unsigned p = 0; p < PE; p++) {
#pragma HLS UNROLL
      const ap_int<SB> s = ap_int<SB>(decode<B0, K0>(get_elem<B0>(a, p))) + ap_int<SB>(decode<B1, K1>(get_elem<B1>(b, p)));
      set_elem<OB>(o, p, ap_uint<OB>(ap_int<OB>(s)));
    }
    out.write(o);
  }
}

}  // namespace pcnn

#endif  // PCNN_ADDSTREAMS_H
