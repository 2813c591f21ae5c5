// pcnn-hw HLS kernel library: matrix-vector-activation unit (FINN MVAU), the three flavours of
// pcnn_hw/layers/mvau.py:
//   mvau_xnor      binary input x binary weights, XNOR popcount P = #(x_i == w_i), thresholds
//   mvau_int       integer (e.g. 8-bit pixel) input x integer/bipolar weights, dot product, thresholds
//   mvau_xnor_acc  / mvau_int_acc: the last layer, emitting the accumulator (noActivation=1)
//
// Folding: MW % SIMD == 0, MH % PE == 0; SF = MW / SIMD, NF = MH / PE. Per input vector the unit
// reads SF words of SIMD elements once (buffered for the NF passes) and writes NF words of PE
// elements; one loop iteration per (vector, nf, sf) at II=1, i.e. NUMVEC * NF * SF cycles per frame.
//
// Memory layout (identical to the (PE, WMEM, SIMD) / (PE, TMEM, NSTEPS) images of
// pcnn_hw/layers/mvau.py): weights[p][nf * SF + sf] is the SIMD-element word of PE p for output
// row nf * PE + p and input columns sf * SIMD .. sf * SIMD + SIMD - 1 (element s = column
// sf * SIMD + s); thresholds[p][nf][i] is threshold i of output row nf * PE + p.
//
// Activation: y = #{i : acc >= T[i]} + ACTVAL, written as an OB-bit element (a BINARY/BIPOLAR
// output with one threshold is the bit acc >= T[0], ACTVAL = 0).
#ifndef PCNN_MVAU_H
#define PCNN_MVAU_H

#include "pcnn/common.h"

