// SPDX-License-Identifier: Apache-2.0
// The live dashboard's HTTP server (cpp-httplib).
#include "web/dashboard.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <httplib.h>

namespace asyncbo::web {

namespace {

constexpr std::size_t kMaxRows = 5000;   ///< observations per API answer

std::size_t parse_count(const httplib::Request& req, const char* key, std::size_t dflt) {
  if (!req.has_param(key))
    return dflt;
  const std::string v = req.get_param_value(key);
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument(std::string(key) + ": expected a count, got \"" + v + "\"");
  return static_cast<std::size_t>(std::stoull(v));
}

/// The request's token: the bearer header, else the token parameter.
std::string token_of(const httplib::Request& req) {
  const std::string auth = req.get_header_value("Authorization");
  const std::string bearer = "Bearer ";
  if (auth.compare(0, bearer.size(), bearer) == 0)
    return auth.substr(bearer.size());
  return req.has_param("token") ? req.get_param_value("token") : std::string();
}

void json_reply(httplib::Response& res, const nlohmann::json& j) {
  res.set_header("Cache-Control", "no-store");
  res.set_content(j.dump(), "application/json");
}

} // namespace

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1")
    return true;
  in_addr a{};
  if (::inet_pton(AF_INET, host.c_str(), &a) == 1)
    return (ntohl(a.s_addr) >> 24) == 127;
  return false;
}

std::string dashboard_options::validate() const {
  if (host.empty())
    return "output.dashboard-host: must not be empty";
  if (!is_loopback(host) && token.empty())
    return "output.dashboard-token: required when output.dashboard-host is not a "
           "loopback address (got \"" + host + "\"): anyone who can reach it could "
           "watch the run";
  return "";
}

struct dashboard::impl {
  std::shared_ptr<const io::live_view> view;
  dashboard_options opts;
  httplib::Server server;
  std::thread thread;
  std::uint16_t port = 0;
  std::atomic<bool> returned{false};
};

dashboard::dashboard(std::shared_ptr<const io::live_view> view, dashboard_options opts)
  : p_(std::make_unique<impl>()) {
  if (auto e = opts.validate(); !e.empty())
    throw std::invalid_argument(e);
  if (!view)
    throw std::invalid_argument("dashboard: no view");
  // A client that hangs up while we write must not kill the run.
  ::signal(SIGPIPE, SIG_IGN);
  p_->view = std::move(view);
  p_->opts = std::move(opts);
  auto& svr = p_->server;
  // Bounded by the client only up to these: a client that never reads or
  // never finishes its request loses its connection, and holds one of the
  // server's threads (never an actor) until then.
  svr.set_read_timeout(2, 0);
  svr.set_write_timeout(2, 0);
  svr.set_keep_alive_max_count(100);
  svr.set_payload_max_length(1024);
  svr.new_task_queue = [] { return new httplib::ThreadPool(4); };
  // httplib's default also sets SO_REUSEPORT, which lets a second run bind
  // the same port and take half of the first one's requests: only
  // SO_REUSEADDR here (a restarted run can rebind at once).
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  const std::string token = p_->opts.token;
  svr.set_pre_routing_handler([token](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "GET" && req.method != "HEAD") {
      res.status = 405;
      res.set_header("Allow", "GET, HEAD");
      res.set_content("the dashboard is read-only\n", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!token.empty() && !io::equal_constant_time(token_of(req), token)) {
      res.status = 401;
      res.set_content("a token is required (Authorization: Bearer TOKEN or ?token=)\n",
                      "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  const auto* v = p_->view.get();
  svr.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(dashboard_page(), "text/html; charset=utf-8");
  });
  svr.Get("/api/status", [v](const httplib::Request&, httplib::Response& res) {
    json_reply(res, v->status_json());
  });
  svr.Get("/api/evaluators", [v](const httplib::Request&, httplib::Response& res) {
    json_reply(res, v->evaluators_json());
  });
  svr.Get("/api/observations", [v](const httplib::Request& req, httplib::Response& res) {
    try {
      const std::size_t since = parse_count(req, "since", 0);
      const std::size_t limit = std::min(parse_count(req, "limit", kMaxRows), kMaxRows);
      json_reply(res, v->observations_json(since, limit));
    } catch (const std::exception& e) {
      res.status = 400;
      json_reply(res, nlohmann::json{{"error", e.what()}});
    }
  });
  svr.Get("/plot.svg", [v](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(v->plot_svg(), "image/svg+xml");
  });
  const int port = p_->opts.port == 0
                     ? svr.bind_to_any_port(p_->opts.host)
                     : (svr.bind_to_port(p_->opts.host, p_->opts.port) ? p_->opts.port : -1);
  if (port <= 0)
    throw std::runtime_error("output.dashboard-port: cannot listen on " + p_->opts.host + ":"
                             + std::to_string(p_->opts.port));
  p_->port = static_cast<std::uint16_t>(port);
  p_->thread = std::thread([this] {
    p_->server.listen_after_bind();
    p_->returned = true;
  });
  // Serving before the constructor returns: stop() is a no-op on a server
  // that is not running yet, and the destructor relies on it.
  while (!p_->server.is_running() && !p_->returned)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

dashboard::~dashboard() {
  p_->server.stop();
  if (p_->thread.joinable())
    p_->thread.join();
}

std::uint16_t dashboard::port() const noexcept { return p_->port; }

std::string dashboard::url() const {
  const bool v6 = p_->opts.host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + p_->opts.host + "]" : p_->opts.host) + ":"
         + std::to_string(p_->port) + "/";
}

} // namespace asyncbo::web
