// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/space.hpp"

using namespace asyncbo;
namespace tt = boost::test_tools;

namespace {

void check_message(const std::vector<dimension>& dims, const std::string& msg) {
  try {
    search_space s(dims);
    BOOST_FAIL("expected std::invalid_argument: " << msg);
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()) == msg);
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(search_space_and_sampling)

BOOST_AUTO_TEST_CASE(invalid_spaces_are_rejected_with_named_rules) {
  check_message({}, "search space: needs at least one dimension");
  check_message({{"", 0, 1}}, "search space dimension 0: name must not be empty");
  check_message({{"a", 0, 1}, {"a", 0, 2}},
                "search space dimension 1 ('a'): names must be unique, 'a' "
                "appears twice");
  check_message({{"a", 1, 1}},
                "search space dimension 0 ('a'): lower bound 1 must be < upper "
                "bound 1");
  check_message({{"a", 0, INFINITY}},
                "search space dimension 0 ('a'): bounds must be finite");
  check_message({{"lr", 0.0, 1.0, true}},
                "search space dimension 0 ('lr'): a log-scale dimension needs "
                "lower > 0, got 0");
  check_message({{"n", 0.5, 4, false, true}},
                "search space dimension 0 ('n'): integer dimensions need "
                "integer bounds");
}

BOOST_AUTO_TEST_CASE(unit_maps_round_trip) {
  search_space s({{"a", -2, 6}, {"lr", 1e-5, 1e-1, true}, {"n", 1, 8, false, true}});
  vec x(3);
  x << 1.0, 1e-3, 5;
  vec u = s.to_unit(x);
  BOOST_TEST(u[0] == 0.375, tt::tolerance(1e-15));
  BOOST_TEST(u[1] == 0.5, tt::tolerance(1e-12)); // geometric midpoint
  BOOST_TEST(u[2] == (5 - 0.5) / 8.0, tt::tolerance(1e-15));
  vec back = s.from_unit(u);
  BOOST_TEST(back[0] == 1.0, tt::tolerance(1e-14));
  BOOST_TEST(back[1] == 1e-3, tt::tolerance(1e-12));
  BOOST_TEST(back[2] == 5.0);
  // Integer bins are equally wide; the ends map to the bounds.
  vec u0(3);
  u0 << 0.0, 0.0, 0.0;
  BOOST_TEST(s.from_unit(u0)[2] == 1.0);
  u0[2] = 1.0;
  BOOST_TEST(s.from_unit(u0)[2] == 8.0);
  // snap_unit is idempotent and lands on what the user will evaluate.
  vec r(3);
  r << 0.3, 0.7, 0.41;
  vec sn = s.snap_unit(r);
  BOOST_TEST((s.snap_unit(sn) - sn).norm() < 1e-15);
  BOOST_TEST(sn[0] == 0.3, tt::tolerance(1e-14));
  BOOST_TEST(s.from_unit(sn)[2] == std::round(s.from_unit(sn)[2]));
}

BOOST_AUTO_TEST_CASE(points_are_checked_with_sizes_in_the_message) {
  auto s = search_space::box(vec::Zero(2), vec::Ones(2));
  vec x3 = vec::Zero(3);
  try {
    s.check_point(x3, "x");
    BOOST_FAIL("expected throw");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()) == "x: expected 2 coordinates, got 3");
  }
  vec out(2);
  out << 0.5, 1.5;
  BOOST_CHECK_THROW(s.check_point(out, "x"), std::invalid_argument);
  BOOST_TEST(!s.contains(out));
}

BOOST_AUTO_TEST_CASE(sobol_matches_reference_prefix) {
  // Unscrambled 2-D Sobol sequence (Joe-Kuo), starting at the zero point;
  // each value is the centre of its 2^-53 cell.
  sobol_sequence seq(2, false, 0);
  mat pts = seq.take(6);
  const double ref[6][2] = {{0.0, 0.0},    {0.5, 0.5},     {0.75, 0.25},
                            {0.25, 0.75},  {0.375, 0.375}, {0.875, 0.875}};
  for (int j = 0; j < 6; ++j)
    for (int i = 0; i < 2; ++i)
      BOOST_TEST(std::abs(pts(i, j) - ref[j][i]) < 1e-15);
  // skip = k starts at the k-th point.
  sobol_sequence skipped(2, false, 0, 2);
  BOOST_TEST((skipped.take(1).col(0) - pts.col(2)).norm() < 1e-15);
}

