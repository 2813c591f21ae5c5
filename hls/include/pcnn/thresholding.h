// pcnn-hw HLS kernel library: standalone multi-threshold unit (FINN Thresholding), as
// pcnn_hw/layers/thresholding.py: y[c] = #{i : x[c] >= T[c][i]} + ACTVAL as an OB-bit element.
// Folding: C % PE == 0; words of PE channels, C / PE words per input vector, NUMVEC vectors per frame.
// Memory layout: thresholds[p][nf][i] is threshold i of channel nf * PE + p ((PE, C/PE, NSTEPS) image).
#ifndef PCNN_THRESHOLDING_H
#define PCNN_THRESHOLDING_H

#include "pcnn/common.h"

namespace pcnn {

template <unsigned C, unsigned PE, unsigned NUMVEC, unsigned IB, unsigned IKIND, unsigned NSTEPS,
          typename TT, int ACTVAL, unsigned OB>
void thresholding(hls::stream<ap_uint<PE * IB> > &in, hls::stream<ap_uint<PE * OB> > &out,
                  const TT thresholds[PE][C / PE][NSTEPS]) {
  static_assert(C % PE == 0, "Thresholding: C must be divisible by PE");
  const unsigned NF = C / PE;
  unsigned nf = 0;
  for (unsigned i = 0; i < NUMVEC * NF; i++) {
#pragma HLS PIPELINE II=1
    ap_uint<PE * IB> x = in.read();
    ap_uint<PE * OB> o = 0;
    for (unsigned p = 0; p < PE; p++) {
#pragma HLS UNROLL
      ap_int<IB + 2> v = decode<IB, IKIND>(get_elem<IB>(x, p));
      ap_int<OB + 2> cnt = ACTVAL;
      for (unsigned s = 0; s < NSTEPS; s++) {
#pragma HLS UNROLL
        cnt += (v >= thresholds[p][nf][s]) ? 1 : 0;
      }
      set_elem<OB>(o, p, ap_uint<OB>(cnt));
    }
    out.write(o);
    if (++nf == NF) nf = 0;
  }
}

}  // namespace pcnn

#endif  // PCNN_THRESHOLDING_H
