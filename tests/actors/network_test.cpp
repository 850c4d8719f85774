// SPDX-License-Identifier: Apache-2.0
// Every message type crosses a real CAF connection between two processes on
// 127.0.0.1 and comes back unchanged.
#include <boost/test/unit_test.hpp>

#include <unistd.h>
#include <sys/wait.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/actors.hpp"

using namespace asyncbo;
using namespace asyncbo::actors;

namespace {

struct net_config : caf::actor_system_config {
  net_config() {
    asyncbo::actors::add_message_types(*this);
    load<caf::io::middleman>();
  }
};

/// Child process: publishes an actor that sends every message back, writes
/// the port to `fd`, and serves until stdin closes.
[[noreturn]] void serve(int fd) {
  {
    net_config cfg;
    caf::actor_system sys{cfg};
    auto echo = sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
      self->set_default_handler(caf::reflect);
      return {[](caf::exit_msg&) {}};
    });
    auto port = sys.middleman().publish(echo, 0, "127.0.0.1", true);
    std::uint16_t p = port ? *port : 0;
    if (::write(fd, &p, sizeof(p)) != sizeof(p))
      _exit(3);
    char c;
    while (::read(0, &c, 1) > 0) {
    }
    caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  }
  _exit(0);
}

template <class T>
void echo_check(caf::scoped_actor& self, const caf::actor& remote, const T& x) {
  bool got = false;
  self->request(remote, std::chrono::seconds(5), x)
    .receive(
      [&](T& y) {
        got = true;
        BOOST_TEST(caf::deep_to_string(y) == caf::deep_to_string(x));
      },
      [&](caf::error& e) { BOOST_FAIL("no echo: " << self->system().render(e)); });
  BOOST_TEST(got);
}

} // namespace

BOOST_AUTO_TEST_SUITE(message_network_roundtrip)

BOOST_AUTO_TEST_CASE(every_message_type_crosses_loopback_unchanged) {
  int port_pipe[2], life[2];
  BOOST_REQUIRE(::pipe(port_pipe) == 0 && ::pipe(life) == 0);
  pid_t child = ::fork();
  if (child == 0) {
    ::close(port_pipe[0]);
    ::close(life[1]);
    ::dup2(life[0], 0);
    serve(port_pipe[1]);
  }
  ::close(port_pipe[1]);
  ::close(life[0]);
  std::uint16_t port = 0;
  BOOST_REQUIRE(::read(port_pipe[0], &port, sizeof(port)) == sizeof(port));
  BOOST_REQUIRE(port != 0);
  {
    net_config cfg;
    caf::actor_system sys{cfg};
    auto remote = sys.middleman().remote_actor("127.0.0.1", port);
    BOOST_REQUIRE(remote);
    caf::scoped_actor self{sys};
    job p;
    p.id = 12345678901234ull;
    p.attempt = 2;
    p.initial = true;
    p.batch = 9;
    p.x = {1.0 / 3.0, -2.5e-310, 7e300};
    p.unit = {0.0, 1.0, 0.5};
    echo_check(self, *remote, p);
    result_msg r;
    r.id = 5;
    r.value = std::numeric_limits<double>::infinity(); // hung CAF's own packing
    r.status = attempt_status::bad_output;
    r.reason = "line: \"nan\"";
    r.worker = "host:1/0";
    r.duration_s = 0.25;
    r.received_ns = 123456789012345;
    echo_check(self, *remote, r);
    proposal_batch b;
    b.points = {p, p};
    b.ask_ms = 3.5;
    echo_check(self, *remote, b);
    io::evaluation_record rec;
    rec.x = {0.1, -2.5e-310};
    rec.status = attempt_status::lost;
    rec.final = false;
    rec.end_time = 2.0;
    echo_check(self, *remote, rec);
    pool_snapshot snap;
    snap.busy = 1;
    snap.last_ask_ms = 4.5;
    echo_check(self, *remote, snap);
    io::run_stats st;
    st.ask_ms = {1.5};
    st.transport_ms = {0.3, 0.4};
    st.message = "m";
    echo_check(self, *remote, st);
    io::objective_spec spec;
    spec.name = "command";
    spec.names = {"lr"};
    spec.command = {"python3", "train.py", "--lr={lr}"};
    spec.timeout = 10;
    spec.minimum = 0.5;
    echo_check(self, *remote, spec);
    echo_check(self, *remote, run_outcome{io::run_status::refused, "why", "runs/z"});
    self->send_exit(*remote, caf::exit_reason::user_shutdown);
  }
  ::close(life[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  BOOST_TEST(WIFEXITED(status));
}

BOOST_AUTO_TEST_SUITE_END()
