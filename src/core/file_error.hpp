#pragma once
// Failed file writes mapped to the error vocabulary: a full disk is a dependency failure.
#include <string>

#include "core/error.hpp"

namespace usdcop {

// A failed file write, with the system's reason: a full disk or quota, an I/O error or a
// read-only file system is a dependency failure (unavailable, exit 4); anything else (no such
// directory, no permission) takes `otherwise`. Pass errno right after the failing call.
Error file_write_error(const std::string& what, int err, ErrorKind otherwise);
// True for the errno values above (ENOSPC, EDQUOT, EIO, EROFS).
bool is_storage_failure(int err);

}  // namespace usdcop
