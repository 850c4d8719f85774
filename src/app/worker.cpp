// SPDX-License-Identifier: Apache-2.0
// The worker process.
//
//   connecting --(head reachable)--> registering --(spec)--> serving
//        ^                                 |                    |
//        |                        (wrong secret: exit 2)        |
//        +------- head lost, time left ----+------ head lost ---+
//   serving --(stop from the head)--> exit 0
#include "app/worker.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <set>
#include <thread>

#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include "actors/actors.hpp"
#include "actors/evaluator.hpp"
#include "app/experiment.hpp"
#include "app/signals.hpp"
#include "io/process.hpp"
#include "core/format.hpp"

namespace asyncbo::app {

using namespace asyncbo::actors;

namespace {

/// Tells the worker's main loop that the head ended the run.
worker_actor::behavior_type controller(worker_actor::pointer, caf::actor main) {
  return {
    [main](stop_atom) {
      caf::anon_send(main, stop_atom::value);
      return true;
    },
  };
}

/// Ends `evs` and waits, at most `patience`, until every one of them is gone,
/// so that none is still evaluating (or answering the head) when the actor
/// system shuts down. With `cancel`, the objective programs still running are
/// killed first (the head no longer wants their results), so a long
/// evaluation does not hold the exit up. (This alone did not cure the exit
/// hang of cluster_test: see the watchdog in run_worker.)
void retire(caf::scoped_actor& self, const std::vector<evaluator_actor>& evs, bool cancel,
            std::chrono::milliseconds patience) {
  if (cancel)
    io::cancel_processes();
  std::set<caf::actor_addr> alive;
  for (auto& ev : evs) {
    alive.insert(caf::actor_cast<caf::actor_addr>(ev));
    self->monitor(ev);
    self->send_exit(ev, caf::exit_reason::user_shutdown);
  }
  const auto until = std::chrono::steady_clock::now() + patience;
  while (!alive.empty()) {
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= left.zero())
      return;
    bool timed_out = false;
    self->receive([&](caf::down_msg& dm) { alive.erase(dm.source); },
                  caf::after(std::chrono::duration_cast<std::chrono::milliseconds>(left))
                    >> [&] { timed_out = true; });
    if (timed_out)
      return;
  }
}

std::string default_name() {
  char host[256] = "host";
  ::gethostname(host, sizeof(host) - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

int serve(caf::actor_system& sys, const io::settings& s, const std::string& secret,
          const std::string& name, signal_watch& signals,
          const std::function<void(const std::string&)>& log);

} // namespace

int run_worker(const io::settings& s, const std::function<void(const std::string&)>& log) {
  if (s.cluster.port <= 0) {
    log("cluster.port: the worker needs the head's port (--cluster.port=P)");
    return 2;
  }
  std::string secret;
  try {
    secret = s.cluster.shared_secret();
  } catch (const std::exception& e) {
    log(e.what());
    return 2;
  }
  io::prepare_process();
  const std::string name = s.worker.name.empty() ? default_name() : s.worker.name;
  signal_watch signals;
  caf::actor_system_config cfg;
  add_message_types(cfg);
  configure_cluster(cfg, s);
  auto sys = std::make_unique<caf::actor_system>(cfg);
  const int code = serve(*sys, s, secret, name, signals, log);
  // Every evaluator has stopped (serve retired them), and a worker keeps no
  // results of its own: nothing is lost if the process ends here. Yet CAF
  // 0.17.6 sometimes keeps a reference to a stopped detached evaluator after
  // the head has disconnected, and ~actor_system() then waits for its thread
  // forever (1 run in ~6 under load, cluster_test). So the actor system is
  // shut down under a watchdog: past 5 s the process ends with `code`.
  std::promise<void> done;
  std::thread watchdog([finished = done.get_future(), code, &log]() {
    if (finished.wait_for(std::chrono::seconds(5)) == std::future_status::ready)
      return;
    log("the actor system did not shut down within 5 s (a reference CAF keeps to a "
        "stopped evaluator); ending the process");
    std::fflush(nullptr);
    std::_Exit(code);
  });
  sys.reset();
  done.set_value();
  watchdog.join();
  return code;
}

namespace {

int serve(caf::actor_system& sys, const io::settings& s, const std::string& secret,
          const std::string& name, signal_watch& signals,
          const std::function<void(const std::string&)>& log) {
  caf::scoped_actor self{sys};
  signals.on_signal([me = caf::actor_cast<caf::actor>(self)](int) {
    io::cancel_processes();
    caf::anon_send(me, abort_atom::value, io::run_status::interrupted, std::string());
  });
  auto mm = s.cluster.tls() ? sys.openssl_manager().actor_handle() : sys.middleman().actor_handle();
  const auto deadline = std::chrono::steady_clock::now()
                        + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          std::chrono::duration<double>(s.cluster.connect_timeout));
  auto backoff = std::chrono::milliseconds(100);
  int code = 1;
  bool reported_wait = false;
  std::vector<evaluator_actor> retired; // from earlier connections, maybe still evaluating
  for (;;) {
    if (signals.received()) {
      code = 130;
      break;
    }
    // -- connecting
    caf::strong_actor_ptr remote;
    std::string why;
    self
      ->request(mm, std::chrono::seconds(2), caf::connect_atom::value, s.cluster.host,
                static_cast<std::uint16_t>(s.cluster.port))
      .receive(
        [&](const caf::node_id&, caf::strong_actor_ptr& p, const std::set<std::string>&) {
          remote = std::move(p);
        },
        [&](caf::error& e) { why = sys.render(e); });
    if (!remote) {
      if (std::chrono::steady_clock::now() >= deadline) {
        log("cannot reach the head at " + s.cluster.host + ":"
            + std::to_string(s.cluster.port) + " within cluster.connect-timeout ("
            + exact(s.cluster.connect_timeout) + " s): "
            + (why.empty() ? std::string("nothing published there") : why));
        code = 1;
        break;
      }
      if (!reported_wait) {
        log("waiting for the head at " + s.cluster.host + ":" + std::to_string(s.cluster.port));
        reported_wait = true;
      }
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
      continue;
    }
    auto pool = caf::actor_cast<pool_actor>(remote);
    // -- registering
    auto ctl = sys.spawn(controller, caf::actor_cast<caf::actor>(self));
    std::optional<io::objective_spec> spec;
    self->request(pool, std::chrono::seconds(10), register_atom::value, secret, name, ctl)
      .receive([&](io::objective_spec& sp) { spec = std::move(sp); },
               [&](caf::error& e) { why = sys.render(e); });
    if (!spec) {
      self->send_exit(ctl, caf::exit_reason::user_shutdown);
      if (why.find("wrong cluster secret") != std::string::npos) {
        log("the head rejected this worker: wrong cluster secret");
        code = 2;
        break;
      }
      log("registration failed: " + why);
      if (std::chrono::steady_clock::now() >= deadline) {
        code = 1;
        break;
      }
      std::this_thread::sleep_for(backoff);
      continue;
    }
    // -- serving
    std::vector<evaluator_actor> evs;
    try {
      const delay_model delay = spec->delay;
      for (std::int64_t i = 0; i < s.worker.evaluators; ++i) {
        const std::string ev_name = name + "/" + std::to_string(i);
        auto run = evaluation_from_spec(*spec, ev_name, s.worker.log_dir);
        if (spec->is_command())
          evs.push_back(sys.spawn<caf::detached>(evaluator, ev_name, run, delay, false));
        else
          evs.push_back(sys.spawn(evaluator, ev_name, run, delay, false));
      }
    } catch (const std::exception& e) {
      log(std::string("cannot build the objective the head asked for: ") + e.what());
      self->send_exit(ctl, caf::exit_reason::user_shutdown);
      code = 2;
      break;
    }
    self->monitor(pool);
    self->send(pool, join_atom::value, secret, name, evs);
    log("serving " + std::to_string(evs.size()) + " evaluators of \"" + spec->name
        + "\" for " + s.cluster.host + ":" + std::to_string(s.cluster.port));
    bool stopped = false, interrupted = false;
    std::string lost;
    self->receive([&](stop_atom) { stopped = true; },
                  [&](abort_atom, io::run_status, std::string&) { interrupted = true; },
                  [&](caf::down_msg& dm) { lost = sys.render(dm.reason); });
    // Finished or interrupted: the evaluations still running are not wanted
    // (the head re-dispatches what an interrupted worker held). Lost the head:
    // they finish on their own while this worker reconnects.
    const bool ending = stopped || interrupted;
    retire(self, evs, ending, ending ? std::chrono::seconds(10) : std::chrono::seconds(0));
    if (!ending)
      retired.insert(retired.end(), evs.begin(), evs.end());
    self->send_exit(ctl, caf::exit_reason::user_shutdown);
    if (stopped) {
      log("the head finished the experiment");
      code = 0;
      break;
    }
    if (interrupted) {
      log("interrupted; the head re-dispatches what this worker was evaluating");
      code = 130;
      break;
    }
    log("lost the head (" + lost + "); reconnecting");
    backoff = std::chrono::milliseconds(100);
  }
  retire(self, retired, true, std::chrono::seconds(10));
  return code;
}

} // namespace

} // namespace asyncbo::app
