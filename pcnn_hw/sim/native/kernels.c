/*
 * Native MVAU kernels of the bit-exact simulator (a CPython extension; our own code).
 *
 * Why native: numpy has no fused "XOR, popcount, sum over words" reduction, so the numpy path
 * (pcnn_hw.sim.packing.xnor_popcount_matmul) materialises an (M, H) temporary per input word and pays
 * a Python-level step per word and chunk; the integer first layer goes through float BLAS plus
 * separate threshold and packing passes. These kernels do each layer in one pass. They compute exactly
 * the same integers; the numpy path stays the reference and the tests compare the two.
 *
 * XNOR layers (pcnn_hw/sim/packing.py conventions): x is (M, NW) uint64 words; the weights w (H, NW)
 * are packed with the same segmentation and zero padding, so popcount(x ^ w) counts exactly the
 * mismatching real bits and the XNOR popcount is P = K - sum_q popcount(x[i, q] ^ w[h, q]).
 * Weights come blocked by 16 outputs: wb[b][q][l] = w[16 b + l][q] (pcnn_hw.sim.native.block_weights).
 *
 * Integer-input layers (the 8-bit first layer): x (M, K) int16, P = sum_k x[i, k] w[k, h]. Weights come
 * blocked by 16 outputs and pairs of inputs: wi[b][kp][l][2] = (w[2 kp][16 b + l], w[2 kp + 1][16 b + l])
 * int16 (pcnn_hw.sim.native.block_int_weights), so one multiply-add of a broadcast input pair gives 8
 * outputs' partial sums. Exact while every product fits int16 and every sum int32 (the caller checks).
 *
 *   xnor_acc(x, wb, out, m, nw, h, k, threads)              out (M, H) int32 = P
 *   xnor_threshold_bits(x, wb, thr, out, m, nw, h, k, threads)
 *   int_acc(x, wi, out, m, kx, h, threads)
 *   int_threshold_bits(x, wi, thr, out, m, kx, h, threads)
 *   xnor_chain(x, stages, out, m, threads)                consecutive XNOR layers in one call
 *
 * The *_threshold_bits variants write packed bits out (M, ceil(H / 64)) uint64: bit h of row i is
 * P[i, h] >= thr[h] (thr int32 with H rounded up to whole blocks of 16, every value > INT32_MIN).
 * All return (p_min, p_max), the extremes of P (p_min > p_max when M = 0): the fused variants never
 * materialise P and the accumulator overflow check needs them.
 *
 * Buffers are C-contiguous objects with the buffer protocol (numpy arrays); their sizes are checked.
 * The GIL is released while computing; with threads > 1 and enough work, chunks of rows are shared
 * with a persistent pool of POSIX worker threads (below). Compiled with AVX2 where the CPU has it, else
 * portable C (same results).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#define H_BLOCK 16     /* outputs per weight block */
#define MAX_THREADS 16
/* below this much work (in XNOR word operations) one thread does it all: sharing costs more */
#define PARALLEL_MIN_OPS (1LL << 16)

enum { KIND_XNOR, KIND_INT };

typedef struct {
    int kind;
    const void *x;      /* XNOR: uint64 (M, n_in); INT: int16 (M, n_in) */
    const void *w;      /* blocked weights */
    const int32_t *thr; /* NULL: write accumulators to acc */
    int32_t *acc;       /* (M, H) */
    uint64_t *bits;     /* (M, ceil(H / 64)) */
    Py_ssize_t n_in;    /* XNOR: words per row; INT: inputs per row K */
    Py_ssize_t h;
    int32_t k; /* XNOR: number of real bits K */
} Task;

typedef struct {
    const Task *t;
    Py_ssize_t r0, r1;
    int32_t p_min, p_max;
    int failed; /* out of memory */
} Share;

/* ---- per-block accumulators: P of one row against 16 outputs, into p[16] ---------------------- */

