#include "learn/blas.hpp"

#include <cblas.h>
#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <thread>

#include "core/error.hpp"

#ifndef USDCOP_OPENBLAS_PATH
#define USDCOP_OPENBLAS_PATH ""
#endif

namespace usdcop::learn::blas {
namespace {

struct Api {
  decltype(&cblas_sgemm) sgemm = nullptr;
  decltype(&cblas_dgemm) dgemm = nullptr;
  decltype(&cblas_sgemv) sgemv = nullptr;
  decltype(&cblas_dgemv) dgemv = nullptr;
  void (*set_num_threads)(int) = nullptr;
  int (*get_num_threads)() = nullptr;
  char* (*get_corename)() = nullptr;
  char* (*get_config)() = nullptr;
  bool core_forced = false;
};

// AMD Zen 4/5 (family >= 0x19 with AVX-512) are unknown to OpenBLAS 0.3.21, which then picks
// its AVX2 kernels; its SkylakeX kernels only need the AVX-512 subsets checked here.
bool wants_skylakex_kernels() {
  __builtin_cpu_init();
  if (!__builtin_cpu_is("amd")) return false;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  __asm__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(1), "c"(0));
  const unsigned family = ((eax >> 8) & 0xf) + ((eax >> 20) & 0xff);
  return family >= 0x19 && __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}

template <class F>
void resolve(void* handle, F& fn, const char* name, const std::string& path) {
  fn = reinterpret_cast<F>(dlsym(handle, name));
  if (!fn) throw Error(ErrorKind::unavailable, path + ": no symbol " + name + " (not OpenBLAS?)");
}

Api& api() {
  static Api a;
  static std::once_flag once;
  std::call_once(once, [] {
    // Opt-in only: this workplace pins OPENBLAS_CORETYPE because older OpenBLAS builds compute
    // wrong results on some CPUs, so the default is OpenBLAS's own choice.
    const char* env = std::getenv("OPENBLAS_CORETYPE");
    const char* opt_in = std::getenv("USDCOP_OPENBLAS_AVX512");
    if ((!env || !*env) && opt_in && std::string(opt_in) == "1" && wants_skylakex_kernels()) {
      setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
      a.core_forced = true;
    }
    std::string tried;
    void* handle = nullptr;
    std::string path;
    for (const char* p : {USDCOP_OPENBLAS_PATH, "libopenblas.so.0"}) {
      if (!*p) continue;
      handle = dlopen(p, RTLD_NOW | RTLD_GLOBAL);
      if (handle) {
        path = p;
        break;
      }
      tried += ' ';
      tried += p;
      tried += " (";
      tried += dlerror();
      tried += ')';
    }
    if (!handle)
      throw Error(ErrorKind::unavailable,
                  "OpenBLAS not found (tried" + tried + "); install libopenblas0-openmp");
    resolve(handle, a.sgemm, "cblas_sgemm", path);
    resolve(handle, a.dgemm, "cblas_dgemm", path);
    resolve(handle, a.sgemv, "cblas_sgemv", path);
    resolve(handle, a.dgemv, "cblas_dgemv", path);
    resolve(handle, a.set_num_threads, "openblas_set_num_threads", path);
    resolve(handle, a.get_num_threads, "openblas_get_num_threads", path);
    resolve(handle, a.get_corename, "openblas_get_corename", path);
    resolve(handle, a.get_config, "openblas_get_config", path);
  });
  return a;
}

CBLAS_TRANSPOSE op(Op o) {
  return o == Op::none ? CblasNoTrans : CblasTrans;
}

}  // namespace

void load() {
  api();
}

void gemm(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  api().sgemm(CblasRowMajor, op(op_a), op(op_b), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm(Op op_a, Op op_b, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc) {
  api().dgemm(CblasRowMajor, op(op_a), op(op_b), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemv(Op op_a, int m, int n, float alpha, const float* a, int lda, const float* x, float beta,
          float* y) {
  api().sgemv(CblasRowMajor, op(op_a), m, n, alpha, a, lda, x, 1, beta, y, 1);
}

void gemv(Op op_a, int m, int n, double alpha, const double* a, int lda, const double* x,
          double beta, double* y) {
  api().dgemv(CblasRowMajor, op(op_a), m, n, alpha, a, lda, x, 1, beta, y, 1);
}

int set_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // The OpenMP build takes its thread count from OpenMP's, which this also sets.
  api().set_num_threads(threads);
  return api().get_num_threads();
}

std::string description() {
  auto& a = api();
  std::string d = a.get_config();
  d += " (core ";
  d += a.get_corename();
  if (a.core_forced) d += ", OPENBLAS_CORETYPE set by usdcop";
  d += ')';
  return d;
}

}  // namespace usdcop::learn::blas
