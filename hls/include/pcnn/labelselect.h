// pcnn-hw HLS kernel library: label select (FINN LabelSelect, the final TopK), as
// pcnn_hw/layers/labelselect.py: the indices of the K largest of LABELS scores, largest first, ties
// to the lower index. Input words of PE scores (IB bits, KIND: ElemKind), LABELS / PE words per frame;
// output K words, one OB-bit index each.
#ifndef PCNN_LABELSELECT_H
#define PCNN_LABELSELECT_H

#include "pcnn/common.h"

namespace pcnn {

template <unsigned LABELS, unsigned PE, unsigned K, unsigned IB, unsigned KIND, unsigned OB>
void label_select(hls::stream<ap_uint<PE * IB> > &in, hls::stream<ap_uint<OB> > &out) {
  static_assert(LABELS % PE == 0, "LabelSelect: Labels must be divisible by PE");
  static_assert(K >= 1 && K <= LABELS, "LabelSelect: need 1 <= K <= Labels");
  ap_int<IB + 2> best[K];
  ap_uint<OB> idx[K];
#pragma HLS ARRAY_PARTITION variable=best complete
#pragma HLS ARRAY_PARTITION variable=idx complete
  unsigned filled = 0;
  for (unsigned w = 0; w < LABELS / PE; w++) {
    ap_uint<PE * IB> x = in.read();
    for (unsigned p = 0; p < PE; p++) {
      ap_int<IB + 2> v = decode<IB, KIND>(get_elem<IB>(x, p));
      const unsigned label = w * PE + p;
      // insertion into the sorted top-K list; a later (higher) index only wins on a larger score
      unsigned pos = filled;
      for (unsigned j = 0; j < K; j++) {
        if (j < filled && v > best[j] && pos == filled) pos = j;
      }
      if (pos < K) {
        for (unsigned j = K - 1; j > pos; j--) {
          best[j] = best[j - 1];
          idx[j] = idx[j - 1];
        }
        best[pos] = v;
        idx[pos] = label;
        if (filled < K) filled++;
      }
    }
  }
  for (unsigned j = 0; j < K; j++) out.write(idx[j]);
}

}  // namespace pcnn

#endif  // PCNN_LABELSELECT_H