#if defined(__AVX2__)
static inline void xnor_block(const uint64_t *xr, const uint64_t *wq, Py_ssize_t nw, int32_t k, int32_t *p) {
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2,
                                         2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    const __m256i zero = _mm256_setzero_si256();
    __m256i a0 = zero, a1 = zero, a2 = zero, a3 = zero;
#define POPBYTES(v) \
    _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(v, low)), \
                    _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v, 4), low)))
    for (Py_ssize_t q0 = 0; q0 < nw; q0 += 31) { /* 31 words * 8 <= 255: byte counters cannot wrap */
        const Py_ssize_t q1 = q0 + 31 < nw ? q0 + 31 : nw;
        __m256i b0 = zero, b1 = zero, b2 = zero, b3 = zero;
        for (Py_ssize_t q = q0; q < q1; ++q) {
            const __m256i xv = _mm256_set1_epi64x((long long)xr[q]);
            const __m256i *wv = (const __m256i *)(wq + q * H_BLOCK);
            const __m256i v0 = _mm256_xor_si256(xv, _mm256_loadu_si256(wv));
            const __m256i v1 = _mm256_xor_si256(xv, _mm256_loadu_si256(wv + 1));
            const __m256i v2 = _mm256_xor_si256(xv, _mm256_loadu_si256(wv + 2));
            const __m256i v3 = _mm256_xor_si256(xv, _mm256_loadu_si256(wv + 3));
            b0 = _mm256_add_epi8(b0, POPBYTES(v0));
            b1 = _mm256_add_epi8(b1, POPBYTES(v1));
            b2 = _mm256_add_epi8(b2, POPBYTES(v2));
            b3 = _mm256_add_epi8(b3, POPBYTES(v3));
        }
        a0 = _mm256_add_epi64(a0, _mm256_sad_epu8(b0, zero));
        a1 = _mm256_add_epi64(a1, _mm256_sad_epu8(b1, zero));
        a2 = _mm256_add_epi64(a2, _mm256_sad_epu8(b2, zero));
        a3 = _mm256_add_epi64(a3, _mm256_sad_epu8(b3, zero));
    }
#undef POPBYTES
    /* 64-bit lane sums (< 2^31) -> 32-bit lanes in output order, then P = K - mismatches */
    const __m256i order = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7);
    const __m256i kv = _mm256_set1_epi32(k);
    const __m256i m0 = _mm256_permutevar8x32_epi32(
        _mm256_castps_si256(_mm256_shuffle_ps(_mm256_castsi256_ps(a0), _mm256_castsi256_ps(a1), 0x88)), order);
    const __m256i m1 = _mm256_permutevar8x32_epi32(
        _mm256_castps_si256(_mm256_shuffle_ps(_mm256_castsi256_ps(a2), _mm256_castsi256_ps(a3), 0x88)), order);
    _mm256_storeu_si256((__m256i *)p, _mm256_sub_epi32(kv, m0));
    _mm256_storeu_si256((__m256i *)(p + 8), _mm256_sub_epi32(kv, m1));
}

/* pairs[q] = input pair (x[2q], x[2q+1]) as two int16 halves of one int32 (see pack_pairs) */
static inline void int_block(const int32_t *pairs, const int16_t *wq, Py_ssize_t kp, int32_t *p) {
    /* four partial sums per output vector (q mod 4): a multiply-add takes several cycles, one chain
       per vector would wait on it */
    __m256i a[4][2];
    for (int c = 0; c < 4; ++c) a[c][0] = a[c][1] = _mm256_setzero_si256();
    Py_ssize_t q = 0;
    for (; q + 4 <= kp; q += 4) {
        for (int c = 0; c < 4; ++c) {
            const __m256i xv = _mm256_set1_epi32(pairs[q + c]);
            const __m256i *wv = (const __m256i *)(wq + (q + c) * 2 * H_BLOCK);
            a[c][0] = _mm256_add_epi32(a[c][0], _mm256_madd_epi16(xv, _mm256_loadu_si256(wv)));
            a[c][1] = _mm256_add_epi32(a[c][1], _mm256_madd_epi16(xv, _mm256_loadu_si256(wv + 1)));
        }
    }
    for (; q < kp; ++q) {
        const __m256i xv = _mm256_set1_epi32(pairs[q]);
        const __m256i *wv = (const __m256i *)(wq + q * 2 * H_BLOCK);
        a[0][0] = _mm256_add_epi32(a[0][0], _mm256_madd_epi16(xv, _mm256_loadu_si256(wv)));
        a[0][1] = _mm256_add_epi32(a[0][1], _mm256_madd_epi16(xv, _mm256_loadu_si256(wv + 1)));
    }
    for (int v = 0; v < 2; ++v) {
        const __m256i sum = _mm256_add_epi32(_mm256_add_epi32(a[0][v], a[1][v]), _mm256_add_epi32(a[2][v], a[3][v]));
        _mm256_storeu_si256((__m256i *)(p + 8 * v), sum);
    }
}

