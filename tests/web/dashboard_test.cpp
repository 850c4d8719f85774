// SPDX-License-Identifier: Apache-2.0
// The dashboard's HTTP server: API shapes, paging, read-only, the token, and
// clients that never read.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "web/dashboard.hpp"

// After Eigen (through the dashboard's header): <resolv.h>, which httplib
// includes, defines a macro `_res` that breaks Eigen's declarations.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace asyncbo;
using json = nlohmann::json;

namespace {

io::evaluation_record rec(std::uint64_t id, double v) {
  io::evaluation_record r;
  r.id = id;
  r.x = {0.1, 0.2};
  r.value = v;
  r.worker = "local/0";
  return r;
}

std::shared_ptr<io::live_view> make_view(std::size_t records) {
  io::objective_spec o;
  o.name = "scaled-branin";
  o.names = {"x0", "x1"};
  auto v = std::make_shared<io::live_view>(o, "t", 100, std::chrono::steady_clock::now());
  for (std::size_t i = 0; i < records; ++i)
    v->add_record(rec(i, double(i)));
  return v;
}

json get_json(httplib::Client& c, const std::string& path, int want = 200) {
  auto r = c.Get(path.c_str());
  BOOST_TEST_REQUIRE(bool(r), path);
  BOOST_TEST(r->status == want, path << ": " << r->status);
  return json::parse(r->body);
}

/// A raw TCP connection to the dashboard (the hostile client).
int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_TEST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  // A tiny receive window: the server's writes back up at once.
  int small = 1024;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  return fd;
}

} // namespace

BOOST_AUTO_TEST_SUITE(dashboard_http)

BOOST_AUTO_TEST_CASE(api_answers_json_of_the_documented_shapes) {
  auto v = make_view(3);
  web::dashboard d(v, {});
  BOOST_TEST(d.url() == "http://127.0.0.1:" + std::to_string(d.port()) + "/");
  httplib::Client c("127.0.0.1", d.port());
  auto s = get_json(c, "/api/status");
  for (const char* k : {"state", "elapsed_s", "eta_s", "evaluations", "best", "recommended",
                        "evaluators", "queue", "pending", "latency_ms", "failures"})
    BOOST_TEST(s.contains(k), k);
  BOOST_TEST(s["evaluations"]["ok"] == 3);
  BOOST_TEST(get_json(c, "/api/evaluators")["evaluators"].is_array());
  auto o = get_json(c, "/api/observations?since=1");
  BOOST_TEST(o["since"] == 1);
  BOOST_TEST(o["next"] == 3);
  BOOST_TEST(o["observations"].size() == 2u);
  BOOST_TEST(get_json(c, "/api/observations?since=0&limit=1")["observations"].size() == 1u);
  auto bad = get_json(c, "/api/observations?since=-1", 400);
  BOOST_TEST(bad["error"].get<std::string>().find("since") != std::string::npos);
  auto page = c.Get("/");
  BOOST_TEST_REQUIRE(bool(page));
  BOOST_TEST(page->body.find("id=\"evaluators\"") != std::string::npos);
  BOOST_TEST(page->get_header_value("Content-Type").find("text/html") == 0u);
  auto svg = c.Get("/plot.svg");
  BOOST_TEST_REQUIRE(bool(svg));
  BOOST_TEST(svg->body.rfind("<svg", 0) == 0u);
  BOOST_TEST(c.Get("/nothing")->status == 404);
}

BOOST_AUTO_TEST_CASE(news_shows_up_without_a_new_server) {
  auto v = make_view(0);
  web::dashboard d(v, {});
  httplib::Client c("127.0.0.1", d.port());
  BOOST_TEST(get_json(c, "/api/status")["evaluations"]["ok"] == 0);
  v->add_record(rec(0, 5.0));
  BOOST_TEST(get_json(c, "/api/status")["evaluations"]["ok"] == 1);
  BOOST_TEST(get_json(c, "/api/observations?since=0")["observations"][0]["value"] == 5.0);
}

