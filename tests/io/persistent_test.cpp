// SPDX-License-Identifier: Apache-2.0
// Persistent objective programs: the reply protocol, and one program that
// crashes, hangs, answers garbage, reports errors and leaks a child, each
// attempt accounted for with its reason, the program restarted each time,
// nothing left behind.
#include <boost/test/unit_test.hpp>

#include <dirent.h>
#include <fstream>

#include <nlohmann/json.hpp>

#include "io/persistent.hpp"
#include "support/process.hpp"

using namespace asyncbo::io;
using asyncbo::attempt_status;

namespace {

/// Processes whose command line contains `marker`.
std::size_t processes_with(const std::string& marker) {
  std::size_t n = 0;
  DIR* d = ::opendir("/proc");
  while (auto* e = ::readdir(d)) {
    const std::string pid = e->d_name;
    if (pid.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::string cmd = asyncbo::test::read_file("/proc/" + pid + "/cmdline");
    for (char& c : cmd)
      if (c == '\0')
        c = ' ';
    // Zombies have an empty command line; only live processes count.
    if (cmd.find(marker) != std::string::npos)
      ++n;
  }
  ::closedir(d);
  return n;
}

/// A raw-protocol program in sh: "x" is the point's first coordinate, by
/// which it chooses how to misbehave.
const char* script = R"SH(
echo "started $$"
while IFS= read -r line; do
  id=$(printf '%s' "$line" | sed 's/.*"id":\([0-9]*\).*/\1/')
  x=$(printf '%s' "$line" | sed 's/.*"a":\([0-9.e+-]*\).*/\1/')
  echo "evaluating $id"
  case "$x" in
    1.0) echo "crashing" >&2; exit 3 ;;
    2.0) sleep 300 ;;
    3.0) echo "{\"id\": $id, \"valu\": 1}" ;;
    4.0) echo "{\"id\": 99999, \"value\": 1}" ;;
    5.0) echo "{\"id\": $id, \"error\": \"diverged\"}" ;;
    6.0) echo "{\"id\": $id, \"value\": null}" ;;
    7.0) sh -c 'sleep 300; true' MARKER & echo "{\"id\": $id, \"value\": 7.5}" ;;
    *) echo "{\"id\": $id, \"value\": $x}" ;;
  esac
done
)SH";