/* Four consecutive blocks (64 outputs) in one pass over the input pairs: eight independent sums */
static inline void int_block4(const int32_t *pairs, const int16_t *wq, Py_ssize_t kp, int32_t *p) {
    __m256i a[8];
    for (int j = 0; j < 8; ++j) a[j] = _mm256_setzero_si256();
    const Py_ssize_t blk = kp * 2 * H_BLOCK; /* int16 per block */
    for (Py_ssize_t q = 0; q < kp; ++q) {
        const __m256i xv = _mm256_set1_epi32(pairs[q]);
        for (int j = 0; j < 4; ++j) {
            const __m256i *wv = (const __m256i *)(wq + j * blk + q * 2 * H_BLOCK);
            a[2 * j] = _mm256_add_epi32(a[2 * j], _mm256_madd_epi16(xv, _mm256_loadu_si256(wv)));
            a[2 * j + 1] = _mm256_add_epi32(a[2 * j + 1], _mm256_madd_epi16(xv, _mm256_loadu_si256(wv + 1)));
        }
    }
    for (int j = 0; j < 8; ++j) _mm256_storeu_si256((__m256i *)(p + 8 * j), a[j]);
}
#else
static inline int32_t popcount64(uint64_t v) {
#if defined(__GNUC__)
    return (int32_t)__builtin_popcountll(v);
#else
    v = v - ((v >> 1) & 0x5555555555555555ULL);
    v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
    v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (int32_t)((v * 0x0101010101010101ULL) >> 56);
#endif
}

static inline void xnor_block(const uint64_t *xr, const uint64_t *wq, Py_ssize_t nw, int32_t k, int32_t *p) {
    int32_t mis[H_BLOCK] = {0};
    for (Py_ssize_t q = 0; q < nw; ++q) {
        const uint64_t xv = xr[q];
        const uint64_t *wl = wq + q * H_BLOCK;
        for (int l = 0; l < H_BLOCK; ++l) mis[l] += popcount64(xv ^ wl[l]);
    }
    for (int l = 0; l < H_BLOCK; ++l) p[l] = k - mis[l];
}

static inline void int_block(const int32_t *pairs, const int16_t *wq, Py_ssize_t kp, int32_t *p) {
    for (int l = 0; l < H_BLOCK; ++l) p[l] = 0;
    for (Py_ssize_t q = 0; q < kp; ++q) {
        const int32_t x0 = (int16_t)(pairs[q] & 0xffff), x1 = (int16_t)((uint32_t)pairs[q] >> 16);
        const int16_t *wl = wq + q * 2 * H_BLOCK;
        for (int l = 0; l < H_BLOCK; ++l) p[l] += x0 * wl[2 * l] + x1 * wl[2 * l + 1];
    }
}

static inline void int_block4(const int32_t *pairs, const int16_t *wq, Py_ssize_t kp, int32_t *p) {
    for (int j = 0; j < 4; ++j) int_block(pairs, wq + j * kp * 2 * H_BLOCK, kp, p + H_BLOCK * j);
}
#endif

/* ---- rows: accumulators, then accumulators out or threshold bits out --------------------------- */

/* One row of int16 inputs as kp int32 pairs (x[2q] in the low half, x[2q+1] or 0 in the high half) */
static void pack_pairs(const int16_t *xr, Py_ssize_t kx, int32_t *pairs) {
    for (Py_ssize_t q = 0; 2 * q < kx; ++q) {
        const uint16_t lo = (uint16_t)xr[2 * q];
        const uint16_t hi = 2 * q + 1 < kx ? (uint16_t)xr[2 * q + 1] : 0;
        pairs[q] = (int32_t)((uint32_t)lo | ((uint32_t)hi << 16));
    }
}

/* Running min/max of P over the valid lanes, and the 16-bit mask of p >= thr (with thr); branch-free:
   the output bits are data-dependent, a branch would mispredict half the time. */
#if defined(__AVX2__)
typedef struct {
    __m256i lo, hi;
} MinMax;

static inline void minmax_init(MinMax *mm) {
    mm->lo = _mm256_set1_epi32(INT32_MAX);
    mm->hi = _mm256_set1_epi32(INT32_MIN);
}

static inline void minmax_result(const MinMax *mm, int32_t *p_min, int32_t *p_max) {
    int32_t lo[8], hi[8];
    _mm256_storeu_si256((__m256i *)lo, mm->lo);
    _mm256_storeu_si256((__m256i *)hi, mm->hi);
    *p_min = INT32_MAX;
    *p_max = INT32_MIN;
    for (int l = 0; l < 8; ++l) {
        *p_min = lo[l] < *p_min ? lo[l] : *p_min;
        *p_max = hi[l] > *p_max ? hi[l] : *p_max;
    }
}

