// pcnn-hw HLS kernel library: every kernel the compiler's folded graphs use.
#ifndef PCNN_PCNN_H
#define PCNN_PCNN_H

#include "pcnn/common.h"
#include "pcnn/addstreams.h"
#include "pcnn/duplicate.h"
#include "pcnn/dwc.h"
#include "pcnn/fmpadding.h"
#include "pcnn/globalpool.h"
#include "pcnn/labelselect.h"
#include "pcnn/mvau.h"
#include "pcnn/pool.h"
#include "pcnn/swg.h"
#include "pcnn/thresholding.h"

#endif  // PCNN_PCNN_H
