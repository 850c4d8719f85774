// SPDX-License-Identifier: Apache-2.0
// Experiment runner.
#include "app/experiment.hpp"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <thread>

#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include "actors/actors.hpp"
#include "actors/collector.hpp"
#include "actors/optimizer.hpp"
#include "actors/pool.hpp"
#include "app/resume.hpp"
#include "app/signals.hpp"
#include "app/thread_pool.hpp"
#include "io/command.hpp"
#include "core/engine.hpp"

namespace asyncbo::app {

namespace fs = std::filesystem;
using namespace asyncbo::actors;

objective_spec make_objective_spec(const io::settings& s) {
  objective_spec spec;
  spec.name = s.objective;
  spec.names = s.space().names();
  spec.delay_model = s.delay_type;
  spec.delay_factor = s.delay_factor;
  spec.time_scale = s.time_scale;
  spec.command = s.command;
  spec.input = s.input;
  spec.timeout = s.timeout;
  spec.workdir = s.workdir;
  return spec;
}

void configure_cluster(caf::actor_system_config& cfg, const io::settings& s) {
  cfg.load<caf::io::middleman>();
  if (s.tls()) {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = s.tls_certificate;
    cfg.openssl_key = s.tls_key;
    cfg.openssl_passphrase = s.tls_passphrase;
    cfg.openssl_cafile = s.tls_cafile;
  }
  if (s.cluster_heartbeat > 0) {
    auto hb = std::chrono::duration_cast<caf::timespan>(
      std::chrono::duration<double>(s.cluster_heartbeat));
    cfg.set("middleman.heartbeat-interval", hb);
    cfg.set("middleman.connection-timeout", hb * 5);
  }
}

namespace {

std::string default_output_dir(const std::string& config_name) {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", std::localtime(&t));
  return "runs/" + config_name + "-" + buf;
}

run_outcome refuse(const std::string& msg) {
  return run_outcome{2, "refused", msg};
}

} // namespace

run_outcome run_experiment(const run_request& req) {
  const io::settings& s = req.settings;
  // SIGINT/SIGTERM are blocked before any thread exists (thread pool, CAF),
  // so that only the watcher thread ever receives them.
  signal_watch signals;
  // -- objective and space
  std::optional<search_space> space;
  point_function fn;                  // in-process objectives
  const test_function* builtin = nullptr;
  std::optional<double> minimum;
  std::string objective_name = s.objective;
  bool blocking = false;
  objective_spec spec = make_objective_spec(s);
  try {
    if (req.custom) {
      space = req.custom->space;
      fn = req.custom->fn;
      minimum = req.custom->minimum;
      objective_name = req.custom->name;
      blocking = req.custom->blocking;
      spec.names = space->names();
    } else if ((builtin = s.builtin())) {
      space = builtin->space();
      fn = builtin_function(*builtin);
      minimum = builtin->minimum;
    } else {
      space = s.space();
      blocking = true;
      objective_name = s.command.empty() ? "command" : s.command.front();
    }
  } catch (const std::exception& e) {
    return refuse(e.what());
  }
  io::prepare_process();
  // -- output directory and logs
  std::string dir = s.output_dir.empty() ? default_output_dir(req.config_name)
                                         : s.output_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return refuse("output.dir: cannot create " + dir + ": " + ec.message());
  const std::string csv_path = dir + "/observations.csv";
  const std::string events_path = dir + "/events.jsonl";
  if (!req.resume && (fs::exists(csv_path) || fs::exists(events_path)))
    return refuse("output.dir: " + dir
                  + " already holds a run (observations.csv); continue it with "
                    "--resume or choose another output.dir");
  if (req.resume && !fs::exists(events_path))
    return refuse("--resume: " + events_path + " does not exist (nothing to resume)");
  auto names = space->names();
  // -- the log of an earlier run
  std::optional<logged_run> previous;
  if (req.resume) {
    try {
      previous = read_event_log(events_path);
    } catch (const std::exception& e) {
      return refuse(std::string("--resume: ") + e.what());
    }
    if (auto why = check_resume(*previous, s); !why.empty())
      return refuse("--resume refused: " + why);
    for (auto& w : previous->warnings)
      req.log("warning: " + w);
  }
  collector_config ccfg;
  ccfg.dir = dir;
  try {
    if (req.resume) {
      for (auto* path : {&events_path, &csv_path})
        if (auto cut = io::drop_partial_last_line(*path); !cut.empty())
          req.log("warning: " + *path + ": dropped a partial last line");
    }
    const bool csv_existed = req.resume && fs::exists(csv_path);
    ccfg.csv = std::make_shared<io::observations_csv>(csv_path, names, s.fsync,
                                                      csv_existed);
    ccfg.events = std::make_shared<io::event_log>(events_path, s.fsync);
    if (req.resume) {
      ccfg.events->resume(previous->last_time);
      for (auto& lost : lost_attempts(*previous, previous->last_time)) {
        ccfg.csv->write(lost);
        ccfg.events->result(lost);
        previous->records.push_back(lost);
      }
    }
    else
      ccfg.events->header(io::to_json(s), names);
  } catch (const std::exception& e) {
    return refuse(std::string("output.dir: ") + e.what());
  }
  req.log(std::string(req.resume ? "resuming in " : "writing to ") + dir);
  ccfg.plot = s.plot;
  ccfg.tty = ::isatty(2) != 0;
  ccfg.progress = s.progress == "always" || (s.progress == "auto" && ccfg.tty);
  ccfg.total_points = static_cast<std::size_t>(s.num_initial_points + s.num_observations);
  ccfg.names = names;
  ccfg.config = io::to_json(s);
  ccfg.minimum = minimum;
  ccfg.function = builtin && builtin->dim == 2 ? builtin : nullptr;
  ccfg.title = objective_name + ": " + s.rule + " / " + s.function + ", "
               + std::to_string(s.num_workers) + " workers, batch "
               + std::to_string(s.batch_size);

  // -- engine and its executor
  std::size_t threads = s.threads > 0 ? static_cast<std::size_t>(s.threads)
                                      : std::max(1u, std::thread::hardware_concurrency());
  auto exec = std::make_shared<thread_pool>(threads);
  std::shared_ptr<engine> eng;
  std::vector<proposal_msg> requeue;
  try {
    eng = std::make_shared<engine>(*space, s.engine(), s.seed, exec.get());
    if (previous) {
      requeue = restore_engine(*previous, *eng);
      ccfg.previous = previous->records;
      ccfg.resumed = previous->resumes + 1;
      req.log("resume: " + std::to_string(previous->records.size()) + " attempts in the log, "
              + std::to_string(eng->num_data()) + " observations told, "
              + std::to_string(requeue.size()) + " points re-dispatched");
    }
  } catch (const std::exception& e) {
    return refuse(e.what());
  }

  std::string secret;
  try {
    secret = s.secret();
  } catch (const std::exception& e) {
    return refuse(e.what());
  }

  // -- actor system
  caf::actor_system_config cfg;
  add_message_types(cfg);
  if (s.cluster_port >= 0)
    configure_cluster(cfg, s);
  caf::actor_system sys{cfg};
  run_outcome outcome;
  {
    caf::scoped_actor self{sys};
    auto opt = sys.spawn<caf::detached>(optimizer, eng,
                                        static_cast<std::size_t>(s.batch_size));
    auto col = sys.spawn(collector, std::move(ccfg), opt,
                         caf::actor_cast<caf::actor>(self));
    pool_config pcfg;
    pcfg.batch_size = static_cast<std::size_t>(s.batch_size);
    pcfg.budget = static_cast<std::uint64_t>(s.num_observations);
    pcfg.initial = static_cast<std::uint64_t>(s.num_initial_points);
    pcfg.max_retries = static_cast<std::uint32_t>(s.max_retries);
    pcfg.max_failure_fraction = s.max_failure_fraction;
    pcfg.dim = space->dim();
    pcfg.spec = spec;
    pcfg.secret = secret;
    if (previous) {
      const auto done_initial = previous->initial_points();
      pcfg.initial = pcfg.initial > done_initial ? pcfg.initial - done_initial : 0;
      pcfg.requested_before = previous->asked_points();
      pcfg.failed_before = previous->failed_points();
      pcfg.total_points = static_cast<std::uint64_t>(s.num_initial_points + s.num_observations);
      pcfg.requeue = std::move(requeue);
      // Times continue where the log ended.
      pcfg.t0 = std::chrono::steady_clock::now()
                - std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                  std::chrono::duration<double>(previous->last_time));
    }
    auto pl = sys.spawn(pool, std::move(pcfg), opt, col);
    std::vector<evaluator_actor> evs;
    delay_model delay = s.delay();
    for (std::int64_t i = 0; i < s.num_workers; ++i) {
      const std::string name = "local/" + std::to_string(i);
      evaluation_fn run = fn ? point_evaluation(fn, name)
                             : evaluation_from_spec(spec, name, dir + "/logs");
      if (blocking)
        evs.push_back(sys.spawn<caf::detached>(evaluator, name, run, delay));
      else
        evs.push_back(sys.spawn(evaluator, name, run, delay));
    }
    // Every actor gets an exit at the end (remote nodes may hold handles, which
    // would otherwise keep ~actor_system() waiting).
    auto shutdown = [&] {
      for (auto& ev : evs)
        self->send_exit(ev, caf::exit_reason::user_shutdown);
      self->send_exit(pl, caf::exit_reason::user_shutdown);
      self->send_exit(col, caf::exit_reason::user_shutdown);
      self->send_exit(opt, caf::exit_reason::user_shutdown);
    };
    self->send(pl, join_atom::value, secret, std::string("local"), evs);
    if (s.cluster_port >= 0) {
      auto port = s.tls()
                    ? caf::openssl::publish(pl, static_cast<std::uint16_t>(s.cluster_port),
                                            s.cluster_bind.c_str(), true)
                    : sys.middleman().publish(pl,
                                              static_cast<std::uint16_t>(s.cluster_port),
                                              s.cluster_bind.c_str(), true);
      if (!port) {
        shutdown();
        return refuse("cluster.port: cannot listen on " + s.cluster_bind + ":"
                      + std::to_string(s.cluster_port) + ": " + sys.render(port.error()));
      }
      req.log("cluster: listening on " + s.cluster_bind + ":" + std::to_string(*port)
              + (s.tls() ? " with TLS" : "") + " (" + std::to_string(evs.size())
              + " local evaluators)");
    }
    signals.on_signal([pl, log = req.log](int sig) {
      const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
      log(std::string("interrupted by ") + name
          + ": stopping; the log is complete, --resume continues");
      io::cancel_commands();
      caf::anon_send(pl, abort_atom::value, std::string("interrupted"),
                     std::string("interrupted by ") + name);
    });
    self->send(pl, start_atom::value);
    self->receive([&](done_atom, run_outcome& out) { outcome = std::move(out); });
    signals.on_signal(nullptr);
    shutdown();
  }
  return outcome;
}

} // namespace asyncbo::app
