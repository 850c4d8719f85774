// SPDX-License-Identifier: Apache-2.0
// The live dashboard in a real browser: Debian's chromium, headless, loads
// the page of a running experiment twice; the evaluators table and the plot
// are rendered and the evaluation count moves.
#include <boost/test/unit_test.hpp>

#include <regex>
#include <algorithm>

#include "support/process.hpp"

using namespace asyncbo::test;

namespace {

/// argv[3]: the chromium binary (CMake's find_program; "" if not found).
std::string chromium() {
  auto& m = boost::unit_test::framework::master_test_suite();
  return m.argc >= 4 ? m.argv[3] : "";
}

/// The page's DOM after its script has run for `budget_ms` (virtual time).
std::string dump_dom(const std::string& url, int budget_ms, const std::string& profile) {
  auto r = run_program({chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--disable-background-networking",
                        "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile,
                        "--virtual-time-budget=" + std::to_string(budget_ms), "--dump-dom",
                        url});
  BOOST_TEST_REQUIRE(r.code == 0, "chromium failed: " << r.err);
  return r.out;
}

int count_of(const std::string& dom) {
  std::smatch m;
  static const std::regex done(R"re(id="done">(\d+)<)re");
  BOOST_TEST_REQUIRE(std::regex_search(dom, m, done), dom.substr(0, 2000));
  return std::stoi(m[1]);
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1))
    ++n;
  return n;
}

} // namespace

BOOST_AUTO_TEST_SUITE(browser_end_to_end)

BOOST_AUTO_TEST_CASE(the_dashboard_renders_and_follows_a_running_experiment) {
  BOOST_TEST_REQUIRE(!chromium().empty(),
                     "chromium not found: scripts/setup.sh installs it (package chromium)");
  temp_dir d;
  const std::string err = d.path + "/err.txt";
  const std::string token = "DashTok3n-77";
  pid_t pid = start_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                             "--output.dir=" + d.path + "/out", "--delay.time-scale=0.4",
                             "--experiment.num-observations=100", "--acquisition.samples=256",
                             "--output.dashboard-port=0", "--output.dashboard-token=" + token,
                             "--cluster.port=0", "--cluster.secret=ClusterSecr3t-55"},
                            d.path + "/out.txt", err);
  const bool up = wait_for_text(err, "asyncbo: dashboard: http://127.0.0.1:", 30);
  if (!up)
    ::kill(pid, SIGKILL);
  BOOST_TEST_REQUIRE(up, read_file(err));
  std::smatch m;
  const std::string text = read_file(err);
  BOOST_TEST_REQUIRE(std::regex_search(text, m, std::regex(R"(http://127\.0\.0\.1:\d+/)")));
  const std::string url = m[0].str();
  BOOST_TEST(text.find(token) == std::string::npos);   // never printed

  // Without the token: nothing but the refusal.
  const std::string refused = dump_dom(url, 500, d.path + "/profile");
  BOOST_TEST(refused.find("id=\"evaluators\"") == std::string::npos);
  BOOST_TEST(refused.find("a token is required") != std::string::npos, refused);

  const std::string first = dump_dom(url + "?token=" + token, 2500, d.path + "/profile");
  // The second load once the run has finished more evaluations than the
  // first page showed (polled against a deadline, not a fixed pause).
  const int shown = count_of(first);
  const std::string csv_path = d.path + "/out/observations.csv";
  const bool advanced = poll_until([&] {
    const auto csv = read_file(csv_path);
    return std::count(csv.begin(), csv.end(), '\n') - 1 > shown;
  }, 60);
  BOOST_TEST(advanced, "the run never passed " << shown << " evaluations");
  const std::string second = dump_dom(url + "?token=" + token, 2500, d.path + "/profile");
  const int wait = wait_program(pid, 120);
  if (wait < 0)
    ::kill(pid, SIGKILL);
  BOOST_TEST(wait == 0, read_file(err));

  for (const auto* dom : {&first, &second}) {
    // The evaluators table: one row per local evaluator.
    BOOST_TEST(occurrences(*dom, "<tr class=\"evaluator ") == 4u, *dom);
    BOOST_TEST(dom->find("<td>local/0</td>") != std::string::npos);
    // The plot: an image from the server's SVG, loaded.
    static const std::regex plot(R"re(<img id="plot"[^>]*src="blob:[^"]+"[^>]*data-loaded="\d+")re");
    BOOST_TEST(std::regex_search(*dom, plot), *dom);
    BOOST_TEST(dom->find("id=\"state\" class=\"running\"") != std::string::npos);
    BOOST_TEST(dom->find("ClusterSecr3t-55") == std::string::npos);
  }
  // The count moves while the run goes on, without a reload of the page's
  // own script state (each load polls on its own).
  const int n1 = count_of(first), n2 = count_of(second);
  BOOST_TEST(n1 > 0);
  BOOST_TEST(n2 > n1, n1 << " then " << n2);
}

BOOST_AUTO_TEST_CASE(a_dashboard_off_loopback_without_a_token_is_refused_before_anything_runs) {
  temp_dir d;
  auto r = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                        "--output.dir=" + d.path + "/out", "--output.dashboard-port=0",
                        "--output.dashboard-host=0.0.0.0"});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find("output.dashboard-token: required when output.dashboard-host is not "
                        "a loopback address (got \"0.0.0.0\")")
               != std::string::npos,
             r.err);
  BOOST_TEST(!std::filesystem::exists(d.path + "/out"));
}

BOOST_AUTO_TEST_SUITE_END()
