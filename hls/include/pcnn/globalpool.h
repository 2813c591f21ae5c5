// pcnn-hw HLS kernel library: global accumulating pool (FINN GlobalAccPool), as
// pcnn_hw/layers/globalpool: y[c] = sum over the PIX pixels of x[pix][c] (the sum; the 1/(H*W) of an
// average is folded into the label select by the compiler). Input words of PE elements of B bits
// (KIND: pcnn::ElemKind), C / PE words per pixel; output C / PE words of PE sums of OB bits (two's
// complement, or unsigned when the sums are non-negative: the same bits for values that fit).
#ifndef PCNN_GLOBALPOOL_H
#define PCNN_GLOBALPOOL_H

#include "pcnn/common.h"

namespace pcnn {

template <unsigned C, unsigned PE, unsigned PIX, unsigned B, unsigned KIND, unsigned OB>
void global_acc_pool(hls::stream<ap_uint<PE * B> > &in, hls::stream<ap_uint<PE * OB> > &out) {
  static_assert(C % PE == 0, "GlobalAccPool: NumChannels must be divisible by PE");
  const unsigned CF = C / PE;
  ap_int<OB + 1> acc[CF][PE];
#pragma HLS ARRAY_PARTITION variable=acc complete dim=2
  for (unsigned pix = 0; pix < PIX; pix++) {
    for (unsigned cf = 0; cf < CF; cf++) {
#pragma HLS PIPELINE II=1
      const ap_uint<PE * B> x = in.read();
      for (unsigned p = 0; p < PE; p++) {
#pragma HLS UNROLL
        const ap_int<OB + 1> v = decode<B, KIND>(get_elem<B>(x, p));
        acc[cf][p] = (pix == 0) ? v : ap_int<OB + 1>(acc[cf][p] + v);
      }
    }
  }
  for (unsigned cf = 0; cf < CF; cf++) {
#pragma HLS PIPELINE II=1
    ap_uint<PE * OB> o = 0;
    for (unsigned p = 0; p < PE; p++) {
#pragma HLS UNROLL
      set_elem<OB>(o, p, ap_uint<OB>(acc[cf][p]));
    }
    out.write(o);
  }
}

}  // namespace pcnn

#endif  // PCNN_GLOBALPOOL_H
