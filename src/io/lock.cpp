// SPDX-License-Identifier: Apache-2.0
// Run-folder locks.
#include "io/lock.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "io/records.hpp"

namespace asyncbo::io {

run_lock run_lock::acquire(const std::string& dir) {
  const std::string path = dir + "/.asyncbo.lock";
  unique_fd fd{::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)};
  if (!fd)
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK)
      throw std::runtime_error("cannot lock " + path + ": " + std::strerror(errno));
    char buf[32] = {0};
    const ssize_t n = ::pread(fd.get(), buf, sizeof(buf) - 1, 0);
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' '))
      pid.pop_back();
    throw std::runtime_error(dir + " is in use by process " + pid
                             + " (another asyncbo run holds " + path
                             + "); wait for it to end or choose another output.dir");
  }
  const std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) != 0 || !write_fully(fd.get(), me.data(), me.size()))
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  return run_lock{std::move(fd)};
}

} // namespace asyncbo::io
