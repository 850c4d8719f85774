// SPDX-License-Identifier: Apache-2.0
// Process supervision: exit codes, signals, timeouts that kill the whole
// group, output streamed to logs, no descriptor left open.
#include <boost/test/unit_test.hpp>

#include <dirent.h>
#include <signal.h>

#include "io/process.hpp"
#include "support/process.hpp"

using namespace asyncbo::io;
using end = process_result::end;

namespace {

std::size_t open_fds() {
  std::size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (auto* e = ::readdir(d))
    n += e->d_name[0] != '.' ? 1 : 0;
  ::closedir(d);
  return n;
}

process_result sh(const std::string& script, double timeout = 0.0,
                  const std::string& stdin_text = "") {
  process_request r;
  r.argv = {"sh", "-c", script};
  r.timeout = timeout;
  r.stdin_text = stdin_text;
  return run_process(r);
}

} // namespace

BOOST_AUTO_TEST_SUITE(process_supervision)

BOOST_AUTO_TEST_CASE(exit_codes_signals_and_output) {
  auto ok = sh("echo one; echo two; exit 0");
  BOOST_CHECK(ok.how == end::exited);
  BOOST_TEST(ok.code == 0);
  BOOST_TEST(ok.stdout_tail == "one\ntwo\n");
  auto three = sh("exit 3");
  BOOST_CHECK(three.how == end::exited);
  BOOST_TEST(three.code == 3);
  BOOST_TEST(three.stderr_last == "");
  auto said = sh("echo first >&2; echo 'No such file: data.csv' >&2; echo; exit 2");
  BOOST_TEST(said.stderr_last == "No such file: data.csv");
  auto killed = sh("kill -9 $$");
  BOOST_CHECK(killed.how == end::signalled);
  BOOST_TEST(killed.code == SIGKILL);
  auto echo = sh("cat", 0.0, "{\"x\": 1}\n");
  BOOST_TEST(echo.stdout_tail == "{\"x\": 1}\n");
}

BOOST_AUTO_TEST_CASE(a_missing_program_fails_to_start_with_its_name) {
  process_request r;
  r.argv = {"no-such-program-asyncbo"};
  auto res = run_process(r);
  BOOST_CHECK(res.how == end::failed_to_start);
  BOOST_TEST(res.error == "cannot find program \"no-such-program-asyncbo\" on PATH");
  BOOST_TEST(resolve_program("sh").find("/sh") != std::string::npos);
  BOOST_TEST(resolve_program("./x") == "./x");
}

BOOST_AUTO_TEST_CASE(a_timeout_kills_the_whole_group) {
  asyncbo::test::temp_dir d;
  // The program leaves a grandchild behind that would write a file later.
  auto res = sh("(sleep 2; touch " + d.path + "/late) & sleep 30", 0.3);
  BOOST_CHECK(res.how == end::timed_out);
  // Every process of the group is gone (the grandchild's command line names
  // the folder) before it could have written the file.
  BOOST_TEST(asyncbo::test::poll_until(
      [&] { return asyncbo::test::processes_matching({"touch", d.path}) == 0; }, 10));
  BOOST_TEST(!std::filesystem::exists(d.path + "/late"));
}

BOOST_AUTO_TEST_CASE(output_goes_to_the_logs_and_only_a_bounded_tail_is_kept) {
  asyncbo::test::temp_dir d;
  process_request r;
  r.argv = {"sh", "-c", "head -c 300000 /dev/zero | tr '\\\\0' 'a'; echo; echo 0.5; "
                        "echo oops >&2"};
  r.stdout_log = d.path + "/o.out";
  r.stderr_log = d.path + "/o.err";
  auto res = run_process(r);
  BOOST_TEST(res.code == 0);
  BOOST_TEST(res.stdout_tail.size() <= 65536u);
  BOOST_TEST(res.stdout_tail.substr(res.stdout_tail.size() - 5) == "\n0.5\n");
  BOOST_TEST(std::filesystem::file_size(d.path + "/o.out") == 300005u);
  BOOST_TEST(asyncbo::test::read_file(d.path + "/o.err") == "oops\n");
}

BOOST_AUTO_TEST_CASE(no_descriptor_is_left_open_whatever_the_outcome) {
  const std::size_t before = open_fds();
  for (int i = 0; i < 20; ++i) {
    sh("echo 1");
    sh("exit 2");
    process_request r;
    r.argv = {"no-such-program-asyncbo"};
    run_process(r);
    r.argv = {"sh", "-c", "echo x"};
    r.cwd = "/nonexistent-asyncbo";   // chdir fails in the child: exit 126
    BOOST_TEST(run_process(r).code == 126);
  }
  BOOST_TEST(open_fds() == before);
}

BOOST_AUTO_TEST_CASE(the_last_line_of_a_log_is_kept_short_and_not_blank) {
  asyncbo::test::temp_dir d;
  capped_log log(d.path + "/a.log", 64);   // far smaller than what is written
  BOOST_TEST(log.last_line() == "");
  log.write("Traceback (most recent call last):\n  File \"x.py\"\n");
  BOOST_TEST(log.last_line() == "  File \"x.py\"");
  log.write("ValueError: bad\r\n\n   \n");
  BOOST_TEST(log.last_line() == "ValueError: bad");
  log.write("partial ");
  log.write("line");              // a last line without its newline counts
  BOOST_TEST(log.last_line() == "partial line");
  log.write("\n" + std::string(1000, 'x') + "\n");
  BOOST_TEST(log.last_line() == std::string(200, 'x'));
  BOOST_TEST(said_on_stderr("") == "");
  BOOST_TEST(said_on_stderr("boom") == "; stderr ended with: boom");
}

BOOST_AUTO_TEST_CASE(unique_fd_closes_once) {
  pipe_fds p;
  BOOST_REQUIRE(make_pipe(p));
  const int fd = p.read.get();
  unique_fd moved = std::move(p.read);
  BOOST_TEST(!p.read);
  BOOST_TEST(moved.get() == fd);
  moved.reset();
  BOOST_TEST(::fcntl(fd, F_GETFD) == -1);
}

BOOST_AUTO_TEST_SUITE_END()