static inline uint64_t block_epilogue(int32_t *p, int lanes, const int32_t *thr, MinMax *mm) {
    for (int l = lanes; l < H_BLOCK; ++l) p[l] = p[0]; /* padding lanes must not move min/max */
    const __m256i p0 = _mm256_loadu_si256((const __m256i *)p);
    const __m256i p1 = _mm256_loadu_si256((const __m256i *)(p + 8));
    mm->lo = _mm256_min_epi32(mm->lo, _mm256_min_epi32(p0, p1));
    mm->hi = _mm256_max_epi32(mm->hi, _mm256_max_epi32(p0, p1));
    if (!thr) return 0;
    const __m256i one = _mm256_set1_epi32(1); /* p >= t  <=>  p > t - 1 (t > INT32_MIN) */
    const __m256i t0 = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)thr), one);
    const __m256i t1 = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)(thr + 8)), one);
    const uint32_t m0 = (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(p0, t0)));
    const uint32_t m1 = (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(p1, t1)));
    return (uint64_t)((m0 | (m1 << 8)) & ((1u << lanes) - 1u));
}
#else
typedef struct {
    int32_t lo, hi;
} MinMax;

static inline void minmax_init(MinMax *mm) {
    mm->lo = INT32_MAX;
    mm->hi = INT32_MIN;
}

static inline void minmax_result(const MinMax *mm, int32_t *p_min, int32_t *p_max) {
    *p_min = mm->lo;
    *p_max = mm->hi;
}

static inline uint64_t block_epilogue(int32_t *p, int lanes, const int32_t *thr, MinMax *mm) {
    uint64_t mask = 0;
    for (int l = 0; l < lanes; ++l) {
        mm->lo = p[l] < mm->lo ? p[l] : mm->lo;
        mm->hi = p[l] > mm->hi ? p[l] : mm->hi;
        mask |= (uint64_t)(thr && p[l] >= thr[l]) << l;
    }
    return mask;
}
#endif

static void run_share(Share *s) {
    const Task *t = s->t;
    const Py_ssize_t h = t->h, out_words = (h + 63) / 64;
    const Py_ssize_t w_stride = t->kind == KIND_XNOR ? t->n_in : 2 * ((t->n_in + 1) / 2);
    int32_t p[4 * H_BLOCK];
    int nb = 1; /* blocks in the group just computed: the loop step */
    MinMax mm;
    minmax_init(&mm);
    int32_t *pairs = NULL;
    if (t->kind == KIND_INT) {
        pairs = (int32_t *)malloc((size_t)(w_stride / 2 + 1) * sizeof(int32_t));
        if (!pairs) { /* out of memory: report an impossible range, the caller raises */
            s->p_min = INT32_MAX;
            s->p_max = INT32_MIN;
            s->failed = 1;
            return;
        }
    }
    for (Py_ssize_t i = s->r0; i < s->r1; ++i) {
        uint64_t *bit_row = t->thr ? t->bits + i * out_words : NULL;
        if (bit_row) memset(bit_row, 0, (size_t)out_words * sizeof(uint64_t));
        if (pairs) pack_pairs((const int16_t *)t->x + i * t->n_in, t->n_in, pairs);
        for (Py_ssize_t g = 0; g < h; g += H_BLOCK * nb) {
            /* a group of blocks: 4 for integer inputs when there are 64 outputs left (more independent
               sums in flight), else 1 */
            int group = 1;
            if (t->kind == KIND_XNOR) {
                xnor_block((const uint64_t *)t->x + i * t->n_in, (const uint64_t *)t->w + g * w_stride,
                           t->n_in, t->k, p);
            } else if (g + 4 * H_BLOCK <= h) {
                int_block4(pairs, (const int16_t *)t->w + g * w_stride, w_stride / 2, p);
                group = 4;
            } else {
                int_block(pairs, (const int16_t *)t->w + g * w_stride, w_stride / 2, p);
            }
            for (int b = 0; b < group; ++b) {
                const Py_ssize_t o = g + b * H_BLOCK;
                int32_t *pb = p + b * H_BLOCK;
                const int lanes = h - o < H_BLOCK ? (int)(h - o) : H_BLOCK;
                const uint64_t mask = block_epilogue(pb, lanes, bit_row ? t->thr + o : NULL, &mm);
                if (bit_row) {
                    bit_row[o >> 6] |= mask << (o & 63); /* o % 16 == 0: never straddles a word */
                } else {
                    memcpy(t->acc + i * h + o, pb, (size_t)lanes * sizeof(int32_t));
                }
            }
            nb = group;
        }
    }
    free(pairs);
    minmax_result(&mm, &s->p_min, &s->p_max);
}

