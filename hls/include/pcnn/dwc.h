// pcnn-hw HLS kernel library: stream width conversion (FINN StreamingDataWidthConverter). Repacks a
// frame of NUM_IN words of IW bits into words of OW bits, least significant bits first (so elements
// keep their order); IW * NUM_IN must be a multiple of OW. Values are unchanged
// (pcnn_hw/layers/passthrough.py).
#ifndef PCNN_DWC_H
#define PCNN_DWC_H

#include "pcnn/common.h"

namespace pcnn {

template <unsigned IW, unsigned OW, unsigned NUM_IN>
void stream_width_convert(hls::stream<ap_uint<IW> > &in, hls::stream<ap_uint<OW> > &out) {
  static_assert((IW * NUM_IN) % OW == 0, "width converter: frame bits must be a multiple of OW");
  ap_uint<IW + OW> buf = 0;
  unsigned fill = 0;
  for (unsigned i = 0; i < NUM_IN; i++) {
    ap_uint<IW + OW> x = in.read();
    buf |= x << fill;
    fill += IW;
    for (unsigned j = 0; j < IW / OW + 1; j++) {
      if (fill >= OW) {
        out.write(ap_uint<OW>(buf.range(OW - 1, 0)));
        buf >>= OW;
        fill -= OW;
      }
    }
  }
}

}  // namespace pcnn

#endif  // PCNN_DWC_H