BOOST_AUTO_TEST_CASE(scrambled_sobol_lies_in_open_cube_and_is_balanced) {
  for (std::uint64_t seed : {1u, 7u, 42u}) {
    sobol_sequence seq(5, true, seed);
    mat pts = seq.take(1024);
    BOOST_TEST((pts.array() > 0.0).all());
    BOOST_TEST((pts.array() < 1.0).all());
    // A (t, m, s)-net in base 2: every coordinate has exactly 512 points in
    // each half of [0, 1).
    for (int i = 0; i < 5; ++i)
      BOOST_TEST((pts.row(i).array() < 0.5).count() == 512);
    // Different seeds give different points.
    sobol_sequence other(5, true, seed + 1);
    BOOST_TEST((other.take(1) - pts.col(0)).norm() > 0.0);
  }
}

BOOST_AUTO_TEST_CASE(qmc_integrates_smooth_function_better_than_mc) {
  // E[prod_i (1 + (u_i - 0.5))] over [0,1]^4 is 1.
  auto f = [](const vec_ref& u) { return (1.0 + (u.array() - 0.5)).prod(); };
  sobol_sequence seq(4, true, 3);
  mat q = seq.take(4096);
  rng_type rng(3);
  mat m = uniform_unit(4, 4096, rng);
  double eq = 0, em = 0;
  for (int j = 0; j < 4096; ++j) {
    eq += f(q.col(j));
    em += f(m.col(j));
  }
  eq = std::abs(eq / 4096 - 1.0);
  em = std::abs(em / 4096 - 1.0);
  // Plain MC's standard error here is 0.61 / sqrt(4096) ~ 0.0096.
  BOOST_TEST(eq < 1e-3);
  BOOST_TEST(eq < em);
}

