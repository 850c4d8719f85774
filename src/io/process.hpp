// SPDX-License-Identifier: Apache-2.0
// Process supervision for objective programs: fork/exec without a shell, a
// process group per program, a timeout that kills the whole group, every
// process of the group reaped, output streamed to log files.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace asyncbo::io {

/// An owned file descriptor, closed on destruction (-1 = none).
class unique_fd {
public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  ~unique_fd() { reset(); }
  unique_fd(unique_fd&& o) noexcept : fd_(o.release()) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o)
      reset(o.release());
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) noexcept;

private:
  int fd_ = -1;
};

/// Both ends of a pipe (O_CLOEXEC); invalid descriptors on failure.
struct pipe_fds {
  unique_fd read, write;
};
/// Returns false (errno set) if pipe2 fails.
bool make_pipe(pipe_fds& out);

/// A log file of at most `limit` bytes (0 = unlimited): the first half is
/// written as it arrives, the last half is kept in a bounded buffer and
/// written by finish() (or the destructor) after a line that says how much
/// was dropped. Memory stays below the limit, whatever is written.
class capped_log {
public:
  capped_log() = default;
  /// "" = a log that keeps nothing but its last_line().
  capped_log(const std::string& path, std::size_t limit);
  ~capped_log() { finish(); }
  capped_log(capped_log&&) noexcept = default;
  capped_log& operator=(capped_log&& o) noexcept {
    finish();
    fd_ = std::move(o.fd_);
    limit_ = o.limit_;
    head_ = o.head_;
    dropped_ = o.dropped_;
    tail_ = std::move(o.tail_);
    line_ = std::move(o.line_);
    last_ = std::move(o.last_);
    return *this;
  }
  void write(const char* p, std::size_t n);
  void write(const std::string& s) { write(s.data(), s.size()); }
  /// Writes the kept end (and the marker, if anything was dropped); closes.
  void finish();
  /// The last line written that is not blank (a partial last line counts),
  /// cut to 200 bytes: what a failure's reason quotes ("exit code 2: ...").
  std::string last_line() const;

private:
  /// Keeps last_ and line_ up to date: one memrchr pass per chunk, not a
  /// loop over every byte (a program may print hundreds of megabytes).
  void track_last_line(const char* p, std::size_t n);

  unique_fd fd_;
  std::size_t limit_ = 0;
  std::size_t head_ = 0;
  std::size_t dropped_ = 0;
  std::string tail_;
  std::string line_; ///< the line being written, at most line_limit bytes
  std::string last_; ///< the last complete line that is not blank
};

/// A started program: its pid (= its process group) and the parent's ends
/// of its stdin, stdout and stderr.
struct child_process {
  int pid = -1;
  unique_fd in, out, err;
};

/// Forks and executes argv (argv[0] looked up on PATH) in a process group of
/// its own, with `env` added to the environment (inherited ASYNCBO_*
/// variables removed) and `cwd` ("" = ours). The program dies with the
/// calling thread (PR_SET_PDEATHSIG). Returns "" or why it could not start.
std::string spawn_child(const std::vector<std::string>& argv,
                        const std::vector<std::string>& env, const std::string& cwd,
                        child_process& out);

/// Ends the group of `pid`: SIGTERM, up to `grace_s` for the leader to exit,
/// SIGKILL to the group, then every member reaped (at most 2 s more). Fills
/// the leader's wait status if it was not reaped before. Returns true if the
/// leader exited within the grace period.
bool end_group(int pid, int& status, double grace_s = 0.5);

/// What to run.
struct process_request {
  std::vector<std::string> argv;   ///< argv[0] without '/' is looked up on PATH
  std::vector<std::string> env;    ///< extra "NAME=value" entries
  std::string cwd;                 ///< "" = the current directory
  std::string stdin_text;          ///< written to stdin, which is then closed
  std::string stdout_log;          ///< file for stdout ("" = not kept)
  std::string stderr_log;          ///< file for stderr ("" = not kept)
  double timeout = 0.0;            ///< seconds; 0 = none
  /// Cap of each log file in bytes (0 = none): the first and the last half
  /// are kept, with a line saying how much was dropped between them. Memory
  /// per stream stays below half the cap, whatever the program prints.
  std::size_t log_limit = std::size_t{1} << 20;
};

/// How it went.
struct process_result {
  enum class end {
    exited,          ///< exit code in `code`
    signalled,       ///< killed by signal `code`
    timed_out,       ///< timeout: group got SIGTERM, then SIGKILL 0.5 s later
    cancelled,       ///< cancel_processes() was called
    failed_to_start, ///< see `error`
  };
  end how = end::exited;
  int code = 0;
  std::string error;       ///< why it could not start
  std::string stdout_tail; ///< the last bytes of stdout (at most 64 KiB)
  std::string stderr_last; ///< the last line of stderr that is not blank
  double seconds = 0.0;    ///< wall time
};

/// "" for an empty line, else "; stderr ended with: LINE": what a failed
/// attempt's reason adds so that the cause (a missing file, a traceback's
/// last line) is in observations.csv and the closing report, not only the log.
std::string said_on_stderr(const std::string& last_line);

/// Runs the program to its end on the calling thread (call it from a thread
/// of its own). stdout and stderr are streamed to their (capped) logs as they
/// arrive; only the last 64 KiB of stdout stay in memory. The program gets its own process group and dies with the
/// calling thread (PR_SET_PDEATHSIG); after it ends, whatever is left of its
/// group is killed and every member reaped before returning.
process_result run_process(const process_request& req);

/// The program's path: `name` itself if it contains '/', else the first
/// executable on PATH; "" if none.
std::string resolve_program(const std::string& name);

/// Asks every running and future run_process to stop: their process groups
/// are killed within 50 ms and they end as `cancelled`. For SIGINT/SIGTERM.
void cancel_processes();
bool processes_cancelled();

/// Prepares this process for running objectives: makes it a child subreaper
/// (Linux), so that processes an objective leaves behind are re-parented to us
/// and reaped, never zombies; ignores SIGPIPE.
void prepare_process();

} // namespace asyncbo::io