BOOST_AUTO_TEST_CASE(it_is_read_only) {
  auto v = make_view(1);
  web::dashboard d(v, {});
  httplib::Client c("127.0.0.1", d.port());
  auto post = c.Post("/api/status", "x", "text/plain");
  auto put = c.Put("/", "x", "text/plain");
  auto del = c.Delete("/api/observations");
  for (auto* r : {&post, &put, &del}) {
    BOOST_TEST_REQUIRE(bool(*r));
    BOOST_TEST((*r)->status == 405);
  }
  BOOST_TEST(get_json(c, "/api/status")["evaluations"]["records"] == 1);
}

BOOST_AUTO_TEST_CASE(a_token_is_required_off_loopback_and_checked_when_set) {
  auto v = make_view(1);
  web::dashboard_options open_to_all;
  open_to_all.host = "0.0.0.0";
  BOOST_TEST(open_to_all.validate().find("output.dashboard-token: required") == 0u,
             open_to_all.validate());
  BOOST_CHECK_THROW(web::dashboard(v, open_to_all), std::invalid_argument);
  BOOST_TEST(web::is_loopback("127.0.0.1"));
  BOOST_TEST(web::is_loopback("127.1.2.3"));
  BOOST_TEST(web::is_loopback("::1"));
  BOOST_TEST(web::is_loopback("localhost"));
  BOOST_TEST(!web::is_loopback("10.0.0.1"));
  BOOST_TEST(!web::is_loopback("::"));
  web::dashboard_options with_token;
  with_token.token = "t0ken-123";
  web::dashboard d(v, with_token);
  httplib::Client c("127.0.0.1", d.port());
  BOOST_TEST(c.Get("/api/status")->status == 401);
  BOOST_TEST(c.Get("/api/status?token=t0ken-12")->status == 401);
  BOOST_TEST(c.Get("/")->status == 401);
  BOOST_TEST(c.Get("/api/status?token=t0ken-123")->status == 200);
  httplib::Headers h = {{"Authorization", "Bearer t0ken-123"}};
  BOOST_TEST(c.Get("/api/evaluators", h)->status == 200);
  httplib::Headers wrong = {{"Authorization", "Bearer nope"}};
  BOOST_TEST(c.Get("/api/evaluators", wrong)->status == 401);
}

BOOST_AUTO_TEST_CASE(clients_that_never_read_never_block_the_writers) {
  // 20 000 rows make a response far larger than the socket buffers.
  auto v = make_view(20000);
  web::dashboard d(v, {});
  // More hostile clients than the server has threads: some send a request
  // and never read the answer, some never finish their request.
  std::vector<int> fds;
  for (int i = 0; i < 6; ++i) {
    int fd = connect_to(d.port());
    const std::string req = i % 2 == 0
                              ? "GET /api/observations?since=0 HTTP/1.1\r\nHost: x\r\n\r\n"
                              : "GET /api/status HTTP/1.1\r\nHo";
    BOOST_TEST_REQUIRE(::send(fd, req.data(), req.size(), 0) == ssize_t(req.size()));
    fds.push_back(fd);
  }
  // Wait until the server is answering the readers that never read (their
  // answers have begun to arrive), so that its threads are stuck on them.
  for (std::size_t i = 0; i < fds.size(); i += 2) {
    pollfd pfd{fds[i], POLLIN, 0};
    BOOST_TEST_REQUIRE(::poll(&pfd, 1, 10000) == 1);
  }
  // The writers (the actors' side) go on while every server thread is stuck:
  // if they waited on a client this loop would hang and the test time out.
  io::live_pool p;
  p.evaluators.resize(64);
  for (std::uint64_t i = 0; i < 20000; ++i) {
    v->add_record(rec(20000 + i, 1.0));
    v->set_pool(p);
  }
  BOOST_TEST(v->records() == 40000u);
  for (int fd : fds)
    ::close(fd);
  // Once the hostile clients are gone (or timed out), service resumes.
  httplib::Client c("127.0.0.1", d.port());
  c.set_read_timeout(10, 0);
  BOOST_TEST(get_json(c, "/api/status")["evaluations"]["records"] == 40000);
}

BOOST_AUTO_TEST_CASE(a_port_in_use_is_an_error_naming_the_key) {
  auto v = make_view(0);
  web::dashboard first(v, {});
  web::dashboard_options same;
  same.port = first.port();
  try {
    web::dashboard second(v, same);
    BOOST_FAIL("bound the same port twice");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()).find("output.dashboard-port: cannot listen on 127.0.0.1:"
                                          + std::to_string(first.port()))
               == 0u, e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()
