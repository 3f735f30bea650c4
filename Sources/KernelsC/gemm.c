// Matrix products for BaseServe's forward pass.
//
// Prompt processing (many tokens): weight rows are dequantized tile by tile, once per
// call, into fp32 panels of 32 rows stored k-major ([k][32]), sized to stay in L2. A
// register-blocked AVX-512 kernel then multiplies up to 12 tokens at a time by a panel:
// 24 accumulators, two panel loads and 12 broadcast activations per k. Activations are
// read in place (row-major), so nothing but the weights is ever repacked.
// With AVX2 and FMA only, the same scheme runs with 16-row panels and a 6x16 register
// tile (kc_ukernel256.h). OpenBLAS remains for other CPUs: there the tile is dequantized
// row-major and handed to cblas_sgemm. (Measured on a Zen 3 with AVX2: OpenBLAS spent
// about a fifth of its time packing the activations again for every tile and zeroing
// the output, work this layout never does.)
#include "kc_gemm.h"
#include "kc_quant.h"
#include "kc_internal.h"
#include "kc_ukernel.h"
#include "kc_ukernel256.h"
#include "kc_blas.h"
#include <pthread.h>

static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
void kc_blas_init(void) { pthread_once(&blas_once, kc_blas_one_thread); }

// About 512 KiB of fp32 weights per tile: half of a 1 MiB L2, the rest for activations.
#define TILE_FLOATS (128 * 1024)
// Whether AVX2 machines use BaseServe's own GEMM (1) or OpenBLAS (0): a switch for
// benchmarks that compare the two, and for tests that check both.
static _Atomic int gemm_avx2 = 1;
void kc_set_gemm_avx2(int on) { gemm_avx2 = on != 0; }

// Below this many tokens the fused dequantize-and-dot path (dot.c) is faster. Measured
// per SIMD level: with AVX-512 the dot kernels keep up to 40 tokens; with AVX2 the 6x16
// tile wins from about 12 (Zen 3, one thread: 10 tokens even, 16 tokens 15% faster).
// 0 means "by SIMD level"; benchmarks and tests may set a fixed value.
static int64_t gemm_min_tokens = 0;

int64_t kc_gemm_min_tokens(void) { return gemm_min_tokens; }
void kc_set_gemm_min_tokens(int64_t tokens) { gemm_min_tokens = tokens < 0 ? 0 : tokens; }
static int64_t gemm_threshold(void) {
    if (gemm_min_tokens > 0) return gemm_min_tokens;
    return kc_has_avx512() ? 40 : kc_has_avx2() && gemm_avx2 ? 12 : 40;
}


typedef struct {
    int type;
    const uint8_t *w;
    int64_t rb, rows, cols, tokens, panels, tiles, chunk;
    const float *x;
    float *y;
} mm_job;

static void matvec_task(void *ctx, int64_t i) {
    const mm_job *j = (const mm_job *)ctx;
    const int64_t r0 = i * j->chunk, r1 = r0 + j->chunk < j->rows ? r0 + j->chunk : j->rows;
    kc_matvec_rows(j->type, j->w, j->cols, r0, r1, j->x, j->tokens, j->y, j->rows);
}

// Portable tile: row-major dequantized rows and OpenBLAS.
static void tile_blas(const mm_job *j, int64_t r0, int64_t r1) {
    kc_blas_init();
    const int64_t n = r1 - r0, K = j->cols;
    float *tile = kc_scratch(0, n * K);
    for (int64_t r = 0; r < n; r++) kc_dequantize_row(j->type, j->w + (r0 + r) * j->rb, tile + r * K, K);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (kc_blasint)j->tokens, (kc_blasint)n, (kc_blasint)K,
                1.0f, j->x, (kc_blasint)K, tile, (kc_blasint)K, 0.0f, j->y + r0, (kc_blasint)j->rows);
}

#if KC_X86

