#pragma once
// SHA-256 (OpenSSL) as lowercase hex, for artifact hashes and signatures.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace usdcop {

std::string sha256_hex(std::string_view data);
std::string sha256_file_hex(const std::filesystem::path& path);  // throws Error(not_found)

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  std::string final_hex();  // the object is spent afterwards

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace usdcop
