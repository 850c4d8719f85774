// SPDX-License-Identifier: Apache-2.0
// The live dashboard: a read-only HTTP server (cpp-httplib) over an
// io::live_view. It serves one page and the JSON API the page uses:
//   GET /                      the page (polls the API twice a second)
//   GET /api/status            state, progress, best, recommended, queue,
//                              pending points, latencies, latest failures
//   GET /api/evaluators        every evaluator: node, busy or idle, point,
//                              running for how long
//   GET /api/observations?since=K[&limit=L]
//                              the log's rows from sequence number K on
//   GET /plot.svg              the plot, drawn by io::make_plot_svg
// Nothing on it changes the run: every other method or path is refused.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "io/live.hpp"

namespace asyncbo::web {

struct dashboard_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;   ///< 0 = a free port
  /// Required when `host` is not a loopback address; then every request must
  /// carry it (`Authorization: Bearer TOKEN` or `?token=TOKEN`).
  std::string token;
  /// "" if valid, else why not (naming the output.dashboard-* key).
  std::string validate() const;
};

/// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

/// Serves `view` until destroyed, on threads of its own; a slow client ties
/// up only one of them, and only up to the read and write timeouts (2 s).
class dashboard {
public:
  /// Binds and starts serving. Throws std::invalid_argument for invalid
  /// options and std::runtime_error naming the address if it cannot bind.
  dashboard(std::shared_ptr<const io::live_view> view, dashboard_options opts);
  ~dashboard();
  dashboard(const dashboard&) = delete;
  dashboard& operator=(const dashboard&) = delete;

  std::uint16_t port() const noexcept;
  /// http://HOST:PORT/ (never with the token).
  std::string url() const;

private:
  struct impl;
  std::unique_ptr<impl> p_;
};

/// The page (HTML, CSS and script in one document, no external resources).
const char* dashboard_page();

} // namespace asyncbo::web