BOOST_AUTO_TEST_CASE(normal_base_samples_have_standard_moments) {
  for (bool qmc : {true, false}) {
    mat e = normal_base_samples(3, 8192, qmc, 11);
    for (int i = 0; i < 3; ++i) {
      double mean = e.row(i).mean();
      double var = (e.row(i).array() - mean).square().mean();
      BOOST_TEST(std::abs(mean) < (qmc ? 1e-3 : 0.05));
      BOOST_TEST(std::abs(var - 1.0) < (qmc ? 5e-3 : 0.05));
    }
    // Same seed, same samples.
    BOOST_TEST((normal_base_samples(3, 16, qmc, 11) - e.leftCols(16)).norm() == 0.0);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(categorical_space)

namespace {
asyncbo::search_space mixed() {
  using asyncbo::dimension;
  return asyncbo::search_space({dimension{"lr", 1e-4, 1e-1, true, false, {}},
                                dimension{"opt", 0, 0, false, false, {"adam", "sgd", "rmsprop"}},
                                dimension{"layers", 1, 4, false, true, {}}});
}
} // namespace

BOOST_AUTO_TEST_CASE(choices_are_one_hot_blocks_in_unit_space) {
  const auto s = mixed();
  BOOST_TEST(s.dim() == 3u);
  BOOST_TEST(s.unit_dim() == 5u);
  BOOST_TEST(s.has_categorical());
  BOOST_TEST(s.unit_offset(1) == 1u);
  BOOST_TEST(s.unit_offset(2) == 4u);
  BOOST_TEST(s.dimensions()[1].lower == 0.0);
  BOOST_TEST(s.dimensions()[1].upper == 2.0);
  const std::vector<bool> mask{false, true, true, true, false};
  BOOST_TEST(s.categorical_mask() == mask);
  asyncbo::vec x(3);
  x << 1e-2, 2, 3;
  const auto u = s.to_unit(x);
  BOOST_TEST(u.size() == 5);
  BOOST_TEST(u[1] == 0.0);
  BOOST_TEST(u[2] == 0.0);
  BOOST_TEST(u[3] == 1.0);
  const auto back = s.from_unit(u);
  BOOST_TEST(back[1] == 2.0);
  BOOST_TEST(back[0] == 1e-2, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(back[2] == 3.0);
  // A relaxed block maps to its largest entry (ties: the first choice).
  asyncbo::vec r(5);
  r << 0.5, 0.2, 0.7, 0.1, 0.3;
  BOOST_TEST(s.from_unit(r)[1] == 1.0);
  const auto snapped = s.snap_unit(r);
  BOOST_TEST(snapped[1] == 0.0);
  BOOST_TEST(snapped[2] == 1.0);
  BOOST_TEST(snapped[3] == 0.0);
  r << 0.5, 0.4, 0.4, 0.4, 0.3;
  BOOST_TEST(s.from_unit(r)[1] == 0.0);
  const auto only = s.snap_categorical(r);
  BOOST_TEST(only[0] == 0.5);   // continuous coordinates untouched
  BOOST_TEST(only[4] == 0.3);
  BOOST_TEST(only[1] == 1.0);
}

BOOST_AUTO_TEST_CASE(choices_are_written_and_read_as_their_strings) {
  const auto s = mixed();
  BOOST_TEST(s.value_text(1, 1.0) == "sgd");
  BOOST_TEST(s.value_text(2, 3.0) == "3");
  BOOST_TEST(s.parse_value(1, "rmsprop") == 2.0);
  BOOST_TEST(s.parse_value(0, "0.01") == 0.01);
  BOOST_CHECK_EXCEPTION(s.parse_value(1, "adagrad"), std::invalid_argument,
                        [](const std::invalid_argument& e) {
                          return std::string(e.what())
                                 == "parameter 'opt': \"adagrad\" is not one of its choices";
                        });
  BOOST_CHECK_THROW(s.parse_value(0, "fast"), std::invalid_argument);
  asyncbo::vec bad(3);
  bad << 1e-2, 1.5, 3;
  BOOST_CHECK_EXCEPTION(s.check_point(bad, "x"), std::invalid_argument,
                        [](const std::invalid_argument& e) {
                          return std::string(e.what())
                                 == "x: coordinate 'opt' = 1.5 is not the index of a choice";
                        });
  BOOST_TEST(!s.contains(bad));
}

BOOST_AUTO_TEST_CASE(bad_choices_are_rejected_naming_the_parameter) {
  using asyncbo::dimension;
  auto msg = [](std::vector<std::string> choices, bool log = false) {
    try {
      asyncbo::search_space({dimension{"opt", 0, 0, log, false, std::move(choices)}});
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  BOOST_TEST(msg({"adam"}) == "search space dimension 0 ('opt'): needs at least two "
                              "choices, got 1");
  BOOST_TEST(msg({"adam", "adam"}) == "search space dimension 0 ('opt'): choice \"adam\" "
                                      "appears twice");
  BOOST_TEST(msg({"adam", ""}) == "search space dimension 0 ('opt'): choices must not be "
                                  "empty strings");
  BOOST_TEST(msg({"a", "b"}, true) == "search space dimension 0 ('opt'): a categorical "
                                      "parameter cannot also be log-scale or integer");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lattice_space)

BOOST_AUTO_TEST_CASE(finite_spaces_enumerate_every_point_once) {
  using asyncbo::dimension;
  const asyncbo::search_space s({dimension{"n", 2, 4, false, true, {}},
                                 dimension{"opt", 0, 0, false, false, {"a", "b"}},
                                 dimension{"k", 1, 8, true, true, {}}});
  BOOST_TEST(s.finite());
  BOOST_TEST(s.has_integer());
  BOOST_TEST(s.has_discrete());
  BOOST_TEST(s.levels(0) == 3u);
  BOOST_TEST(s.levels(1) == 2u);
  BOOST_TEST(s.levels(2) == 8u);
  BOOST_TEST(s.lattice_size(1000) == 48u);
  BOOST_TEST(s.lattice_size(10) == 10u);     // capped
  const auto mask = s.discrete_mask();
  BOOST_TEST(std::count(mask.begin(), mask.end(), true) == 4);
  std::set<std::vector<double>> seen;
  for (std::uint64_t j = 0; j < 48; ++j) {
    const asyncbo::vec u = s.lattice_point(j);
    BOOST_TEST((s.snap_unit(u) - u).norm() == 0.0);   // already snapped
    const asyncbo::vec x = s.from_unit(u);
    BOOST_TEST(s.contains(x));
    seen.insert(std::vector<double>(x.data(), x.data() + x.size()));
  }
  BOOST_TEST(seen.size() == 48u);
  BOOST_CHECK_THROW(s.lattice_point(48), std::invalid_argument);
  const asyncbo::search_space c({dimension{"n", 2, 4, false, true, {}},
                                 dimension{"y", 0, 1, false, false, {}}});
  BOOST_TEST(!c.finite());
  BOOST_TEST(c.lattice_size(1000) == 1000u);
  BOOST_CHECK_THROW(c.lattice_point(0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(integer_steps_stay_in_bounds_and_on_the_lattice) {
  using asyncbo::dimension;
  const asyncbo::search_space s({dimension{"n", 2, 4, false, true, {}},
                                 dimension{"k", 1, 8, true, true, {}},
                                 dimension{"y", 0, 1, false, false, {}}});
  asyncbo::vec x(3);
  x << 2, 8, 0.3;
  asyncbo::vec u = s.to_unit(x);
  const asyncbo::vec u0 = u;
  BOOST_TEST(!s.step_integer(u, 0, -1));   // below 2
  BOOST_TEST(!s.step_integer(u, 1, 1));    // above 8
  BOOST_TEST(!s.step_integer(u, 2, 1));    // not an integer
  BOOST_TEST((u - u0).norm() == 0.0);
  BOOST_TEST(s.step_integer(u, 0, 1));
  BOOST_TEST(s.step_integer(u, 1, -3));
  x << 3, 5, 0.3;
  BOOST_TEST((u - s.to_unit(x)).norm() < 1e-15);
  BOOST_TEST(s.from_unit(u)[0] == 3.0);
  BOOST_TEST(s.from_unit(u)[1] == 5.0);
}

BOOST_AUTO_TEST_SUITE_END()
