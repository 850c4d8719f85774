// SPDX-License-Identifier: Apache-2.0
// The thread pool behind the core's executor seam.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <numeric>
#include <stdexcept>

#include "app/thread_pool.hpp"

using asyncbo::app::thread_pool;

BOOST_AUTO_TEST_SUITE(thread_pool_executor)

BOOST_AUTO_TEST_CASE(every_iteration_runs_once_into_its_own_slot) {
  for (std::size_t threads : {1u, 2u, 4u}) {
    thread_pool pool(threads);
    BOOST_TEST(pool.size() == threads);
    for (std::size_t n : {0u, 1u, 7u, 1000u}) {
      std::vector<int> hits(n, 0);
      pool.parallel_for(n, [&](std::size_t i) { hits[i] += 1; });
      BOOST_TEST(std::accumulate(hits.begin(), hits.end(), 0) == int(n));
      for (int h : hits)
        BOOST_TEST(h == 1);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_throwing_task_reaches_the_caller_after_all_threads_stop) {
  thread_pool pool(3);
  std::atomic<int> running{0}, max_after{0};
  std::atomic<bool> returned{false};
  auto task = [&](std::size_t i) {
    ++running;
    if (returned)
      ++max_after; // a task still running after parallel_for returned
    if (i == 5)
      throw std::runtime_error("task 5 failed");
    for (volatile int k = 0; k < 20000; ++k) {
    }
    --running;
  };
  BOOST_CHECK_EXCEPTION(pool.parallel_for(200, task), std::runtime_error,
                        [](const std::runtime_error& e) {
                          return std::string(e.what()) == "task 5 failed";
                        });
  returned = true;
  // Only the thrown task is left "running" (it never decremented): every
  // other task finished before parallel_for returned.
  BOOST_TEST(running.load() == 1);
  BOOST_TEST(max_after.load() == 0);
  // The pool is usable afterwards.
  std::atomic<int> count{0};
  pool.parallel_for(50, [&](std::size_t) { ++count; });
  BOOST_TEST(count.load() == 50);
}

BOOST_AUTO_TEST_CASE(an_exception_skips_the_remaining_iterations) {
  thread_pool pool(2);
  std::atomic<int> ran{0};
  BOOST_CHECK_THROW(pool.parallel_for(100000,
                                      [&](std::size_t i) {
                                        ++ran;
                                        if (i == 0)
                                          throw std::logic_error("first");
                                      }),
                    std::logic_error);
  BOOST_TEST(ran.load() < 100000);
}

BOOST_AUTO_TEST_SUITE_END()
