// SPDX-License-Identifier: Apache-2.0
// The command protocol of external-program objectives.
#include "io/command.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/format.hpp"
#include "core/space.hpp"
#include "io/process.hpp"
#include "io/records.hpp"

namespace asyncbo::io {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string shorten(const std::string& s, std::size_t n = 120) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

/// The last non-empty line of `text`, trimmed.
std::string last_line(const std::string& text) {
  std::size_t end = text.size();
  while (end > 0) {
    const auto start = text.rfind('\n', end - 1);
    const std::size_t b = start == std::string::npos ? 0 : start + 1;
    std::string line = trim(text.substr(b, end - b));
    if (!line.empty() || start == std::string::npos)
      return line;
    end = start;
  }
  return {};
}

command_outcome failed(attempt_status s, std::string why) {
  command_outcome out;
  out.status = s;
  out.reason = std::move(why);
  return out;
}

} // namespace

std::vector<std::string> expand_argv(const std::vector<std::string>& argv,
                                     const std::vector<std::string>& names,
                                     const std::vector<double>& x,
                                     const std::vector<std::vector<std::string>>& choices) {
  std::vector<std::string> out;
  for (std::size_t a = 0; a < argv.size(); ++a) {
    const std::string& arg = argv[a];
    const std::string who = "objective.command: argument " + std::to_string(a) + " (\""
                            + arg + "\")";
    std::string res;
    for (std::size_t i = 0; i < arg.size(); ++i) {
      const char c = arg[i];
      if ((c == '{' || c == '}') && i + 1 < arg.size() && arg[i + 1] == c) {
        res += c;
        ++i;
      } else if (c == '{') {
        const auto close = arg.find('}', i);
        if (close == std::string::npos)
          throw std::invalid_argument(who + " has an unmatched '{'");
        const std::string name = arg.substr(i + 1, close - i - 1);
        std::size_t k = 0;
        while (k < names.size() && names[k] != name)
          ++k;
        if (k == names.size())
          throw std::invalid_argument(who + " names {" + name
                                      + "}, which is not in space.names");
        res += k < x.size() ? (k < choices.size() ? value_text(choices[k], x[k]) : exact(x[k]))
                            : std::string();
        i = close;
      } else if (c == '}') {
        throw std::invalid_argument(who + " has an unmatched '}'");
      } else {
        res += c;
      }
    }
    out.push_back(res);
  }
  return out;
}

std::string point_json(const std::vector<std::string>& names, const std::vector<double>& x,
                       const std::vector<std::vector<std::string>>& choices) {
  return named_point(names, x, choices).dump();
}

void parse_output(const std::string& text, command_outcome& out) {
  const std::string line = last_line(text);
  if (line.empty()) {
    out.status = attempt_status::bad_output;
    out.reason = "no output: the last line of stdout must be the value";
    return;
  }
  double v = 0.0;
  bool parsed = false;
  if (line.front() == '{') {
    try {
      auto j = nlohmann::json::parse(line);
      if (j.contains("value") && j["value"].is_number()) {
        v = j["value"].get<double>();
        parsed = true;
      } else if (j.contains("value") && j["value"].is_null()) {
        v = std::nan("");
        parsed = true;
      }
    } catch (const nlohmann::json::exception&) {
      // falls through to bad_output
    }
  } else {
    char* endp = nullptr;
    errno = 0;
    v = std::strtod(line.c_str(), &endp);
    parsed = endp != line.c_str() && *endp == '\0';
  }
  if (!parsed) {
    out.status = attempt_status::bad_output;
    out.reason = "last line of stdout is not a number or {\"value\": number}: \""
                 + shorten(line) + "\"";
    return;
  }
  if (!std::isfinite(v)) {
    out.status = attempt_status::not_finite;
    out.reason = "objective printed " + shorten(line);
    return;
  }
  out.status = attempt_status::ok;
  out.value = v;
}

command_outcome run_command(const objective_spec& spec, const std::string& log_dir,
                            const std::vector<double>& x, std::uint64_t id,
                            std::uint32_t attempt, const std::string& worker) {
  process_request req;
  try {
    req.argv = expand_argv(spec.command, spec.names, x, spec.choices);
  } catch (const std::invalid_argument& e) {
    return failed(attempt_status::error, e.what());
  }
  if (req.argv.empty())
    return failed(attempt_status::error, "objective.command is empty");
  const std::string tag = std::to_string(id) + "-" + std::to_string(attempt);
  std::error_code ec;
  if (!spec.workdir.empty()) {
    req.cwd = spec.workdir + "/" + tag;
    std::filesystem::create_directories(req.cwd, ec);
    if (ec)
      return failed(attempt_status::error,
                    "cannot create working directory " + req.cwd + ": " + ec.message());
  }
  if (!log_dir.empty()) {
    std::filesystem::create_directories(log_dir, ec);
    req.stdout_log = log_dir + "/" + tag + ".out";
    req.stderr_log = log_dir + "/" + tag + ".err";
  }
  const std::string params = point_json(spec.names, x, spec.choices);
  req.env = {"ASYNCBO_ID=" + std::to_string(id), "ASYNCBO_ATTEMPT=" + std::to_string(attempt),
             "ASYNCBO_WORKER=" + worker, "ASYNCBO_PARAMS=" + params};
  if (spec.json_stdin)
    req.stdin_text = params + "\n";
  req.timeout = spec.timeout;
  req.log_limit = static_cast<std::size_t>(spec.log_limit);
  const process_result res = run_process(req);
  command_outcome out;
  out.seconds = res.seconds;
  switch (res.how) {
    case process_result::end::failed_to_start:
      return failed(attempt_status::error, res.error);
    case process_result::end::cancelled:
      out = failed(attempt_status::cancelled,
                   "the run was interrupted; process group killed");
      break;
    case process_result::end::timed_out:
      out = failed(attempt_status::timeout, "no result after " + exact(spec.timeout)
                                              + " s (objective.timeout); process group "
                                                "killed");
      break;
    case process_result::end::signalled:
      out = failed(attempt_status::error, "killed by signal " + std::to_string(res.code));
      break;
    case process_result::end::exited:
      if (res.code == 127)
        out = failed(attempt_status::error,
                     "cannot execute \"" + req.argv[0] + "\" (exit code 127)");
      else if (res.code != 0)
        out = failed(attempt_status::error,
                     "exit code " + std::to_string(res.code) + said_on_stderr(res.stderr_last));
      else
        parse_output(res.stdout_tail, out);
      break;
  }
  out.seconds = res.seconds;
  return out;
}

} // namespace asyncbo::io
