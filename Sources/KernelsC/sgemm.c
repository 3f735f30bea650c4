// Row-major fp32 GEMM for attention (scores = Q K^T, context = P V), one head per call,
// single-threaded and reentrant. With AVX-512, op(B) is packed into k-major 32-column
// panels and op(A) is read in place (or packed once when transposed), then the same 12x32
// register-blocked kernel as the weight matmuls runs with an alpha/beta epilogue.
// Tiny products and machines without AVX-512 go to OpenBLAS.
#include "kc_gemm.h"
#include "kc_internal.h"
#include "kc_ukernel.h"
#include <cblas.h>
#include <string.h>

#if KC_X86
KC_AVX512 static void sgemm512(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha,
                               const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                               float *c, int64_t ldc) {
    // op(A) row-major with leading dimension lda_eff.
    const float *arows = a;
    int64_t lda_eff = lda;
    if (transA) {
        float *ap = kc_scratch(3, m * k);
        for (int64_t kk = 0; kk < k; kk++)
            for (int64_t i = 0; i < m; i++) ap[i * k + kk] = a[kk * lda + i];
        arows = ap;
        lda_eff = k;
    }
    float *panel = kc_scratch(2, k * PANEL);
    for (int64_t j0 = 0; j0 < n; j0 += PANEL) {
        const int64_t nb = n - j0 < PANEL ? n - j0 : PANEL;
        if (!transB) {  // rows of B are k: copy 32-wide slices, zero-padded
            const __mmask16 m0 = kc_mask_lo(nb), m1 = kc_mask_hi(nb);
            for (int64_t kk = 0; kk < k; kk++) {
                _mm512_store_ps(panel + kk * PANEL, _mm512_maskz_loadu_ps(m0, b + kk * ldb + j0));
                _mm512_store_ps(panel + kk * PANEL + 16, _mm512_maskz_loadu_ps(m1, b + kk * ldb + j0 + 16));
            }
        } else {  // columns of op(B) are rows of B: transpose
            if (nb < PANEL) memset(panel, 0, (size_t)(k * PANEL) * sizeof(float));
            for (int64_t jj = 0; jj < nb; jj++) {
                const float *src = b + (j0 + jj) * ldb;
                for (int64_t kk = 0; kk < k; kk++) panel[kk * PANEL + jj] = src[kk];
            }
        }
        const __mmask16 m0 = kc_mask_lo(nb), m1 = kc_mask_hi(nb);
        for (int64_t i0 = 0; i0 < m; i0 += MR) {
            const int mr = (int)(m - i0 < MR ? m - i0 : MR);
            ukernel_any(panel, arows + i0 * lda_eff, lda_eff, k, c + i0 * ldc + j0, ldc, m0, m1, mr, 1, alpha, beta);
        }
    }
}
#endif

void kc_sgemm(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha,
              const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
              float *c, int64_t ldc) {
    if (m <= 0 || n <= 0) return;
#if KC_X86
    // Worth packing only when each packed panel feeds a few rows of A.
    if (kc_has_avx512() && m >= 4 && k > 0) {
        sgemm512(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
#endif
    kc_blas_init();
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                (blasint)m, (blasint)n, (blasint)k, alpha, a, (blasint)lda, b, (blasint)ldb, beta,
                c, (blasint)ldc);
}
