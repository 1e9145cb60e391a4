#pragma once
// OpenBLAS (Debian libopenblas-openmp) for the native PPO backend, loaded with dlopen on first
// use so that commands which never train do not pay its start-up, and so that its kernel
// choice can be made before it initializes: OpenBLAS 0.3.21 (Debian 12) does not know AMD
// Zen 4/5 and falls back to its AVX2 "Haswell" kernels, half the sgemm rate of its AVX-512
// "SkylakeX" kernels on those CPUs (measured: 107 vs 206 GFLOP/s for a PPO minibatch's
// products). With USDCOP_OPENBLAS_AVX512=1, when OPENBLAS_CORETYPE is unset and the CPU is an
// AMD family >= 0x19 with AVX-512 F/CD/BW/DQ/VL, it is set to SkylakeX before loading (opt-in:
// OpenBLAS's own choice stays the default). libtorch links the same
// libopenblas.so.0, and the libtorch backend loader loads this first, so both backends in one
// process run the same kernels. Matrices are row-major.
#include <string>

namespace usdcop::learn::blas {

enum class Op { none, transpose };

// C = alpha·op(A)·op(B) + beta·C, with op(A) m×k, op(B) k×n, C m×n.
void gemm(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc);
void gemm(Op op_a, Op op_b, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc);
// y = alpha·op(A)·x + beta·y, A m×n.
void gemv(Op op_a, int m, int n, float alpha, const float* a, int lda, const float* x, float beta,
          float* y);
void gemv(Op op_a, int m, int n, double alpha, const double* a, int lda, const double* x,
          double beta, double* y);

// Threads for OpenBLAS and OpenMP (0 = all cores); returns the count in effect.
int set_threads(int threads);
// "OpenBLAS 0.3.21 … (core SkylakeX, OPENBLAS_CORETYPE set by usdcop)".
std::string description();
// Loads the library (idempotent); throws Error(unavailable) naming the paths tried.
void load();

}  // namespace usdcop::learn::blas
