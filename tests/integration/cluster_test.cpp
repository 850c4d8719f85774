// SPDX-License-Identifier: Apache-2.0
// Multi-node runs on 127.0.0.1: a head with no local evaluators and worker
// processes; one worker is killed with SIGKILL mid-run; a worker with the
// wrong secret gets no work.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <regex>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

using namespace asyncbo::test;

namespace {

/// The port a head printed ("listening on 127.0.0.1:PORT").
std::string head_port(const std::string& err_file) {
  BOOST_REQUIRE(wait_for_text(err_file, "listening on", 20));
  std::smatch m;
  auto text = read_file(err_file);
  BOOST_REQUIRE(std::regex_search(text, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)")));
  return m[1];
}

struct children {
  std::vector<pid_t> pids;
  ~children() {
    for (auto p : pids) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
    }
  }
  pid_t add(pid_t p) {
    pids.push_back(p);
    return p;
  }
  int wait(pid_t p, double s) {
    int rc = wait_program(p, s);
    if (rc >= 0)
      pids.erase(std::find(pids.begin(), pids.end(), p));
    return rc;
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(cluster_end_to_end)

BOOST_AUTO_TEST_CASE(killing_a_worker_mid_run_loses_nothing) {
  temp_dir d;
  children kids;
  const std::string out = d.path + "/out";
  auto head = kids.add(start_program(
    {binary(), "run", source_dir() + "/config/branin-async.ini", "--experiment.num-workers=0",
     // batch 1 keeps every evaluator busy, so the killed worker holds points
     // and evaluations of 0.6 (x1 + x2) s (time-scale 1) are long against an
     // ask even on a loaded machine (at 0.2, CI once killed an idle worker)
     "--experiment.batch-size=1", "--cluster.port=0", "--delay.time-scale=1",
     "--acquisition.samples=512",
     "--output.dir=" + out, "--cluster.heartbeat=0.2"},
    d.path + "/head.out", d.path + "/head.err"));
  const std::string port = head_port(d.path + "/head.err");
  std::vector<std::string> worker = {binary(), "worker", "--cluster.port=" + port,
                                     "--worker.evaluators=2", "--cluster.heartbeat=0.2"};
  auto w1 = kids.add(start_program(worker, d.path + "/w1.out", d.path + "/w1.err"));
  auto w2 = kids.add(start_program(worker, d.path + "/w2.out", d.path + "/w2.err"));
  // Kill worker 1 once a third of the evaluations are in and both of its
  // evaluators have returned results (a worker that joined late, under a
  // loaded CI machine, would otherwise hold nothing when it is killed). Its
  // evaluators are then rarely both between jobs: an ask (tens of
  // milliseconds) against an evaluation of 0.6 (x1 + x2) seconds.
  const std::string w1_tag = ":" + std::to_string(w1) + "/";
  bool active = false;
  for (int i = 0; i < 3000 && !active; ++i) {
    auto csv = read_file(out + "/observations.csv");
    std::set<std::string> w1_evaluators;
    for (auto& row : parse_csv(csv))
      if (row.size() > 8 && row[8].find(w1_tag) != std::string::npos)
        w1_evaluators.insert(row[8]);
    active = std::count(csv.begin(), csv.end(), '\n') >= 12 && w1_evaluators.size() == 2;
    if (!active)
      ::usleep(10000);
  }
  BOOST_TEST_REQUIRE(active, "worker 1 never returned results from both evaluators: "
                               << read_file(out + "/observations.csv"));
  ::kill(w1, SIGKILL);
  BOOST_TEST(kids.wait(w1, 5) == 128 + SIGKILL);
  BOOST_TEST_REQUIRE(kids.wait(head, 60) == 0, read_file(d.path + "/head.err"));
  BOOST_TEST(kids.wait(w2, 10) == 0, "the surviving worker exits cleanly when the head "
                                     "finishes: "
                                       << read_file(d.path + "/w2.err"));
  auto s = nlohmann::json::parse(read_file(out + "/summary.json"));
  BOOST_TEST(s["status"] == "completed");
  BOOST_TEST(s["observations"].get<int>() == 30);
  BOOST_TEST(s["requeued"].get<int>() >= 1);
  BOOST_TEST(s["nodes"].get<int>() == 2);
  // Every id has exactly one ok row; each lost attempt is its own row.
  auto rows = parse_csv(read_file(out + "/observations.csv"));
  std::map<std::string, int> ok;
  std::size_t lost = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ok[rows[i][0]] += rows[i][6] == "ok" ? 1 : 0;
    if (rows[i][6] == "lost") {
      ++lost;
      BOOST_TEST(rows[i][7].find("evaluator down") != std::string::npos, rows[i][7]);
    }
  }
  BOOST_TEST(ok.size() == 33u);
  for (auto& [id, n] : ok)
    BOOST_TEST(n == 1, "id " << id);
  BOOST_TEST(lost == s["requeued"].get<std::size_t>());
  BOOST_TEST(read_file(d.path + "/head.err").find("left: exit_reason(remote_link_unreachable)")
             != std::string::npos);
}

BOOST_AUTO_TEST_CASE(persistent_programs_run_on_remote_workers_too) {
  temp_dir d;
  children kids;
  const std::string out = d.path + "/out";
  auto head = kids.add(start_program(
    {binary(), "run", source_dir() + "/config/persistent-example.ini",
     "--experiment.num-workers=0", "--experiment.num-observations=10",
     "--acquisition.samples=256", "--cluster.port=0", "--output.dir=" + out,
     "--objective.command=[\"python3\", \"" + source_dir() + "/examples/persistent_train.py\"]"},
    d.path + "/head.out", d.path + "/head.err"));
  const std::string port = head_port(d.path + "/head.err");
  auto w = kids.add(start_program({binary(), "worker", "--cluster.port=" + port,
                                   "--worker.evaluators=2", "--worker.name=nodeP",
                                   "--worker.log-dir=" + d.path + "/wlogs"},
                                  d.path + "/w.out", d.path + "/w.err"));
  BOOST_TEST_REQUIRE(kids.wait(head, 120) == 0, read_file(d.path + "/head.err"));
  const auto t_head = std::chrono::steady_clock::now();
  BOOST_TEST(kids.wait(w, 60) == 0, read_file(d.path + "/w.err"));
  BOOST_TEST_MESSAGE("worker exit after the head: "
                     << std::chrono::duration<double>(std::chrono::steady_clock::now() - t_head)
                          .count()
                     << " s");
  auto rows = parse_csv(read_file(out + "/observations.csv"));
  BOOST_TEST_REQUIRE(rows.size() == 1u + 6u + 10u);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    BOOST_TEST(rows[i][7] == "ok", rows[i][8]);
    BOOST_TEST(rows[i][9].rfind("nodeP/", 0) == 0u, rows[i][9]);
  }
  // Two programs (one per remote evaluator), each started once and kept:
  // their logs are on the worker's side.
  std::size_t started = 0;
  for (auto& e : std::filesystem::directory_iterator(d.path + "/wlogs"))
    if (e.path().extension() == ".out") {
      ++started;
      BOOST_TEST(read_file(e.path().string()).find("data loaded") == 0u);
    }
  BOOST_TEST(started == 2u);
}

BOOST_AUTO_TEST_CASE(categorical_choices_survive_workers_the_logs_a_kill_and_resume) {
  temp_dir d;
  children kids;
  const std::string out = d.path + "/out";
  const std::string cmd = "--objective.command=[\"python3\", \"" + source_dir()
                          + "/examples/toy_train.py\", \"--lr={lr}\", \"--momentum={momentum}\", "
                            "\"--layers={layers}\", \"--optimizer={optimizer}\"]";
  const std::vector<std::string> run = {binary(), "run",
                                        source_dir() + "/config/categorical-example.ini",
                                        "--experiment.num-workers=1",
                                        "--experiment.num-observations=16",
                                        cmd,
                                        "--output.dir=" + out, "--output.progress=never"};
  auto with_cluster = run;
  with_cluster.push_back("--cluster.port=0");
  auto head = kids.add(start_program(with_cluster, d.path + "/head.out", d.path + "/head.err"));
  const std::string port = head_port(d.path + "/head.err");
  auto w = kids.add(start_program({binary(), "worker", "--cluster.port=" + port,
                                   "--worker.evaluators=2", "--worker.name=nodeC",
                                   "--worker.log-dir=" + d.path + "/wlogs"},
                                  d.path + "/w.out", d.path + "/w.err"));
  // Kill the head half way.
  for (int i = 0; i < 3000; ++i) {
    auto csv = read_file(out + "/observations.csv");
    if (std::count(csv.begin(), csv.end(), '\n') >= 12)
      break;
    ::usleep(10000);
  }
  ::kill(head, SIGKILL);
  BOOST_TEST(kids.wait(head, 10) == 128 + SIGKILL);
  ::kill(w, SIGKILL);
  kids.wait(w, 10);
  auto resumed = run;
  resumed.push_back("--resume");
  auto r = run_program(resumed);
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  auto rows = parse_csv(read_file(out + "/observations.csv"));
  BOOST_TEST_REQUIRE(rows.size() > 1u);
  BOOST_TEST(rows[0][6] == "optimizer");
  std::set<std::string> ok_ids, remote;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const std::string choice = row[6];
    BOOST_TEST((choice == "adam" || choice == "sgd" || choice == "rmsprop"), choice);
    if (row[8] != "ok")
      continue;
    ok_ids.insert(row[0]);
    // The program got the choice as its string, on this host or the worker.
    const bool on_worker = row[10].rfind("nodeC/", 0) == 0;
    remote.insert(on_worker ? row[0] : "");
    const std::string log = read_file((on_worker ? d.path + "/wlogs/" : out + "/logs/") + row[0]
                                      + "-" + row[1] + ".out");
    BOOST_TEST(log.find("optimizer " + choice + "\n") != std::string::npos,
               "id " << row[0] << ": " << log);
  }
  BOOST_TEST(ok_ids.size() == 6u + 16u);   // every point once, after the resume
  BOOST_TEST(remote.size() > 1u);          // some ran on the worker
  auto s = nlohmann::json::parse(read_file(out + "/summary.json"));
  const std::string best = s["best_point"]["optimizer"].get<std::string>();
  BOOST_TEST((best == "adam" || best == "sgd" || best == "rmsprop"));
  BOOST_TEST(s["recommended"]["point"]["optimizer"].is_string());
}

