// pcnn-hw HLS kernel library: max-pool units, as pcnn_hw/layers/pool.py.
//   max_pool            FINN Pool (Function=MaxPool) after a depthwise sliding window: per output
//                       pixel and channel fold, the max over KK consecutive words (1-bit data: OR)
//   streaming_max_pool  FINN StreamingMaxPool: NHWC input, K_H x K_W windows with stride = kernel
// Folding: C % PE == 0, words of PE channels of B bits (KIND: ElemKind of the elements).
#ifndef PCNN_POOL_H
#define PCNN_POOL_H

#include "pcnn/common.h"

namespace pcnn {

template <unsigned C, unsigned PE, unsigned KK, unsigned OUT_PIX, unsigned B, unsigned KIND>
void max_pool(hls::stream<ap_uint<PE * B> > &in, hls::stream<ap_uint<PE * B> > &out) {
  static_assert(C % PE == 0, "Pool: C must be divisible by PE");
  const unsigned CF = C / PE;
  ap_uint<PE * B> acc = 0;
  unsigned k = 0;
  for (unsigned i = 0; i < OUT_PIX * CF * KK; i++) {
#pragma HLS PIPELINE II=1
    ap_uint<PE * B> x = in.read();
    acc = (k == 0) ? x : elem_max<PE, B, KIND>(acc, x);
    if (++k == KK) {
      out.write(acc);
      k = 0;
    }
  }
}

template <unsigned IFM_H, unsigned IFM_W, unsigned C, unsigned K_H, unsigned K_W, unsigned PE, unsigned B,
          unsigned KIND>
void streaming_max_pool(hls::stream<ap_uint<PE * B> > &in, hls::stream<ap_uint<PE * B> > &out) {
  static_assert(C % PE == 0, "StreamingMaxPool: C must be divisible by PE");
  const unsigned CF = C / PE;
  const unsigned OFM_H = IFM_H / K_H, OFM_W = IFM_W / K_W;
  ap_uint<PE * B> acc[OFM_W][CF];
  for (unsigned oy = 0; oy < OFM_H; oy++) {
    for (unsigned ky = 0; ky < K_H; ky++) {
      for (unsigned x = 0; x < IFM_W; x++) {
        for (unsigned cf = 0; cf < CF; cf++) {
#pragma HLS PIPELINE II=1
          ap_uint<PE * B> v = in.read();
          const unsigned ox = x / K_W;
          if (ox < OFM_W) {
            acc[ox][cf] = (ky == 0 && x % K_W == 0) ? v : elem_max<PE, B, KIND>(acc[ox][cf], v);
          }
        }
      }
    }
    for (unsigned i = 0; i < OFM_W * CF; i++) {
#pragma HLS PIPELINE II=1
      out.write(acc[i / CF][i % CF]);
    }
  }
  for (unsigned i = 0; i < (IFM_H - OFM_H * K_H) * IFM_W * CF; i++) {
#pragma HLS PIPELINE II=1
    in.read();
  }
}

}  // namespace pcnn

#endif  // PCNN_POOL_H
