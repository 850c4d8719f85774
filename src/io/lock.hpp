// SPDX-License-Identifier: Apache-2.0
// One owner per run folder: an exclusive flock(2) on <dir>/.asyncbo.lock,
// held for the whole run and released by the kernel when the process dies,
// so a crashed run never blocks its --resume.
#pragma once

#include <string>

#include "io/process.hpp"

namespace asyncbo::io {

class run_lock {
public:
  run_lock() = default;

  /// Takes the lock of `dir` (which must exist) without waiting and writes
  /// this process's id into the lock file. Throws std::runtime_error naming
  /// the folder and the process that holds it, or the OS error.
  static run_lock acquire(const std::string& dir);

  bool held() const noexcept { return static_cast<bool>(fd_); }

private:
  explicit run_lock(unique_fd fd) : fd_(std::move(fd)) {}
  unique_fd fd_;
};

} // namespace asyncbo::io
