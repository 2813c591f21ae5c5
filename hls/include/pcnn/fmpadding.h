// pcnn-hw HLS kernel library: feature-map padding (FINN FMPadding), as pcnn_hw/layers/fmpadding:
// y[i][j][c] = x[i - PT][j - PL][c] inside the image, the element 0 outside (for a 1-bit stream the
// bit 0, i.e. the bipolar -1 the residual models pad with). Input H x W pixels of C channels, words of
// SIMD elements of B bits (C / SIMD words per pixel); output (PT + H + PB) x (PL + W + PR) pixels.
#ifndef PCNN_FMPADDING_H
#define PCNN_FMPADDING_H

#include "pcnn/common.h"

namespace pcnn {

template <unsigned H, unsigned W, unsigned C, unsigned PT, unsigned PL, unsigned PB, unsigned PR, unsigned SIMD,
          unsigned B>
void fmpadding(hls::stream<ap_uint<SIMD * B> > &in, hls::stream<ap_uint<SIMD * B> > &out) {
  static_assert(C % SIMD == 0, "FMPadding: NumChannels must be divisible by SIMD");
  const unsigned CF = C / SIMD, OH = PT + H + PB, OW = PL + W + PR;
  for (unsigned y = 0; y < OH; y++) {
    for (unsigned x = 0; x < OW; x++) {
      for (unsigned cf = 0; cf < CF; cf++) {
#pragma HLS PIPELINE II=1
        const bool inside = y >= PT && y < PT + H && x >= PL && x < PL + W;
        out.write(inside ? in.read() : ap_uint<SIMD * B>(0));
      }
    }
  }
}

}  // namespace pcnn

#endif  // PCNN_FMPADDING_H