/* ---- a persistent worker pool ------------------------------------------------------------------
 * Starting threads per call costs tens of microseconds here (more than a batch-1 layer takes), so the
 * workers persist: after a job a worker spins up to SPIN_NS for the next one, then sleeps on a
 * condition variable. Rows are cut into chunks that the caller and the workers claim from one atomic
 * ticket, so a worker that is slow to wake never holds the caller up: the caller takes the chunks
 * nobody has claimed. One job runs at a time (a second concurrent caller computes alone); a forked
 * child starts with no workers. */

#define SPIN_NS 200000L
#define CHUNKS_PER_THREAD 4
#define TICKET_BITS 20 /* ticket: chunks << 20 | next chunk */
#define TICKET_MASK ((1LL << TICKET_BITS) - 1)

static struct {
    const Task *task;
    Py_ssize_t m, chunk;
    atomic_llong ticket;
    atomic_long done;
    atomic_int p_min, p_max, failed;
} g_job;
static atomic_uint g_generation;
static atomic_int g_sleepers;
static pthread_mutex_t g_sleep_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wake = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t g_dispatch = PTHREAD_MUTEX_INITIALIZER;
static int g_workers;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void atomic_min_int(atomic_int *a, int v) {
    int cur = atomic_load(a);
    while (v < cur && !atomic_compare_exchange_weak(a, &cur, v)) {
    }
}

static void atomic_max_int(atomic_int *a, int v) {
    int cur = atomic_load(a);
    while (v > cur && !atomic_compare_exchange_weak(a, &cur, v)) {
    }
}

/* Claim and run chunks of the current job until none is left. */
static void work_chunks(void) {
    for (;;) {
        const long long t = atomic_fetch_add(&g_job.ticket, 1);
        const long long idx = t & TICKET_MASK, n = (t >> TICKET_BITS) & TICKET_MASK;
        if (idx >= n) return; /* this job is fully claimed (or over): its parameters may be changing */
        Share s = {g_job.task, idx * g_job.chunk, (idx + 1) * g_job.chunk, 0, 0, 0};
        if (s.r1 > g_job.m) s.r1 = g_job.m;
        run_share(&s);
        atomic_min_int(&g_job.p_min, s.p_min);
        atomic_max_int(&g_job.p_max, s.p_max);
        if (s.failed) atomic_store(&g_job.failed, 1);
        atomic_fetch_add(&g_job.done, 1);
    }
}

static long elapsed_ns(const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long)(t1.tv_sec - t0->tv_sec) * 1000000000L + (t1.tv_nsec - t0->tv_nsec);
}

static void *worker_main(void *arg) {
    (void)arg;
    unsigned seen = atomic_load(&g_generation);
    for (;;) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        unsigned gen;
        long spins = 0;
        while ((gen = atomic_load(&g_generation)) == seen) {
            if ((++spins & 255) == 0 && elapsed_ns(&t0) > SPIN_NS) {
                pthread_mutex_lock(&g_sleep_mu);
                atomic_fetch_add(&g_sleepers, 1);
                while ((gen = atomic_load(&g_generation)) == seen) pthread_cond_wait(&g_wake, &g_sleep_mu);
                atomic_fetch_sub(&g_sleepers, 1);
                pthread_mutex_unlock(&g_sleep_mu);
                break;
            }
            cpu_relax();
        }
        seen = gen;
        work_chunks();
    }
    return NULL;
}

static void after_fork_in_child(void) {
    /* only the forking thread exists in the child: forget the workers, reset the locks */
    g_workers = 0;
    pthread_mutex_init(&g_sleep_mu, NULL);
    pthread_cond_init(&g_wake, NULL);
    pthread_mutex_init(&g_dispatch, NULL);
    atomic_store(&g_sleepers, 0);
}

