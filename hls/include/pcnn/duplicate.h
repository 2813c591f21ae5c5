// pcnn-hw HLS kernel library: stream fork (FINN DuplicateStreams), as pcnn_hw/layers/duplicate:
// every input word is written to both outputs (WORDS words of width W per frame). The fork stalls
// when either output is full, so the skip FIFO of a fork/join decides whether it deadlocks.
#ifndef PCNN_DUPLICATE_H
#define PCNN_DUPLICATE_H

#include "pcnn/common.h"

namespace pcnn {

template <unsigned W, unsigned WORDS>
void duplicate_streams(hls::stream<ap_uint<W> > &in, hls::stream<ap_uint<W> > &out0,
                       hls::stream<ap_uint<W> > &out1) {
  for (unsigned i = 0; i < WORDS; i++) {
#pragma HLS PIPELINE II=1
    const ap_uint<W> x = in.read();
    out0.write(x);
    out1.write(x);
  }
}

}  // namespace pcnn

#endif  // PCNN_DUPLICATE_H
