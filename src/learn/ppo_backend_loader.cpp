#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>

#include "core/error.hpp"
#include "learn/ppo_backend.hpp"

#ifndef USDCOP_TORCH_BACKEND_PATH
#define USDCOP_TORCH_BACKEND_PATH ""
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

const BackendApi& api() {
  static BackendApi a;
  static std::once_flag once;
  std::call_once(once, [] {
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

std::unique_ptr<PpoBackend> create_ppo_backend(const PpoBackendConfig& config) {
  return std::unique_ptr<PpoBackend>(api().create(&config));
}

int backend_set_threads(int threads) {
  return api().set_threads(threads);
}

std::string backend_torch_version() {
  return api().version();
}

}  // namespace usdcop::learn