/* Start workers up to `n` (called with g_dispatch held); returns how many exist. */
static int ensure_workers(int n) {
    static int atfork_registered = 0;
    if (!atfork_registered) atfork_registered = pthread_atfork(NULL, NULL, after_fork_in_child) == 0;
    while (g_workers < n) {
        pthread_t tid;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        const int ok = pthread_create(&tid, &attr, worker_main, NULL) == 0;
        pthread_attr_destroy(&attr);
        if (!ok) break;
        ++g_workers;
    }
    return g_workers;
}

/* Run the task over rows [0, m): on the calling thread alone, or with the pool when there is enough
   work; (p_min, p_max) of all rows. Returns 1 if out of memory. */
static int run_task(const Task *t, Py_ssize_t m, int threads, int32_t *p_min, int32_t *p_max) {
    const long long per_row = t->kind == KIND_XNOR ? (long long)t->n_in * t->h : (long long)t->n_in * t->h / 16;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    if (threads > 1 && m >= 2 && per_row * (long long)m >= PARALLEL_MIN_OPS &&
        pthread_mutex_trylock(&g_dispatch) == 0) {
        if (ensure_workers(threads - 1) > 0) {
            long long n = (long long)threads * CHUNKS_PER_THREAD;
            if (n > m) n = m;
            g_job.task = t;
            g_job.m = m;
            g_job.chunk = (m + n - 1) / n;
            n = (m + g_job.chunk - 1) / g_job.chunk;
            atomic_store(&g_job.done, 0);
            atomic_store(&g_job.p_min, INT32_MAX);
            atomic_store(&g_job.p_max, INT32_MIN);
            atomic_store(&g_job.failed, 0);
            atomic_store(&g_job.ticket, n << TICKET_BITS);
            atomic_fetch_add(&g_generation, 1);
            if (atomic_load(&g_sleepers) > 0) {
                pthread_mutex_lock(&g_sleep_mu);
                pthread_cond_broadcast(&g_wake);
                pthread_mutex_unlock(&g_sleep_mu);
            }
            work_chunks();
            while (atomic_load(&g_job.done) < n) cpu_relax(); /* claimed chunks still running */
            *p_min = atomic_load(&g_job.p_min);
            *p_max = atomic_load(&g_job.p_max);
            const int failed = atomic_load(&g_job.failed);
            pthread_mutex_unlock(&g_dispatch);
            return failed;
        }
        pthread_mutex_unlock(&g_dispatch);
    }
    Share s = {t, 0, m, 0, 0, 0};
    run_share(&s);
    *p_min = s.p_min;
    *p_max = s.p_max;
    return s.failed;
}

/* ---- Python entry points ------------------------------------------------------------------------ */

static Py_ssize_t blocks16(Py_ssize_t h) { return (h + H_BLOCK - 1) / H_BLOCK * H_BLOCK; }

static int check_len(const Py_buffer *b, Py_ssize_t want, const char *name) {
    if (b->len != want) {
        PyErr_Format(PyExc_ValueError, "%s: buffer has %zd bytes, expected %zd", name, b->len, want);
        return 0;
    }
    return 1;
}