BOOST_AUTO_TEST_CASE(a_worker_with_the_wrong_secret_gets_no_work) {
  temp_dir d;
  children kids;
  const std::string out = d.path + "/out";
  std::ofstream(d.path + "/secret") << "correct horse\n";
  auto head = kids.add(start_program(
    {binary(), "run", source_dir() + "/config/branin-async.ini", "--experiment.num-workers=2",
     "--experiment.batch-size=1", "--cluster.port=0",
     "--cluster.secret-file=" + d.path + "/secret", "--delay.time-scale=0.05",
     "--acquisition.samples=256", "--output.dir=" + out},
    d.path + "/head.out", d.path + "/head.err"));
  const std::string port = head_port(d.path + "/head.err");
  auto bad = run_program({binary(), "worker", "--cluster.port=" + port,
                          "--cluster.secret=battery staple", "--worker.evaluators=3",
                          "--worker.name=intruder"});
  BOOST_TEST(bad.code == 2);
  BOOST_TEST(bad.err.find("the head rejected this worker: wrong cluster secret")
               != std::string::npos,
             bad.err);
  BOOST_TEST_REQUIRE(kids.wait(head, 60) == 0, read_file(d.path + "/head.err"));
  auto s = nlohmann::json::parse(read_file(out + "/summary.json"));
  BOOST_TEST(s["rejected"].get<int>() >= 1);
  BOOST_TEST(s["nodes"].get<int>() == 0);
  auto csv = read_file(out + "/observations.csv");
  BOOST_TEST(csv.find("intruder") == std::string::npos);
  BOOST_TEST(read_file(d.path + "/head.err")
               .find("rejected a registration from intruder")
             != std::string::npos);
  // A worker with no head to talk to gives up after connect-timeout.
  auto lonely = run_program({binary(), "worker", "--cluster.port=" + port,
                             "--cluster.connect-timeout=0.5"});
  BOOST_TEST(lonely.code == 1);
  BOOST_TEST(lonely.err.find("cannot reach the head") != std::string::npos, lonely.err);
}