// Dequantizes rows [r0, r0+32) (zero past the matrix end) into a k-major panel. Work
// goes one column strip (a block, or 64 plain values) at a time through an L1-sized
// row-major buffer, then 16x16 blocks are transposed in registers.
KC_AVX512 static void pack_panel(const mm_job *j, int64_t r0, float *panel, float *buf) {
    const int64_t K = j->cols, bs = kc_block_size(j->type), bb = kc_block_bytes(j->type);
    const int64_t strip = bs == 1 ? 64 : bs;
    for (int64_t k0 = 0; k0 < K; k0 += strip) {
        const int64_t n = K - k0 < strip ? K - k0 : strip;
        for (int64_t rr = 0; rr < PANEL; rr++) {
            if (r0 + rr < j->rows) kc_dequantize_row(j->type, j->w + (r0 + rr) * j->rb + k0 / bs * bb, buf + rr * strip, n);
            else memset(buf + rr * strip, 0, (size_t)n * sizeof(float));
        }
        int64_t k = 0;
        for (; k + 16 <= n; k += 16) {
            for (int h = 0; h < 2; h++) {
                __m512 r[16];
                for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(buf + (h * 16 + i) * strip + k);
                transpose16(r);
                for (int i = 0; i < 16; i++) _mm512_store_ps(panel + (k0 + k + i) * PANEL + h * 16, r[i]);
            }
        }
        for (; k < n; k++)  // plain types only: a row need not be a multiple of 16 long
            for (int rr = 0; rr < PANEL; rr++) panel[(k0 + k) * PANEL + rr] = buf[rr * strip + k];
    }
}

KC_AVX512 static void tile_avx512(const mm_job *j, int64_t p0, int64_t p1) {
    const int64_t K = j->cols, np = p1 - p0;
    float *panels = kc_scratch(0, np * PANEL * K);
    float *buf = kc_scratch(1, PANEL * 256);
    for (int64_t p = 0; p < np; p++) pack_panel(j, (p0 + p) * PANEL, panels + p * PANEL * K, buf);
    for (int64_t t0 = 0; t0 < j->tokens; t0 += MR) {
        const int mr = (int)(j->tokens - t0 < MR ? j->tokens - t0 : MR);
        for (int64_t p = 0; p < np; p++) {
            const int64_t r0 = (p0 + p) * PANEL, left = j->rows - r0;
            const __mmask16 m0 = kc_mask_lo(left), m1 = kc_mask_hi(left);
            ukernel_any(panels + p * PANEL * K, j->x + t0 * K, K, K, j->y + t0 * j->rows + r0, j->rows, m0, m1, mr, 0, 1, 0);
        }
    }
}

// AVX2: rows [r0, r0+16) (zero past the matrix end) into a k-major [k][16] panel, one
// column strip at a time through an L1-sized row-major buffer, then 8x8 transposes.
KC_AVX2_GEMM static void pack_panel256(const mm_job *j, int64_t r0, float *panel, float *buf) {
    const int64_t K = j->cols, bs = kc_block_size(j->type), bb = kc_block_bytes(j->type);
    const int64_t strip = bs == 1 ? 64 : bs;
    for (int64_t k0 = 0; k0 < K; k0 += strip) {
        const int64_t n = K - k0 < strip ? K - k0 : strip;
        for (int64_t rr = 0; rr < PANEL256; rr++) {
            if (r0 + rr < j->rows) kc_dequantize_row(j->type, j->w + (r0 + rr) * j->rb + k0 / bs * bb, buf + rr * strip, n);
            else memset(buf + rr * strip, 0, (size_t)n * sizeof(float));
        }
        int64_t k = 0;
        for (; k + 8 <= n; k += 8) {
            for (int h = 0; h < 2; h++) {
                __m256 r[8];
                for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(buf + (h * 8 + i) * strip + k);
                transpose8(r);
                for (int i = 0; i < 8; i++) _mm256_store_ps(panel + (k0 + k + i) * PANEL256 + h * 8, r[i]);
            }
        }
        for (; k < n; k++)  // plain types only: a row need not be a multiple of 8 long
            for (int rr = 0; rr < PANEL256; rr++) panel[(k0 + k) * PANEL256 + rr] = buf[rr * strip + k];
    }
}

// AVX2 tile: rows [r0, r1), every token. The tile's panels are packed once, then each
// block of 6 tokens sweeps them while its activations stay in L1.
KC_AVX2_GEMM static void tile_avx2(const mm_job *j, int64_t r0, int64_t r1) {
    const int64_t K = j->cols, np = (r1 - r0 + PANEL256 - 1) / PANEL256;
    float *panels = kc_scratch(0, np * PANEL256 * K);
    float *buf = kc_scratch(1, PANEL256 * 256);
    for (int64_t p = 0; p < np; p++) pack_panel256(j, r0 + p * PANEL256, panels + p * PANEL256 * K, buf);
    for (int64_t t0 = 0; t0 < j->tokens; t0 += MR256) {
        const int mr = (int)(j->tokens - t0 < MR256 ? j->tokens - t0 : MR256);
        for (int64_t p = 0; p < np; p++) {
            const int64_t rp = r0 + p * PANEL256;
            ukernel256_any(panels + p * PANEL256 * K, j->x + t0 * K, K, K, j->y + t0 * j->rows + rp, j->rows,
                           r1 - rp, mr, 0, 1, 0);
        }
    }
}
#endif