/* Shared body of the four entry points. thr_obj == NULL: accumulator variant. */
static PyObject *run_entry(int kind, PyObject *x_obj, PyObject *w_obj, PyObject *thr_obj, PyObject *out_obj,
                           Py_ssize_t m, Py_ssize_t n_in, Py_ssize_t h, int k, int threads) {
    Py_buffer x = {0}, w = {0}, thr = {0}, out = {0};
    PyObject *ret = NULL;
    const Py_ssize_t x_item = kind == KIND_XNOR ? 8 : 2;
    const Py_ssize_t w_len = kind == KIND_XNOR ? blocks16(h) * n_in * 8 : blocks16(h) * 2 * ((n_in + 1) / 2) * 2;
    if (m < 0 || n_in < 0 || h < 0 || k < 0) {
        PyErr_SetString(PyExc_ValueError, "m, n_in, h and k must be >= 0");
        return NULL;
    }
    if (PyObject_GetBuffer(x_obj, &x, PyBUF_C_CONTIGUOUS) < 0) goto done;
    if (PyObject_GetBuffer(w_obj, &w, PyBUF_C_CONTIGUOUS) < 0) goto done;
    if (thr_obj && PyObject_GetBuffer(thr_obj, &thr, PyBUF_C_CONTIGUOUS) < 0) goto done;
    if (PyObject_GetBuffer(out_obj, &out, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) goto done;
    if (!check_len(&x, m * n_in * x_item, "x") || !check_len(&w, w_len, "weights")) goto done;
    if (thr_obj && (!check_len(&thr, blocks16(h) * 4, "thr") ||
                    !check_len(&out, m * ((h + 63) / 64) * 8, "out")))
        goto done;
    if (!thr_obj && !check_len(&out, m * h * 4, "out")) goto done;
    {
        Task t = {kind, x.buf, w.buf, thr_obj ? (const int32_t *)thr.buf : NULL,
                  thr_obj ? NULL : (int32_t *)out.buf, thr_obj ? (uint64_t *)out.buf : NULL, n_in, h, k};
        int32_t p_min, p_max;
        int failed;
        Py_BEGIN_ALLOW_THREADS
        failed = run_task(&t, m, threads, &p_min, &p_max);
        Py_END_ALLOW_THREADS
        ret = failed ? PyErr_NoMemory() : Py_BuildValue("(ii)", (int)p_min, (int)p_max);
    }
done:
    if (x.obj) PyBuffer_Release(&x);
    if (w.obj) PyBuffer_Release(&w);
    if (thr.obj) PyBuffer_Release(&thr);
    if (out.obj) PyBuffer_Release(&out);
    return ret;
}

#define MAX_STAGES 32

/* xnor_chain(x, stages, out, m, threads): consecutive XNOR layers in one call. stages: a sequence of
   (wb, thr or None, nw, h, k); every stage but the last thresholds into packed bits that are the next
   stage's input rows (so ceil(h / 64) must equal the next nw); the last writes bits (thr given) or
   accumulators (None) to out. Returns a tuple of (p_min, p_max) per stage. */
static PyObject *xnor_chain(PyObject *self, PyObject *args) {
    PyObject *x_obj, *stages, *out_obj;
    Py_ssize_t m;
    int threads;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOOni", &x_obj, &stages, &out_obj, &m, &threads)) return NULL;
    PyObject *seq = PySequence_Fast(stages, "stages must be a sequence");
    if (!seq) return NULL;
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    Py_buffer x = {0}, out = {0}, wb[MAX_STAGES], thr[MAX_STAGES];
    Task tasks[MAX_STAGES];
    uint64_t *tmp[MAX_STAGES] = {0};
    int32_t p_min[MAX_STAGES], p_max[MAX_STAGES];
    Py_ssize_t got = 0;
    PyObject *ret = NULL;
    memset(wb, 0, sizeof(wb));
    memset(thr, 0, sizeof(thr));
    if (n < 1 || n > MAX_STAGES || m < 0) {
        PyErr_Format(PyExc_ValueError, "1 to %d stages and m >= 0 expected", MAX_STAGES);
        goto done;
    }
    if (PyObject_GetBuffer(x_obj, &x, PyBUF_C_CONTIGUOUS) < 0) goto done;
    if (PyObject_GetBuffer(out_obj, &out, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) goto done;
    for (got = 0; got < n; ++got) {
        PyObject *w_obj, *t_obj;
        Py_ssize_t nw, h;
        int k;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, got), "OOnni", &w_obj, &t_obj, &nw, &h, &k)) goto done;
        const int last = got == n - 1, has_thr = t_obj != Py_None;
        if (nw < 0 || h < 0 || k < 0 || (!last && !has_thr)) {
            PyErr_Format(PyExc_ValueError, "stage %zd: bad sizes, or no thresholds before the last stage", got);
            goto done;
        }
        if (got > 0 && tasks[got - 1].h > 0 && (tasks[got - 1].h + 63) / 64 != nw) {
            PyErr_Format(PyExc_ValueError, "stage %zd: %zd input words, previous stage gives %zd", got, nw,
                         (tasks[got - 1].h + 63) / 64);
            goto done;
        }
        if (PyObject_GetBuffer(w_obj, &wb[got], PyBUF_C_CONTIGUOUS) < 0) goto done;
        if (has_thr && PyObject_GetBuffer(t_obj, &thr[got], PyBUF_C_CONTIGUOUS) < 0) goto done;
        if (!check_len(&wb[got], blocks16(h) * nw * 8, "weights") ||
            (has_thr && !check_len(&thr[got], blocks16(h) * 4, "thr")))
            goto done;
        tasks[got] = (Task){KIND_XNOR, NULL, wb[got].buf, has_thr ? (const int32_t *)thr[got].buf : NULL,
                            NULL, NULL, nw, h, k};
        if (!last) {
            tmp[got] = (uint64_t *)PyMem_RawMalloc((size_t)(m * ((h + 63) / 64)) * 8 + 8);
            if (!tmp[got]) {
                PyErr_NoMemory();
                goto done;
            }
            tasks[got].bits = tmp[got];
        } else if (has_thr) {
            if (!check_len(&out, m * ((h + 63) / 64) * 8, "out")) goto done;
            tasks[got].bits = (uint64_t *)out.buf;
        } else {
            if (!check_len(&out, m * h * 4, "out")) goto done;
            tasks[got].acc = (int32_t *)out.buf;
        }
        tasks[got].x = got == 0 ? x.buf : (const void *)tmp[got - 1];
    }
    if (!check_len(&x, m * tasks[0].n_in * 8, "x")) goto done;
    {
        int failed = 0;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n && !failed; ++i) failed = run_task(&tasks[i], m, threads, &p_min[i], &p_max[i]);
        Py_END_ALLOW_THREADS
        if (failed) {
            PyErr_NoMemory();
            goto done;
        }
        ret = PyTuple_New(n);
        for (Py_ssize_t i = 0; ret && i < n; ++i)
            PyTuple_SET_ITEM(ret, i, Py_BuildValue("(ii)", (int)p_min[i], (int)p_max[i]));
    }