BOOST_AUTO_TEST_CASE(tls_cluster_works_and_plain_or_foreign_workers_cannot_join) {
  temp_dir d;
  children kids;
  auto make_cert = [&](const std::string& name) {
    auto r = run_program({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                          "-keyout", d.path + "/" + name + ".key", "-out",
                          d.path + "/" + name + ".pem", "-days", "2", "-subj",
                          "/CN=" + name});
    BOOST_REQUIRE_MESSAGE(r.code == 0, "openssl failed: " << r.err);
  };
  make_cert("cluster");
  make_cert("other");
  auto tls = [&](const std::string& name, const std::string& ca) {
    return std::vector<std::string>{"--cluster.tls-certificate=" + d.path + "/" + name + ".pem",
                                    "--cluster.tls-key=" + d.path + "/" + name + ".key",
                                    "--cluster.tls-cafile=" + d.path + "/" + ca + ".pem"};
  };
  std::vector<std::string> head_args = {
    binary(), "run", source_dir() + "/config/branin-async.ini", "--experiment.num-workers=0",
    "--experiment.batch-size=1", "--cluster.port=0", "--delay.time-scale=0.02",
    "--acquisition.samples=256", "--experiment.num-observations=12",
    "--output.dir=" + d.path + "/out"};
  for (auto& a : tls("cluster", "cluster"))
    head_args.push_back(a);
  auto head = kids.add(start_program(head_args, d.path + "/head.out", d.path + "/head.err"));
  const std::string port = head_port(d.path + "/head.err");
  BOOST_TEST(read_file(d.path + "/head.err").find("with TLS") != std::string::npos);
  // No TLS, or a certificate the head's CA did not sign: no connection.
  auto plain = run_program({binary(), "worker", "--cluster.port=" + port,
                            "--cluster.connect-timeout=1"});
  BOOST_TEST(plain.code == 1, plain.err);
  std::vector<std::string> foreign = {binary(), "worker", "--cluster.port=" + port,
                                      "--cluster.connect-timeout=1"};
  for (auto& a : tls("other", "other"))
    foreign.push_back(a);
  auto f = run_program(foreign);
  BOOST_TEST(f.code == 1, f.err);
  // A worker with the cluster's certificate does the work.
  std::vector<std::string> good = {binary(), "worker", "--cluster.port=" + port,
                                   "--worker.evaluators=2"};
  for (auto& a : tls("cluster", "cluster"))
    good.push_back(a);
  auto w = kids.add(start_program(good, d.path + "/w.out", d.path + "/w.err"));
  BOOST_TEST_REQUIRE(kids.wait(head, 60) == 0, read_file(d.path + "/head.err"));
  BOOST_TEST(kids.wait(w, 10) == 0, read_file(d.path + "/w.err"));
  auto s = nlohmann::json::parse(read_file(d.path + "/out/summary.json"));
  BOOST_TEST(s["observations"].get<int>() == 12);
  BOOST_TEST(s["nodes"].get<int>() == 1);
}

BOOST_AUTO_TEST_CASE(non_loopback_bind_needs_a_secret) {
  auto r = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                        "--cluster.port=0", "--cluster.bind=\"0.0.0.0\""});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find("cluster.bind: accepting other hosts (cluster.bind = \"0.0.0.0\") "
                        "needs a shared secret")
               != std::string::npos,
             r.err);
}

BOOST_AUTO_TEST_SUITE_END()