objective_spec spec_for(const std::string& dir, double timeout) {
  std::string body = script;
  const std::string marker = dir + "/leak";
  for (auto p = body.find("MARKER"); p != std::string::npos; p = body.find("MARKER"))
    body.replace(p, 6, marker);
  std::ofstream(dir + "/obj.sh") << body;
  objective_spec s;
  s.name = "command";
  s.names = {"a"};
  s.command = {"sh", dir + "/obj.sh"};
  s.persistent = true;
  s.timeout = timeout;
  return s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(persistent_programs)

BOOST_AUTO_TEST_CASE(requests_carry_the_point_by_name) {
  const auto line = request_line({"lr", "layers"}, {0.01, 4.0}, 7, 1, "local/1");
  auto j = nlohmann::json::parse(line);
  BOOST_TEST(j["id"] == 7);
  BOOST_TEST(j["attempt"] == 1);
  BOOST_TEST(j["worker"] == "local/1");
  BOOST_TEST(j["x"]["lr"] == 0.01);
  BOOST_TEST(j["x"]["layers"] == 4.0);
  BOOST_TEST(line.find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(replies_are_told_from_output_and_from_invalid_answers) {
  command_outcome o;
  BOOST_TEST((parse_reply("epoch 1 loss 0.3", 7, o) == reply_kind::not_a_reply));
  BOOST_TEST((parse_reply("{\"loss\": 0.3}", 7, o) == reply_kind::not_a_reply));
  BOOST_TEST((parse_reply("{not json", 7, o) == reply_kind::not_a_reply));
  BOOST_TEST((parse_reply("{\"id\": 7, \"value\": 0.5}", 7, o) == reply_kind::reply));
  BOOST_TEST((o.status == attempt_status::ok));
  BOOST_TEST(o.value == 0.5);
  BOOST_TEST((parse_reply("{\"id\": 7, \"error\": \"diverged\"}", 7, o) == reply_kind::reply));
  BOOST_TEST((o.status == attempt_status::error));
  BOOST_TEST(o.reason == "diverged");
  BOOST_TEST((parse_reply("{\"id\": 7, \"value\": null}", 7, o) == reply_kind::reply));
  BOOST_TEST((o.status == attempt_status::not_finite));
  BOOST_TEST((parse_reply("{\"id\": 8, \"value\": 0.5}", 7, o) == reply_kind::invalid));
  BOOST_TEST(o.reason.find("the request in flight has id 7") != std::string::npos, o.reason);
  BOOST_TEST((parse_reply("{\"id\": 7, \"valu\": 0.5}", 7, o) == reply_kind::invalid));
  BOOST_TEST(o.reason.find("needs \"value\" or \"error\"") != std::string::npos, o.reason);
  BOOST_TEST((parse_reply("{\"id\": 7, \"value\": \"0.5\"}", 7, o) == reply_kind::invalid));
  BOOST_TEST((o.status == attempt_status::bad_output));
  BOOST_TEST((parse_reply("{\"id\": \"7\", \"value\": 0.5}", 7, o) == reply_kind::invalid));
}

BOOST_AUTO_TEST_CASE(one_program_survives_everything_and_is_restarted_each_time) {
  asyncbo::test::temp_dir d;
  const std::string logs = d.path + "/logs";
  {
    persistent_program p(spec_for(d.path, 1.0), "local/0", logs);
    std::uint64_t id = 0;
    auto eval = [&](double a) { return p.evaluate({a}, ++id, 0); };
    auto ok = eval(0.25);
    BOOST_TEST((ok.status == attempt_status::ok));
    BOOST_TEST(ok.value == 0.25);
    BOOST_TEST(eval(0.5).value == 0.5);
    BOOST_TEST(p.starts() == 1u);   // the same program answered both

    auto crash = eval(1);
    BOOST_TEST((crash.status == attempt_status::error));
    BOOST_TEST(crash.reason.find("ended without answering (exit code 3)") != std::string::npos,
               crash.reason);
    // The cause is in the reason, not only in the log.
    BOOST_TEST(crash.reason.find("; stderr ended with: crashing") != std::string::npos,
               crash.reason);
    BOOST_TEST(eval(0.125).value == 0.125);
    BOOST_TEST(p.starts() == 2u);

    auto hang = eval(2);
    BOOST_TEST((hang.status == attempt_status::timeout));
    BOOST_TEST(hang.reason.find("no reply after 1 s") != std::string::npos, hang.reason);
    BOOST_TEST(!p.running());

    auto garbage = eval(3);
    BOOST_TEST((garbage.status == attempt_status::bad_output));
    BOOST_TEST(garbage.reason.find("program is restarted") != std::string::npos);
    auto wrong_id = eval(4);
    BOOST_TEST((wrong_id.status == attempt_status::bad_output));
    BOOST_TEST(p.starts() == 4u);

    auto error = eval(5);
    BOOST_TEST((error.status == attempt_status::error));
    BOOST_TEST(error.reason == "diverged");
    auto nan = eval(6);
    BOOST_TEST((nan.status == attempt_status::not_finite));
    BOOST_TEST(p.starts() == 5u);   // an error reply keeps the program

    auto leak = eval(7);
    BOOST_TEST(leak.value == 7.5);
    // The leaked child exists once its fork has exec'd (poll: under load
    // that can take a moment after the reply).
    for (int i = 0; i < 200 && processes_with(d.path + "/leak") == 0u; ++i)
      ::usleep(10000);
    BOOST_TEST(processes_with(d.path + "/leak") == 1u);
    BOOST_TEST(eval(0.75).value == 0.75);
    BOOST_TEST(p.starts() == 5u);
  }
  // The destructor ended the program's whole group, the leaked child too.
  BOOST_TEST(processes_with(d.path + "/leak") == 0u);
  BOOST_TEST(processes_with(d.path + "/obj.sh") == 0u);
  // One log pair per start: the program's own lines and its stderr.
  BOOST_TEST(asyncbo::test::read_file(logs + "/local_0-1.out").find("evaluating 2")
             != std::string::npos);
  BOOST_TEST(asyncbo::test::read_file(logs + "/local_0-1.err").find("crashing")
             != std::string::npos);
  BOOST_TEST(asyncbo::test::read_file(logs + "/local_0-5.out").find("started")
             != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_program_that_cannot_start_fails_the_attempt_with_its_name) {
  objective_spec s;
  s.name = "command";
  s.names = {"a"};
  s.command = {"no-such-program-asyncbo"};
  s.persistent = true;
  persistent_program p(s, "local/0", "");
  auto o = p.evaluate({0.5}, 1, 0);
  BOOST_TEST((o.status == attempt_status::error));
  BOOST_TEST(o.reason.find("cannot find program \"no-such-program-asyncbo\"") == 0u, o.reason);
}

BOOST_AUTO_TEST_SUITE_END()