done:
    for (Py_ssize_t i = 0; i < MAX_STAGES; ++i) {
        if (wb[i].obj) PyBuffer_Release(&wb[i]);
        if (thr[i].obj) PyBuffer_Release(&thr[i]);
        PyMem_RawFree(tmp[i]);
    }
    if (x.obj) PyBuffer_Release(&x);
    if (out.obj) PyBuffer_Release(&out);
    Py_DECREF(seq);
    return ret;
}

static PyObject *xnor_acc(PyObject *self, PyObject *args) {
    PyObject *x, *w, *out;
    Py_ssize_t m, nw, h;
    int k, threads;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOOnnnii", &x, &w, &out, &m, &nw, &h, &k, &threads)) return NULL;
    return run_entry(KIND_XNOR, x, w, NULL, out, m, nw, h, k, threads);
}

static PyObject *xnor_threshold_bits(PyObject *self, PyObject *args) {
    PyObject *x, *w, *thr, *out;
    Py_ssize_t m, nw, h;
    int k, threads;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOOOnnnii", &x, &w, &thr, &out, &m, &nw, &h, &k, &threads)) return NULL;
    return run_entry(KIND_XNOR, x, w, thr, out, m, nw, h, k, threads);
}

static PyObject *int_acc(PyObject *self, PyObject *args) {
    PyObject *x, *w, *out;
    Py_ssize_t m, kx, h;
    int threads;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOOnnni", &x, &w, &out, &m, &kx, &h, &threads)) return NULL;
    return run_entry(KIND_INT, x, w, NULL, out, m, kx, h, 0, threads);
}

static PyObject *int_threshold_bits(PyObject *self, PyObject *args) {
    PyObject *x, *w, *thr, *out;
    Py_ssize_t m, kx, h;
    int threads;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOOOnnni", &x, &w, &thr, &out, &m, &kx, &h, &threads)) return NULL;
    return run_entry(KIND_INT, x, w, thr, out, m, kx, h, 0, threads);
}

static PyMethodDef methods[] = {
    {"xnor_acc", xnor_acc, METH_VARARGS,
     "xnor_acc(x, wb, out, m, nw, h, k, threads) -> (p_min, p_max); out (M, H) int32 = P."},
    {"xnor_threshold_bits", xnor_threshold_bits, METH_VARARGS,
     "xnor_threshold_bits(x, wb, thr, out, m, nw, h, k, threads) -> (p_min, p_max); out = bits P >= thr."},
    {"xnor_chain", xnor_chain, METH_VARARGS,
     "xnor_chain(x, stages, out, m, threads) -> ((p_min, p_max), ...); stages: (wb, thr|None, nw, h, k)."},
    {"int_acc", int_acc, METH_VARARGS,
     "int_acc(x, wi, out, m, kx, h, threads) -> (p_min, p_max); out (M, H) int32 = x @ w."},
    {"int_threshold_bits", int_threshold_bits, METH_VARARGS,
     "int_threshold_bits(x, wi, thr, out, m, kx, h, threads) -> (p_min, p_max); out = bits P >= thr."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_pcnn_kernels", "Native MVAU kernels of pcnn_hw.sim.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__pcnn_kernels(void) { return PyModule_Create(&module); }
