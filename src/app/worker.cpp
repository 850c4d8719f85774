// SPDX-License-Identifier: Apache-2.0
// Worker process (filled in by the multi-node work).
#include "app/worker.hpp"

namespace asyncbo::app {

int run_worker(const io::settings&, const std::function<void(const std::string&)>& log) {
  log("multi-node workers are not available yet");
  return 2;
}

} // namespace asyncbo::app
