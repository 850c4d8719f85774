// SPDX-License-Identifier: Apache-2.0
// Experiment runner: objective -> outputs -> engine -> runtime.
#include "app/experiment.hpp"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include "actors/actors.hpp"
#include "actors/collector.hpp"
#include "actors/optimizer.hpp"
#include "actors/pool.hpp"
#include "actors/sampler.hpp"
#include "app/resume.hpp"
#include "app/signals.hpp"
#include "app/thread_pool.hpp"
#include "core/engine.hpp"
#include "io/lock.hpp"
#include "io/process.hpp"
#include "web/dashboard.hpp"

namespace asyncbo::app {

namespace fs = std::filesystem;
using namespace asyncbo::actors;

void configure_cluster(caf::actor_system_config& cfg, const io::settings& s) {
  cfg.load<caf::io::middleman>();
  const auto& c = s.cluster;
  if (c.tls()) {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = c.tls_certificate;
    cfg.openssl_key = c.tls_key;
    cfg.openssl_passphrase = c.tls_passphrase;
    cfg.openssl_cafile = c.tls_cafile;
  }
  if (c.heartbeat > 0) {
    auto hb = std::chrono::duration_cast<caf::timespan>(
      std::chrono::duration<double>(c.heartbeat));
    cfg.set("middleman.heartbeat-interval", hb);
    cfg.set("middleman.connection-timeout", hb * 5);
  }
}

namespace {

/// Thrown by the parts below when the request cannot run (exit code 2).
struct refusal : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// -- 1. the objective ------------------------------------------------------------

struct resolved_objective {
  search_space space;
  io::objective_spec spec;      ///< what every evaluator is built from
  point_function fn;            ///< in-process objectives (custom); else empty
  bool blocking = false;        ///< evaluations block a thread each
  std::string display_name;
};

resolved_objective resolve_objective(const run_request& req) {
  const io::settings& s = req.settings;
  try {
    if (req.custom) {
      resolved_objective r{req.custom->space, s.spec(), req.custom->fn,
                           req.custom->blocking, req.custom->name};
      r.spec.name = req.custom->name;
      r.spec.names = r.space.names();
      r.spec.minimum = req.custom->minimum;
      r.spec.command.clear();
      return r;
    }
    resolved_objective r{s.search(), s.spec(), {}, false, s.objective.name};
    r.blocking = r.spec.is_command();
    if (r.spec.is_command())
      r.display_name = s.objective.command.empty() ? "command" : s.objective.command.front();
    return r;
  } catch (const std::exception& e) {
    throw refusal(e.what());
  }
}

// -- 2. the outputs --------------------------------------------------------------

struct outputs {
  std::string dir;
  io::run_lock lock;                    ///< this process owns the folder
  std::shared_ptr<io::observations_csv> csv;
  std::shared_ptr<io::event_log> events;
  std::optional<logged_run> previous;   ///< the log of the run being resumed
};

} // namespace

std::string default_output_dir(const std::string& config_name) {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", std::localtime(&t));
  return "runs/" + config_name + "-" + buf;
}

namespace {

/// Reads and checks the log of the run to resume.
logged_run read_previous(const run_request& req, const std::string& events_path) {
  logged_run log;
  try {
    log = read_event_log(events_path);
  } catch (const std::exception& e) {
    throw refusal(std::string("--resume: ") + e.what());
  }
  if (auto why = check_resume(log, req.settings); !why.empty())
    throw refusal("--resume refused: " + why);
  for (auto& w : log.warnings)
    req.log("warning: " + w);
  return log;
}

outputs open_outputs(const run_request& req, const search_space& space) {
  const std::vector<std::string> names = space.names();
  const io::point_choices choices = choices_of(space);
  const io::settings& s = req.settings;
  outputs out;
  out.dir = s.output.dir.empty() ? default_output_dir(req.config_name) : s.output.dir;
  std::error_code ec;
  fs::create_directories(out.dir, ec);
  if (ec)
    throw refusal("output.dir: cannot create " + out.dir + ": " + ec.message());
  // One owner per folder, before anything in it is read or written.
  try {
    out.lock = io::run_lock::acquire(out.dir);
  } catch (const std::exception& e) {
    throw refusal(std::string("output.dir: ") + e.what());
  }
  const std::string csv_path = out.dir + "/observations.csv";
  const std::string events_path = out.dir + "/events.jsonl";
  if (!req.resume && (fs::exists(csv_path) || fs::exists(events_path)))
    throw refusal("output.dir: " + out.dir
                  + " already holds a run (observations.csv); continue it with "
                    "--resume or choose another output.dir");
  if (req.resume && !fs::exists(events_path))
    throw refusal("--resume: " + events_path + " does not exist (nothing to resume)");
  if (req.resume)
    out.previous = read_previous(req, events_path);
  try {
    if (req.resume) {
      for (auto* path : {&events_path, &csv_path})
        if (auto cut = io::drop_partial_last_line(*path); !cut.empty())
          req.log("warning: " + *path + ": dropped a partial last line");
    }
    out.events = std::make_shared<io::event_log>(events_path, s.output.fsync, choices);
    if (out.previous) {
      out.events->resume(out.previous->last_time);
      for (auto& lost : lost_attempts(*out.previous, out.previous->last_time)) {
        out.events->result(lost);
        out.previous->records.push_back(lost);
      }
      // The table is rebuilt from the checkpoint: a row written after its
      // event line was lost, or before a failed one, cannot survive as a
      // duplicate or a gap.
      std::string table = io::observations_csv::header(names) + "\n";
      for (auto& r : out.previous->records)
        table += io::observations_csv::row(r, choices) + "\n";
      io::write_file_atomic(csv_path, table);
    }
    out.csv = std::make_shared<io::observations_csv>(csv_path, names, s.output.fsync,
                                                     out.previous.has_value(), choices);
    if (!out.previous) {
      out.events->header(io::to_json(s), names);
    }
  } catch (const std::exception& e) {
    throw refusal(std::string("output.dir: ") + e.what());
  }
  req.log(std::string(req.resume ? "resuming in " : "writing to ") + out.dir);
  return out;
}

// -- 3. the engine ---------------------------------------------------------------

struct engine_setup {
  std::shared_ptr<thread_pool> exec;
  std::shared_ptr<engine> eng;
  std::vector<job> requeue;     ///< resumed points still to evaluate
};

engine_setup build_engine(const run_request& req, const search_space& space,
                          const outputs& out) {
  const io::settings& s = req.settings;
  engine_setup e;
  const std::size_t threads = s.threads > 0
                                ? static_cast<std::size_t>(s.threads)
                                : std::max(1u, std::thread::hardware_concurrency());
  e.exec = std::make_shared<thread_pool>(threads);
  try {
    e.eng = std::make_shared<engine>(space, s.engine, s.seed, e.exec.get());
    if (out.previous) {
      e.requeue = restore_engine(*out.previous, *e.eng);
      req.log("resume: " + std::to_string(out.previous->records.size())
              + " attempts in the log, " + std::to_string(e.eng->num_data())
              + " observations told, " + std::to_string(e.requeue.size())
              + " points re-dispatched");
    }
  } catch (const std::exception& e2) {
    throw refusal(e2.what());
  }
  return e;
}

/// The dispatch policy's options; a resumed run continues the logged one.
pool_config make_pool_config(const io::settings& s, const resolved_objective& obj,
                             const outputs& out, std::vector<job> requeue) {
  pool_config p;
  p.dispatch = s.dispatch;
  auto& d = p.dispatch;
  d.distinct_points = s.search().has_discrete();
  p.spec = obj.spec;
  p.virtual_clock = s.clock.virtual_time;
  p.ask_cost = s.clock.ask_cost;
  try {
    p.secret = s.cluster.shared_secret();
  } catch (const std::exception& e) {
    throw refusal(e.what());
  }
  if (const auto& prev = out.previous) {
    const auto done_initial = prev->initial_points();
    d.initial = d.initial > done_initial ? d.initial - done_initial : 0;
    d.requested_before = prev->asked_points();
    d.failed_before = prev->failed_points();
    d.total_points = s.total_points();
    p.requeue = std::move(requeue);
    // Times continue where the log ended.
    p.virtual_start = prev->last_time;
    p.t0 = std::chrono::steady_clock::now()
           - std::chrono::duration_cast<std::chrono::steady_clock::duration>(
             std::chrono::duration<double>(prev->last_time));
  }
  return p;
}

collector_config make_collector_config(const io::settings& s, const resolved_objective& obj,
                                       outputs& out) {
  collector_config c;
  c.dir = out.dir;
  c.csv = out.csv;
  c.events = out.events;
  c.plot = s.output.plot;
  c.tty = ::isatty(2) != 0;
  c.progress = s.output.progress == io::progress_mode::always
               || (s.output.progress == io::progress_mode::automatic && c.tty);
  c.total_points = static_cast<std::size_t>(s.total_points());
  c.objective = obj.spec;
  c.config = io::to_json(s);
  c.title = obj.display_name + ": " + to_string(s.engine.rule) + " / "
            + to_string(s.engine.acquisition) + ", " + std::to_string(s.num_workers)
            + " workers, batch " + std::to_string(s.dispatch.batch_size);
  if (out.previous) {
    c.previous = out.previous->records;
    c.resumed = out.previous->resumes + 1;
  }
  return c;
}

// -- 4. the runtime --------------------------------------------------------------

std::vector<evaluator_actor> spawn_local_evaluators(caf::actor_system& sys,
                                                    const io::settings& s,
                                                    const resolved_objective& obj,
                                                    const std::string& log_dir) {
  std::vector<evaluator_actor> evs;
  for (std::int64_t i = 0; i < s.num_workers; ++i) {
    const std::string name = "local/" + std::to_string(i);
    evaluation_fn run = obj.fn ? point_evaluation(obj.fn, name)
                               : evaluation_from_spec(obj.spec, name, log_dir);
    if (obj.blocking)
      evs.push_back(sys.spawn<caf::detached>(evaluator, name, run, obj.spec.delay,
                                             s.clock.virtual_time));
    else
      evs.push_back(sys.spawn(evaluator, name, run, obj.spec.delay, s.clock.virtual_time));
  }
  return evs;
}

/// Publishes the pool on cluster.port; returns the port.
std::uint16_t publish_pool(caf::actor_system& sys, const io::settings& s, const pool_actor& pl) {
  const auto& c = s.cluster;
  const auto port = static_cast<std::uint16_t>(c.port);
  auto res = c.tls() ? caf::openssl::publish(pl, port, c.bind.c_str(), true)
                     : sys.middleman().publish(pl, port, c.bind.c_str(), true);
  if (!res)
    throw refusal("cluster.port: cannot listen on " + c.bind + ":" + std::to_string(c.port)
                  + ": " + sys.render(res.error()));
  return *res;
}

/// The dashboard's options from output.dashboard-*.
web::dashboard_options dashboard_options_of(const io::settings& s) {
  web::dashboard_options d;
  d.host = s.output.dashboard_host;
  d.port = static_cast<std::uint16_t>(std::max<std::int64_t>(0, s.output.dashboard_port));
  d.token = s.output.dashboard_token;
  return d;
}

/// The live view and its server, when output.dashboard-port is set.
struct live_dashboard {
  std::shared_ptr<io::live_view> view;
  std::unique_ptr<web::dashboard> server;
};

live_dashboard start_dashboard(const run_request& req, const resolved_objective& obj,
                               const collector_config& ccfg, const pool_config& pcfg) {
  const io::settings& s = req.settings;
  live_dashboard d;
  if (s.output.dashboard_port < 0)
    return d;
  d.view = std::make_shared<io::live_view>(obj.spec, ccfg.title, ccfg.total_points, pcfg.t0,
                                           ccfg.previous);
  try {
    d.server = std::make_unique<web::dashboard>(d.view, dashboard_options_of(s));
  } catch (const std::exception& e) {
    throw refusal(e.what());
  }
  req.log("dashboard: " + d.server->url()
          + (s.output.dashboard_token.empty() ? "" : " (token required)"));
  return d;
}

run_outcome run_runtime(const run_request& req, signal_watch& signals,
                        const resolved_objective& obj, outputs& out, engine_setup& es) {
  const io::settings& s = req.settings;
  pool_config pcfg = make_pool_config(s, obj, out, std::move(es.requeue));
  collector_config ccfg = make_collector_config(s, obj, out);
  // Declared before the actor system: it outlives every actor that writes
  // to its view.
  live_dashboard dash = start_dashboard(req, obj, ccfg, pcfg);
  pcfg.live = dash.view;
  ccfg.live = dash.view;
  const std::string secret = pcfg.secret;
  caf::actor_system_config cfg;
  add_message_types(cfg);
  if (s.cluster.port >= 0)
    configure_cluster(cfg, s);
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  const bool fallback = pcfg.dispatch.fallback;
  // An ask still running when the run ends stops early: the summary's
  // recommendation waits for the optimizer.
  pcfg.cancel = std::make_shared<std::atomic<bool>>(false);
  es.eng->set_cancel(pcfg.cancel);
  auto opt = sys.spawn<caf::detached>(optimizer, es.eng, s.dispatch.batch_size, fallback);
  sampler_actor smp;
  if (fallback) {
    smp = sys.spawn<caf::detached>(sampler);
    pcfg.sampler = smp;
  }
  auto col = sys.spawn(collector, std::move(ccfg), opt, caf::actor_cast<caf::actor>(self));
  auto pl = sys.spawn(pool, std::move(pcfg), opt, col);
  auto evs = spawn_local_evaluators(sys, s, obj, out.dir + "/logs");
  // Every actor gets an exit at the end (remote nodes may hold handles, which
  // would otherwise keep ~actor_system() waiting).
  auto shutdown = [&] {
    for (auto& ev : evs)
      self->send_exit(ev, caf::exit_reason::user_shutdown);
    self->send_exit(pl, caf::exit_reason::user_shutdown);
    self->send_exit(col, caf::exit_reason::user_shutdown);
    self->send_exit(opt, caf::exit_reason::user_shutdown);
    if (smp)
      self->send_exit(smp, caf::exit_reason::user_shutdown);
  };
  self->send(pl, join_atom::value, secret, std::string("local"), evs);
  if (s.cluster.port >= 0) {
    try {
      const auto port = publish_pool(sys, s, pl);
      req.log("cluster: listening on " + s.cluster.bind + ":" + std::to_string(port)
              + (s.cluster.tls() ? " with TLS" : "") + " (" + std::to_string(evs.size())
              + " local evaluators)");
    } catch (const refusal&) {
      shutdown();
      throw;
    }
  }
  signals.on_signal([pl, log = req.log](int sig) {
    const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    log(std::string("interrupted by ") + name
        + ": stopping; the log is complete, --resume continues");
    io::cancel_processes();
    caf::anon_send(pl, abort_atom::value, io::run_status::interrupted,
                   std::string("interrupted by ") + name);
  });
  self->send(pl, start_atom::value);
  run_outcome outcome;
  self->receive([&](done_atom, run_outcome& o) { outcome = std::move(o); });
  signals.on_signal(nullptr);
  shutdown();
  // A page polls twice a second: one more second shows it the final state.
  if (dash.server)
    std::this_thread::sleep_for(std::chrono::seconds(1));
  return outcome;
}

} // namespace

run_outcome run_experiment(const run_request& req) {
  // SIGINT/SIGTERM are blocked before any thread exists (thread pool, CAF),
  // so that only the watcher thread ever receives them.
  signal_watch signals;
  try {
    if (req.settings.output.dashboard_port >= 0)
      if (auto e = dashboard_options_of(req.settings).validate(); !e.empty())
        throw refusal(e);
    auto obj = resolve_objective(req);
    io::prepare_process();
    auto out = open_outputs(req, obj.space);
    auto es = build_engine(req, obj.space, out);
    auto outcome = run_runtime(req, signals, obj, out, es);
    outcome.dir = out.dir;
    return outcome;
  } catch (const refusal& r) {
    return run_outcome{io::run_status::refused, r.what(), {}};
  }
}

} // namespace asyncbo::app
