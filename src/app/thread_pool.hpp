// SPDX-License-Identifier: Apache-2.0
// A fixed-size thread pool implementing the core's executor seam.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/executor.hpp"

namespace asyncbo::app {

/// Runs parallel_for iterations on `threads - 1` worker threads plus the
/// calling thread; iterations are handed out one at a time (dynamic
/// scheduling). One parallel_for at a time (the optimizer is single-threaded).
///
/// If iterations throw, the remaining iterations are skipped, every thread
/// finishes the iteration it is in, and the first exception is rethrown to
/// the caller; parallel_for never returns while a thread still runs `f`.
class thread_pool final : public executor {
public:
  explicit thread_pool(std::size_t threads) {
    for (std::size_t i = 1; i < threads; ++i)
      workers_.emplace_back([this] { loop(); });
  }

  ~thread_pool() override {
    {
      std::lock_guard<std::mutex> g(mx_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_)
      t.join();
  }

  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  std::size_t size() const noexcept { return workers_.size() + 1; }

  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& f) override {
    if (workers_.empty() || n <= 1) {
      for (std::size_t i = 0; i < n; ++i)
        f(i);
      return;
    }
    {
      std::lock_guard<std::mutex> g(mx_);
      job_ = &f;
      n_ = n;
      next_.store(0);
      error_ = nullptr;
      active_ = workers_.size();
      ++generation_;
    }
    cv_.notify_all();
    work();
    std::exception_ptr error;
    {
      std::unique_lock<std::mutex> lk(mx_);
      done_cv_.wait(lk, [this] { return active_ == 0; });
      job_ = nullptr;
      error = std::exchange(error_, nullptr);
    }
    if (error)
      std::rethrow_exception(error);
  }

private:
  /// Runs iterations until none is left; an exception stops the loop for
  /// every thread and is kept for the caller.
  void work() {
    for (;;) {
      const std::size_t i = next_.fetch_add(1);
      if (i >= n_)
        return;
      try {
        (*job_)(i);
      } catch (...) {
        std::lock_guard<std::mutex> g(mx_);
        if (!error_)
          error_ = std::current_exception();
        next_.store(n_);
        return;
      }
    }
  }

  void loop() {
    std::size_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(mx_);
        cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
        if (stop_)
          return;
        seen = generation_;
      }
      work();
      {
        std::lock_guard<std::mutex> g(mx_);
        --active_;
      }
      done_cv_.notify_one();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mx_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t n_ = 0;
  std::atomic<std::size_t> next_{0};
  std::size_t active_ = 0;
  std::size_t generation_ = 0;
  std::exception_ptr error_;
  bool stop_ = false;
};

} // namespace asyncbo::app