static void tile_task(void *ctx, int64_t i) {
    const mm_job *j = (const mm_job *)ctx;
    const int64_t p0 = i * j->panels / j->tiles, p1 = (i + 1) * j->panels / j->tiles;
    const int64_t r1 = p1 * PANEL < j->rows ? p1 * PANEL : j->rows;
#if KC_X86
    if (kc_has_avx512()) { tile_avx512(j, p0, p1); return; }
    if (kc_has_avx2() && gemm_avx2) { tile_avx2(j, p0 * PANEL, r1); return; }
#endif
    tile_blas(j, p0 * PANEL, r1);
}

// Rows per matvec task for `rows` rows in all: several chunks per thread even out uneven
// progress; at least 16 rows each, and a multiple of 4 (the decode kernels' row group).
static int64_t matvec_chunk(int64_t rows, int64_t threads) {
    int64_t chunk = (rows + 4 * threads - 1) / (4 * threads);
    if (chunk < 16) chunk = 16;
    return (chunk + 3) / 4 * 4;
}

#define KC_GROUP_MAX 4
typedef struct {
    int count;
    mm_job jobs[KC_GROUP_MAX];
    int64_t first_task[KC_GROUP_MAX + 1];  // task index where each part's chunks begin
} mm_group;

static void group_task(void *ctx, int64_t i) {
    const mm_group *g = (const mm_group *)ctx;
    int k = 0;
    while (i >= g->first_task[k + 1]) k++;
    matvec_task((void *)&g->jobs[k], i - g->first_task[k]);
}

void kc_matmul_group(kc_pool *pool, const kc_matmul_part *parts, int count, int64_t cols,
                     const float *x, int64_t tokens) {
    if (tokens <= 0) return;
    if (count > KC_GROUP_MAX || tokens >= gemm_threshold()) {
        for (int k = 0; k < count; k++) kc_matmul(pool, parts[k].type, parts[k].w, parts[k].rows, cols, x, tokens, parts[k].y);
        return;
    }
    int64_t rows = 0;
    for (int k = 0; k < count; k++) rows += parts[k].rows > 0 ? parts[k].rows : 0;
    const int64_t chunk = matvec_chunk(rows, kc_pool_threads(pool));
    mm_group g = {.count = count};
    g.first_task[0] = 0;
    for (int k = 0; k < count; k++) {
        const int64_t r = parts[k].rows > 0 ? parts[k].rows : 0;
        g.jobs[k] = (mm_job){
            .type = parts[k].type, .w = (const uint8_t *)parts[k].w,
            .rb = cols / kc_block_size(parts[k].type) * kc_block_bytes(parts[k].type),
            .rows = r, .cols = cols, .tokens = tokens, .x = x, .y = parts[k].y, .chunk = chunk,
        };
        g.first_task[k + 1] = g.first_task[k] + (r + chunk - 1) / chunk;
    }
    kc_pool_run(pool, g.first_task[count], group_task, &g);
}

void kc_matmul(kc_pool *pool, int type, const void *w, int64_t rows, int64_t cols,
               const float *x, int64_t tokens, float *y) {
    if (rows <= 0 || tokens <= 0) return;
    const int64_t threads = kc_pool_threads(pool);
    mm_job j = {
        .type = type, .w = (const uint8_t *)w, .rb = cols / kc_block_size(type) * kc_block_bytes(type),
        .rows = rows, .cols = cols, .tokens = tokens, .x = x, .y = y,
    };
    if (tokens < gemm_threshold()) {
        j.chunk = matvec_chunk(rows, threads);
        kc_pool_run(pool, (rows + j.chunk - 1) / j.chunk, matvec_task, &j);
        return;
    }
    // Tiles of whole panels, as many as L2 requires, rounded up to a multiple of the
    // thread count and evened out so that the threads finish together.
    j.panels = (rows + PANEL - 1) / PANEL;
    int64_t per_tile = TILE_FLOATS / (PANEL * (cols > 0 ? cols : 1));
    if (per_tile < 1) per_tile = 1;
    int64_t tiles = (j.panels + per_tile - 1) / per_tile;
    tiles = (tiles + threads - 1) / threads * threads;
    j.tiles = tiles < j.panels ? tiles : j.panels;
    kc_pool_run(pool, j.tiles, tile_task, &j);
}
