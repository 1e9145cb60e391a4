#include "core/file_error.hpp"

#include <cerrno>
#include <cstring>

namespace usdcop {

bool is_storage_failure(int err) {
  return err == ENOSPC || err == EDQUOT || err == EIO || err == EROFS;
}

Error file_write_error(const std::string& what, int err, ErrorKind otherwise) {
  std::string msg = what + ": cannot write";
  if (err != 0) msg += std::string(": ") + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) msg += " (the disk is full)";
  return Error(is_storage_failure(err) ? ErrorKind::unavailable : otherwise, msg);
}

}  // namespace usdcop
