// SPDX-License-Identifier: Apache-2.0
// Boost.Test entry point shared by the test binaries.
#define BOOST_TEST_MODULE asyncbo
#include <boost/test/unit_test.hpp>
