#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>

#include "core/error.hpp"
#include "learn/blas.hpp"
#include "learn/ppo_backend.hpp"

#ifndef USDCOP_TORCH_BACKEND_PATH
#define USDCOP_TORCH_BACKEND_PATH ""
#endif
#ifndef USDCOP_WITH_LIBTORCH
#define USDCOP_WITH_LIBTORCH 1
#endif

namespace usdcop::learn {
namespace {

struct BackendApi {
  PpoBackend* (*create)(const PpoBackendConfig*) = nullptr;
  int (*set_threads)(int) = nullptr;
  const char* (*version)() = nullptr;
};

std::filesystem::path executable_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : exe.parent_path();
}

std::atomic<int> g_threads{0};           // last count requested (0 = all cores)
std::atomic<bool> g_threads_set{false};  // whether set_threads was called at all
std::atomic<bool> g_torch_loaded{false};

const BackendApi& api() {
  if (!libtorch_backend_built()) throw libtorch_not_built_error();
  static BackendApi a;
  static std::once_flag once;
  std::call_once(once, [] {
    // OpenBLAS first: libtorch links the same libopenblas.so.0, which then keeps the kernel
    // choice made by blas::load() (learn/blas.hpp).
    blas::load();
    std::vector<std::filesystem::path> candidates;
    if (const char* env = std::getenv("USDCOP_TORCH_BACKEND"); env && *env)
      candidates.emplace_back(env);
    if (*USDCOP_TORCH_BACKEND_PATH) candidates.emplace_back(USDCOP_TORCH_BACKEND_PATH);
    candidates.push_back(executable_dir() / "libusdcop_learn_torch.so");
    candidates.push_back(executable_dir() / "../lib/libusdcop_learn_torch.so");
    std::string tried;
    for (const auto& p : candidates) {
      if (!std::filesystem::exists(p)) {
        tried += ' ';
        tried += p.string();
        continue;
      }
      void* h = dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!h)
        throw Error(ErrorKind::unavailable,
                    p.string() + ": cannot load the libtorch backend: " + dlerror());
      a.create = reinterpret_cast<PpoBackend* (*)(const PpoBackendConfig*)>(
          dlsym(h, "usdcop_create_ppo_backend"));
      a.set_threads = reinterpret_cast<int (*)(int)>(dlsym(h, "usdcop_torch_set_threads"));
      a.version = reinterpret_cast<const char* (*)()>(dlsym(h, "usdcop_torch_version"));
      if (!a.create || !a.set_threads || !a.version)
        throw Error(ErrorKind::unavailable, p.string() + ": not a usdcop libtorch backend");
      if (g_threads_set) a.set_threads(g_threads);
      g_torch_loaded = true;
      return;
    }
    std::string msg = "libusdcop_learn_torch.so not found (tried";
    msg += tried;
    msg += "); set USDCOP_TORCH_BACKEND to its path";
    throw Error(ErrorKind::unavailable, msg);
  });
  if (!a.create) throw Error(ErrorKind::unavailable, "the libtorch backend failed to load earlier");
  return a;
}

}  // namespace

bool libtorch_backend_built() {
  return USDCOP_WITH_LIBTORCH != 0;
}

Error libtorch_not_built_error() {
  return Error(ErrorKind::unavailable,
               "this usdcop was built without the libtorch backend; use ppo.backend: native (the "
               "default), or install libtorch-dev (scripts/setup.sh) and configure with "
               "-DUSDCOP_WITH_LIBTORCH=ON",
               "ppo.backend");
}

const char* to_string(PpoBackendKind kind) {
  return kind == PpoBackendKind::native ? "native" : "libtorch";
}

std::unique_ptr<PpoBackend> create_ppo_backend(const PpoBackendConfig& config) {
  if (config.kind == PpoBackendKind::native) return create_native_ppo_backend(config);
  return std::unique_ptr<PpoBackend>(api().create(&config));
}

int backend_set_threads(int threads) {
  g_threads = threads;
  g_threads_set = true;
  int in_effect = blas::set_threads(threads);
  if (g_torch_loaded) in_effect = api().set_threads(threads);
  return in_effect;
}

std::string backend_torch_version() {
  return api().version();
}

}  // namespace usdcop::learn