namespace pcnn {

// Sum over one SIMD word of the products (XNOR: matches) of input and weight elements.
template <unsigned SIMD, bool XNOR, unsigned IB, unsigned IKIND, unsigned WB, unsigned WKIND,
          unsigned ACCW>
inline ap_int<ACCW> simd_dot(const ap_uint<SIMD * IB> &x, const ap_uint<SIMD * WB> &w) {
#pragma HLS INLINE
  if (XNOR) return ap_int<ACCW>(popcount<SIMD * IB>(~(x ^ w)));
  ap_int<ACCW> s = 0;
  for (unsigned i = 0; i < SIMD; i++) {
#pragma HLS UNROLL
    s += decode<IB, IKIND>(get_elem<IB>(x, i)) * decode<WB, WKIND>(get_elem<WB>(w, i));
  }
  return s;
}

// Multi-threshold activation of one accumulator value.
template <unsigned NSTEPS, typename TT, int ACTVAL, unsigned OB, unsigned ACCW>
inline ap_uint<OB> threshold_act(const ap_int<ACCW> &acc, const TT thr[NSTEPS]) {
#pragma HLS INLINE
  ap_int<OB + 2> cnt = ACTVAL;
  for (unsigned i = 0; i < NSTEPS; i++) {
#pragma HLS UNROLL
    cnt += (acc >= thr[i]) ? 1 : 0;
  }
  return ap_uint<OB>(cnt);
}

// The shared MVAU datapath; use the wrappers below. THRESH=false ignores `thresholds`.
template <unsigned MW, unsigned MH, unsigned SIMD, unsigned PE, unsigned NUMVEC, bool XNOR, unsigned IB,
          unsigned IKIND, unsigned WB, unsigned WKIND, unsigned ACCW, bool THRESH, unsigned TMEM,
          unsigned NSTEPS, typename TT, int ACTVAL, unsigned OB>
void mvau_core(hls::stream<ap_uint<SIMD * IB> > &in, hls::stream<ap_uint<PE * OB> > &out,
               const ap_uint<SIMD * WB> weights[PE][(MW / SIMD) * (MH / PE)],
               const TT thresholds[PE][TMEM][NSTEPS]) {
  static_assert(MW % SIMD == 0, "MVAU: MW must be divisible by SIMD");
  static_assert(MH % PE == 0, "MVAU: MH must be divisible by PE");
  const unsigned SF = MW / SIMD;
  const unsigned NF = MH / PE;
  ap_uint<SIMD * IB> inbuf[SF];
  ap_int<ACCW> acc[PE];
#pragma HLS ARRAY_PARTITION variable=acc complete
  unsigned sf = 0, nf = 0;
  for (unsigned i = 0; i < NUMVEC * NF * SF; i++) {
#pragma HLS PIPELINE II=1
    ap_uint<SIMD * IB> x;
    if (nf == 0) {
      x = in.read();
      inbuf[sf] = x;
    } else {
      x = inbuf[sf];
    }
    for (unsigned p = 0; p < PE; p++) {
#pragma HLS UNROLL
      ap_int<ACCW> d = simd_dot<SIMD, XNOR, IB, IKIND, WB, WKIND, ACCW>(x, weights[p][nf * SF + sf]);
      acc[p] = (sf == 0) ? d : ap_int<ACCW>(acc[p] + d);
    }
    if (++sf == SF) {
      ap_uint<PE * OB> o = 0;
      for (unsigned p = 0; p < PE; p++) {
#pragma HLS UNROLL
        if (THRESH) {
          set_elem<OB>(o, p, threshold_act<NSTEPS, TT, ACTVAL, OB, ACCW>(acc[p], thresholds[p][THRESH ? nf : 0]));
        } else {
          set_elem<OB>(o, p, ap_uint<OB>(acc[p]));
        }
      }
      out.write(o);
      sf = 0;
      if (++nf == NF) nf = 0;
    }
  }
}

// XNOR-popcount MVAU with thresholds (binary activations in and out).
template <unsigned MW, unsigned MH, unsigned SIMD, unsigned PE, unsigned NUMVEC, unsigned ACCW,
          unsigned NSTEPS, typename TT, int ACTVAL, unsigned OB>
void mvau_xnor(hls::stream<ap_uint<SIMD> > &in, hls::stream<ap_uint<PE * OB> > &out,
               const ap_uint<SIMD> weights[PE][(MW / SIMD) * (MH / PE)],
               const TT thresholds[PE][MH / PE][NSTEPS]) {
#pragma HLS INLINE
  mvau_core<MW, MH, SIMD, PE, NUMVEC, true, 1, ELEM_UNSIGNED, 1, ELEM_UNSIGNED, ACCW, true, MH / PE,
            NSTEPS, TT, ACTVAL, OB>(in, out, weights, thresholds);
}

// Integer-input MVAU with thresholds (first layer: IB-bit input elements x WB-bit weights).
template <unsigned MW, unsigned MH, unsigned SIMD, unsigned PE, unsigned NUMVEC, unsigned IB,
          unsigned IKIND, unsigned WB, unsigned WKIND, unsigned ACCW, unsigned NSTEPS, typename TT,
          int ACTVAL, unsigned OB>
void mvau_int(hls::stream<ap_uint<SIMD * IB> > &in, hls::stream<ap_uint<PE * OB> > &out,
              const ap_uint<SIMD * WB> weights[PE][(MW / SIMD) * (MH / PE)],
              const TT thresholds[PE][MH / PE][NSTEPS]) {
#pragma HLS INLINE
  mvau_core<MW, MH, SIMD, PE, NUMVEC, false, IB, IKIND, WB, WKIND, ACCW, true, MH / PE, NSTEPS, TT,
            ACTVAL, OB>(in, out, weights, thresholds);
}

// Placeholder threshold memory of the accumulator-output variants (never read).
template <unsigned PE>
struct NoThresholds {
  static const ap_int<2> mem[PE][1][1];
};
template <unsigned PE>
const ap_int<2> NoThresholds<PE>::mem[PE][1][1] = {};

// Last layer: XNOR popcount, the accumulator P as OB-bit output (noActivation=1).
template <unsigned MW, unsigned MH, unsigned SIMD, unsigned PE, unsigned NUMVEC, unsigned ACCW, unsigned OB>
void mvau_xnor_acc(hls::stream<ap_uint<SIMD> > &in, hls::stream<ap_uint<PE * OB> > &out,
                   const ap_uint<SIMD> weights[PE][(MW / SIMD) * (MH / PE)]) {
#pragma HLS INLINE
  mvau_core<MW, MH, SIMD, PE, NUMVEC, true, 1, ELEM_UNSIGNED, 1, ELEM_UNSIGNED, ACCW, false, 1, 1,
            ap_int<2>, 0, OB>(in, out, weights, NoThresholds<PE>::mem);
}

// Last layer, integer input: the dot product as OB-bit signed output (noActivation=1).
template <unsigned MW, unsigned MH, unsigned SIMD, unsigned PE, unsigned NUMVEC, unsigned IB,
          unsigned IKIND, unsigned WB, unsigned WKIND, unsigned ACCW, unsigned OB>
void mvau_int_acc(hls::stream<ap_uint<SIMD * IB> > &in, hls::stream<ap_uint<PE * OB> > &out,
                  const ap_uint<SIMD * WB> weights[PE][(MW / SIMD) * (MH / PE)]) {
#pragma HLS INLINE
  mvau_core<MW, MH, SIMD, PE, NUMVEC, false, IB, IKIND, WB, WKIND, ACCW, false, 1, 1, ap_int<2>, 0, OB>(
      in, out, weights, NoThresholds<PE>::mem);
}

}  // namespace pcnn

#endif  // PCNN_MVAU_H
