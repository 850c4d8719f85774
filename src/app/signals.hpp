// SPDX-License-Identifier: Apache-2.0
// SIGINT/SIGTERM handling for the head and worker processes.
#pragma once

#include <csignal>
#include <functional>
#include <mutex>
#include <thread>

#include <pthread.h>

namespace asyncbo::app {

/// Blocks SIGINT and SIGTERM in the calling thread and every thread created
/// after it (create it before the actor system), and waits for them on a
/// thread of its own. The handler, once set, runs on that thread; a signal
/// that came earlier is delivered when the handler is set.
class signal_watch {
public:
  signal_watch() {
    // A shell starts background jobs with SIGINT ignored, and Linux drops an
    // ignored signal even while it is blocked: restore the default first.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGUSR2); // internal: stop waiting
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    waiter_ = std::thread([this] {
      for (;;) {
        int sig = 0;
        if (sigwait(&set_, &sig) != 0 || sig == SIGUSR2)
          return;
        std::function<void(int)> h;
        {
          std::lock_guard<std::mutex> g(mx_);
          received_ = sig;
          h = handler_;
        }
        if (h)
          h(sig);
      }
    });
  }

  ~signal_watch() {
    pthread_kill(waiter_.native_handle(), SIGUSR2);
    waiter_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

  signal_watch(const signal_watch&) = delete;
  signal_watch& operator=(const signal_watch&) = delete;

  void on_signal(std::function<void(int)> h) {
    int pending = 0;
    {
      std::lock_guard<std::mutex> g(mx_);
      handler_ = h;
      pending = received_;
    }
    if (pending && h)
      h(pending);
  }

  int received() {
    std::lock_guard<std::mutex> g(mx_);
    return received_;
  }

private:
  sigset_t set_, old_;
  std::thread waiter_;
  std::mutex mx_;
  std::function<void(int)> handler_;
  int received_ = 0;
};

} // namespace asyncbo::app
