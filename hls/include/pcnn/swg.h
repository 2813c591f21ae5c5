// pcnn-hw HLS kernel library: sliding-window generator (FINN ConvolutionInputGenerator), as
// pcnn_hw/layers/swg.py: NHWC input (no padding), windows of K_H x K_W pixels with stride and
// dilation, words of SIMD channels (C % SIMD == 0, CF = C / SIMD).
//
// Output stream order per output pixel (oy, ox):
//   standard  (DEPTHWISE=false): for ky, kx, cf   -> the (kh, kw, c) order of the lowered conv weights
//   depthwise (DEPTHWISE=true):  for cf, ky, kx   -> channel-fold-major, as the max-pool unit reads it
//
// A line buffer holds the last (K_H - 1) * D_H + 1 input rows (row r in slot r % rows); rows are read
// as the next output row needs them and the rows below the last window are drained at the end.
#ifndef PCNN_SWG_H
#define PCNN_SWG_H

#include "pcnn/common.h"

namespace pcnn {

template <unsigned IFM_H, unsigned IFM_W, unsigned C, unsigned K_H, unsigned K_W, unsigned S_H,
          unsigned S_W, unsigned D_H, unsigned D_W, unsigned SIMD, unsigned B, bool DEPTHWISE>
void sliding_window(hls::stream<ap_uint<SIMD * B> > &in, hls::stream<ap_uint<SIMD * B> > &out) {
  static_assert(C % SIMD == 0, "SlidingWindow: C must be divisible by SIMD");
  const unsigned CF = C / SIMD;
  const unsigned ROWS = (K_H - 1) * D_H + 1;
  const unsigned COLS = (K_W - 1) * D_W + 1;
  static_assert(ROWS <= IFM_H && COLS <= IFM_W, "SlidingWindow: kernel larger than the image");
  const unsigned OFM_H = (IFM_H - ROWS) / S_H + 1;
  const unsigned OFM_W = (IFM_W - COLS) / S_W + 1;
  ap_uint<SIMD * B> buf[ROWS][IFM_W][CF];
#pragma HLS ARRAY_PARTITION variable=buf complete dim=1
  unsigned rows_read = 0;
  for (unsigned oy = 0; oy < OFM_H; oy++) {
    const unsigned need = oy * S_H + ROWS;
    for (; rows_read < need; rows_read++) {
      for (unsigned x = 0; x < IFM_W; x++) {
        for (unsigned cf = 0; cf < CF; cf++) {
#pragma HLS PIPELINE II=1
          buf[rows_read % ROWS][x][cf] = in.read();
        }
      }
    }
    for (unsigned ox = 0; ox < OFM_W; ox++) {
      for (unsigned a = 0; a < CF * K_H * K_W; a++) {
#pragma HLS PIPELINE II=1
        unsigned cf, k;
        if (DEPTHWISE) {
          cf = a / (K_H * K_W);
          k = a % (K_H * K_W);
        } else {
          k = a / CF;
          cf = a % CF;
        }
        const unsigned ky = k / K_W, kx = k % K_W;
        out.write(buf[(oy * S_H + ky * D_H) % ROWS][ox * S_W + kx * D_W][cf]);
      }
    }
  }
  for (; rows_read < IFM_H; rows_read++) {
    for (unsigned i = 0; i < IFM_W * CF; i++) {
#pragma HLS PIPELINE II=1
      in.read();
    }
  }
}

// Parallel-window variant (FINN parallel_window=1, needs SIMD == C): one output word per output pixel
// holding the whole K_H x K_W x C window in (ky, kx, c) order (element (ky * K_W + kx) * C + c).
template <unsigned IFM_H, unsigned IFM_W, unsigned C, unsigned K_H, unsigned K_W, unsigned S_H,
          unsigned S_W, unsigned D_H, unsigned D_W, unsigned B>
void sliding_window_parallel(hls::stream<ap_uint<C * B> > &in, hls::stream<ap_uint<K_H * K_W * C * B> > &out) {
  const unsigned ROWS = (K_H - 1) * D_H + 1;
  const unsigned COLS = (K_W - 1) * D_W + 1;
  static_assert(ROWS <= IFM_H && COLS <= IFM_W, "SlidingWindow: kernel larger than the image");
  const unsigned OFM_H = (IFM_H - ROWS) / S_H + 1;
  const unsigned OFM_W = (IFM_W - COLS) / S_W + 1;
  ap_uint<C * B> buf[ROWS][IFM_W];
#pragma HLS ARRAY_PARTITION variable=buf complete dim=1
  unsigned rows_read = 0;
  for (unsigned oy = 0; oy < OFM_H; oy++) {
    const unsigned need = oy * S_H + ROWS;
    for (; rows_read < need; rows_read++) {
      for (unsigned x = 0; x < IFM_W; x++) {
#pragma HLS PIPELINE II=1
        buf[rows_read % ROWS][x] = in.read();
      }
    }
    for (unsigned ox = 0; ox < OFM_W; ox++) {
#pragma HLS PIPELINE II=1
      ap_uint<K_H * K_W * C * B> w = 0;
      for (unsigned k = 0; k < K_H * K_W; k++) {
#pragma HLS UNROLL
        const unsigned ky = k / K_W, kx = k % K_W;
        w.range(k * C * B + C * B - 1, k * C * B) = buf[(oy * S_H + ky * D_H) % ROWS][ox * S_W + kx * D_W];
      }
      out.write(w);
    }
  }
  for (; rows_read < IFM_H; rows_read++) {
    for (unsigned x = 0; x < IFM_W; x++) {
#pragma HLS PIPELINE II=1
      in.read();
    }
  }
}

}  // namespace pcnn

#endif  // PCNN_SWG_H
