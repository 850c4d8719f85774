// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <set>
#include <thread>

#include "core/acq_optimizer.hpp"
#include "core/lbfgsb.hpp"
#include "core/qei.hpp"
#include "support/models.hpp"

using namespace asyncbo;
namespace tt = boost::test_tools;

namespace {

/// log of a Gaussian bump centred at c: maximum 0 at c.
class bump final : public acquisition_target {
public:
  explicit bump(vec c) : c_(std::move(c)) {}
  std::size_t dim() const override { return c_.size(); }
  double log_value(const vec_ref& x, vec* g) const override {
    vec d = x - c_;
    if (g)
      *g = -20.0 * d;
    return -10.0 * d.squaredNorm();
  }

private:
  vec c_;
};

/// A target whose every L-BFGS-B run hits the iteration cap.
class slow_valley final : public acquisition_target {
public:
  std::size_t dim() const override { return 2; }
  double log_value(const vec_ref& x, vec* g) const override {
    // Rosenbrock-like curved valley, negated.
    double a = 1.0 - x[0], b = x[1] - x[0] * x[0];
    if (g) {
      (*g)[0] = 2.0 * a + 400.0 * x[0] * b;
      (*g)[1] = -200.0 * b;
    }
    return -(a * a + 100.0 * b * b);
  }
};

/// Runs loop iterations on two threads.
class two_threads final : public executor {
public:
  void parallel_for(std::size_t n,
                    const std::function<void(std::size_t)>& f) override {
    std::thread t([&] {
      for (std::size_t i = 1; i < n; i += 2)
        f(i);
    });
    for (std::size_t i = 0; i < n; i += 2)
      f(i);
    t.join();
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(acquisition_optimizer)

BOOST_AUTO_TEST_CASE(lbfgsb_solves_a_box_constrained_quadratic) {
  // min (x0 - 2)^2 + (x1 + 1)^2 + x0 x1 over [0, 1]^2: optimum on the bounds.
  auto f = [](const vec& x, vec& g) {
    g.resize(2);
    g[0] = 2 * (x[0] - 2) + x[1];
    g[1] = 2 * (x[1] + 1) + x[0];
    return (x[0] - 2) * (x[0] - 2) + (x[1] + 1) * (x[1] + 1) + x[0] * x[1];
  };
  vec x = vec::Constant(2, 0.5);
  auto r = minimize_box(f, x, vec::Zero(2), vec::Ones(2), lbfgsb_options{});
  // Analytic optimum at (1, 0): value 1 + 1 + 0 = 2.
  BOOST_TEST(r.value == 2.0, tt::tolerance(1e-10));
  BOOST_CHECK(r.status == lbfgsb_status::converged);
}

BOOST_AUTO_TEST_CASE(lbfgsb_solves_rosenbrock_in_a_box) {
  auto f = [](const vec& x, vec& g) {
    double v = 0;
    g.setZero(x.size());
    for (Eigen::Index i = 0; i + 1 < x.size(); ++i) {
      double a = 1 - x[i], b = x[i + 1] - x[i] * x[i];
      v += a * a + 100 * b * b;
      g[i] += -2 * a - 400 * x[i] * b;
      g[i + 1] += 200 * b;
    }
    return v;
  };
  vec x = vec::Constant(4, -1.5);
  lbfgsb_options o;
  o.gradient_tolerance = 1e-9;
  o.relative_decrease = 0;
  auto r = minimize_box(f, x, vec::Constant(4, -2), vec::Constant(4, 2), o);
  BOOST_TEST(r.value < 1e-10);
  // A box excluding the optimum: the solution sits on the bound x_i <= 0.5.
  vec y = vec::Constant(4, 0.0);
  auto r2 = minimize_box(f, y, vec::Constant(4, -2), vec::Constant(4, 0.5), o);
  vec ref = vec::Constant(4, 0.5);
  vec tmp;
  BOOST_TEST(r2.value <= f(ref, tmp) + 1e-9);
}

BOOST_AUTO_TEST_CASE(a_failed_line_search_continues_with_backtracking) {
  // A kinked function: along any direction the slope jumps from -|g| to
  // +|g| at the kink, so More-Thuente's strong Wolfe condition (|slope| <=
  // 0.9 |initial slope|) is never met and its line search gives up. The
  // fallback continues with sufficient decrease only and gets far lower.
  auto f = [](const vec& x, vec& g) {
    g = (x.array() - 0.3).sign().matrix() + 0.2 * (x.array() - 0.3).matrix();
    return (x.array() - 0.3).abs().sum() + 0.1 * (x.array() - 0.3).square().sum();
  };
  lbfgsb_options off;
  off.backtracking_fallback = false;
  vec x = vec::Constant(3, 0.9);
  const auto r_off = minimize_box(f, x, vec::Zero(3), vec::Ones(3), off);
  BOOST_TEST_REQUIRE((r_off.status == lbfgsb_status::line_search_failed), r_off.message);
  BOOST_TEST(!r_off.fell_back);
  vec y = vec::Constant(3, 0.9);
  const auto r_on = minimize_box(f, y, vec::Zero(3), vec::Ones(3), lbfgsb_options{});
  BOOST_TEST(r_on.fell_back);
  BOOST_TEST(r_on.message.find("backtracking") != std::string::npos, r_on.message);
  BOOST_TEST(r_on.value < 0.1 * r_off.value, r_on.value << " vs " << r_off.value);
  BOOST_TEST(r_on.value < 1e-2);
  BOOST_TEST((y.array() - 0.3).abs().maxCoeff() < 1e-2);
}

BOOST_AUTO_TEST_CASE(lbfgsb_survives_nan_and_exceptions) {
  int calls = 0;
  auto f = [&](const vec& x, vec& g) {
    ++calls;
    g = 2 * x;
    if (x[0] < 0.2)
      return std::nan("");
    return x.squaredNorm();
  };
  vec x = vec::Constant(2, 0.9);
  auto r = minimize_box(f, x, vec::Constant(2, -1), vec::Constant(2, 1),
                        lbfgsb_options{});
  BOOST_TEST(std::isfinite(r.value));
  BOOST_TEST(x[0] >= 0.2);
  BOOST_TEST(r.evaluations == calls);
}

BOOST_AUTO_TEST_CASE(maximizer_finds_the_optimum_value) {
  vec c(3);
  c << 0.2, 0.7, 0.45;
  bump t(c);
  auto r = maximize_acquisition(t, acq_optimizer_options{}, 1);
  BOOST_TEST(r.log_value > -1e-10);
  BOOST_CHECK(r.summary.status == acq_optimizer_status::ok);
  BOOST_TEST(r.summary.screened == 500u);
  BOOST_TEST(r.summary.runs == 5u);
  BOOST_TEST(r.summary.converged_runs >= 1u);
  BOOST_TEST(r.summary.best_value == r.log_value);
  BOOST_TEST(r.summary.evaluations > 0u);
}

BOOST_AUTO_TEST_CASE(maximizer_is_deterministic_whatever_the_executor) {
  gp model = asyncbo::test::fitted_gp("hartmann3", 15, 3);
  qei_options qo;
  qo.samples = 256;
  batch_mc_ei acq(model, incumbent_eta(model), mat(3, 1).setConstant(0.5), 2, qo, 4);
  two_threads two;
  auto a = maximize_acquisition(acq, acq_optimizer_options{}, 8);
  auto b = maximize_acquisition(acq, acq_optimizer_options{}, 8, &two);
  BOOST_TEST(a.log_value == b.log_value);
  BOOST_TEST((a.x - b.x).norm() == 0.0);
}

BOOST_AUTO_TEST_CASE(recovery_runs_start_when_no_run_converges) {
  slow_valley t;
  acq_optimizer_options o;
  o.lbfgsb.max_iterations = 1;
  o.restarts = 2;
  o.recovery_runs = 3;
  auto r = maximize_acquisition(t, o, 2);
  BOOST_CHECK(r.summary.status == acq_optimizer_status::no_run_converged);
  BOOST_TEST(r.summary.recovery_runs == 3u);
  BOOST_TEST(r.summary.runs == 5u);
  BOOST_TEST(std::isfinite(r.log_value));
  // Runs start at the best screened points and never end below their start.
  BOOST_TEST(r.log_value >= r.summary.best_screened);
}

BOOST_AUTO_TEST_CASE(trieste_preset_and_validation) {
  auto t = acq_optimizer_options::trieste(4);
  BOOST_TEST(t.screening_for(4) == 5000u);
  BOOST_TEST(t.restarts_for(4) == 40u);
  BOOST_TEST(acq_optimizer_options::trieste(8).screening_for(8) == 8000u);
  acq_optimizer_options o;
  BOOST_TEST(o.screening_for(2) == 500u);
  BOOST_TEST(o.restarts_for(2) == 4u);
  o.screening_points = 3;
  o.restarts = 4;
  BOOST_TEST(o.validate() == "acquisition optimiser: restarts (4) must be <= "
                             "screening_points (3)");
  BOOST_CHECK_THROW(maximize_acquisition(bump(vec::Zero(1)), o, 1),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(categorical_acquisition)

namespace {

/// On a space (x: continuous, c: 3 choices, y: continuous): the log of a
/// bump whose centre and height depend on the choice; the best choice (2) is
/// not the one whose bump is widest in the relaxation.
class choice_bump final : public acquisition_target {
public:
  std::size_t dim() const override { return 5; }   // x, c0, c1, c2, y
  double log_value(const vec_ref& u, vec* g) const override {
    // Heights 0, -0.2, +0.3 (choice 2 is best), centres per choice.
    const double height[3] = {0.0, -0.2, 0.3};
    const double cx[3] = {0.2, 0.5, 0.8}, cy[3] = {0.7, 0.3, 0.1};
    // A smooth function of the one-hot block (linear in it), so that the
    // relaxation is well defined too.
    double v = 0.0;
    if (g)
      g->setZero(5);
    for (int c = 0; c < 3; ++c) {
      const double dx = u[0] - cx[c], dy = u[4] - cy[c];
      const double term = height[c] - 8.0 * (dx * dx + dy * dy);
      v += u[1 + c] * term;
      if (g) {
        (*g)[1 + c] = term;
        (*g)[0] += u[1 + c] * -16.0 * dx;
        (*g)[4] += u[1 + c] * -16.0 * dy;
      }
    }
    return v;
  }
};

search_space mixed_space() {
  return search_space({{"x", 0.0, 1.0, false, false, {}},
                       {"c", 0.0, 0.0, false, false, {"a", "b", "best"}},
                       {"y", 0.0, 1.0, false, false, {}}});
}

} // namespace

BOOST_AUTO_TEST_CASE(the_result_is_a_vertex_and_matches_enumerating_the_choices) {
  const auto space = mixed_space();
  choice_bump t;
  acq_optimizer_options o;
  auto res = maximize_acquisition(t, o, 7, nullptr, mat(), &space);
  // One-hot, exactly.
  BOOST_TEST(res.x[1] + res.x[2] + res.x[3] == 1.0);
  for (int c = 1; c <= 3; ++c)
    BOOST_TEST((res.x[c] == 0.0 || res.x[c] == 1.0));
  // Brute force: the continuous optimum for each choice is its bump's
  // height; the best is choice 2 at (0.8, 0.1) with log value 0.3.
  BOOST_TEST(res.x[3] == 1.0);
  BOOST_TEST(res.log_value == 0.3, tt::tolerance(1e-6));
  BOOST_TEST(res.x[0] == 0.8, tt::tolerance(1e-3));
  BOOST_TEST(res.x[4] == 0.1, tt::tolerance(1e-3));
}

BOOST_AUTO_TEST_CASE(every_combination_gets_its_continuous_optimum_when_there_are_few) {
  // One restart and three screening points: whatever choices the screening
  // saw, each of the three gets a run, and the best is found.
  const auto space = mixed_space();
  choice_bump t;
  acq_optimizer_options o;
  o.restarts = 1;
  o.screening_points = 3;
  o.recovery_runs = 0;
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    auto res = maximize_acquisition(t, o, seed, nullptr, mat(), &space);
    BOOST_TEST(res.x[3] == 1.0, "seed " << seed);
    BOOST_TEST(res.log_value == 0.3, tt::tolerance(1e-6));
    BOOST_TEST(res.summary.runs == 3u);
  }
}

BOOST_AUTO_TEST_CASE(joint_batches_snap_every_point_block) {
  const auto space = mixed_space();
  // Two copies of the bump side by side (q = 2).
  class twice final : public acquisition_target {
  public:
    std::size_t dim() const override { return 10; }
    double log_value(const vec_ref& u, vec* g) const override {
      vec g1(5), g2(5);
      double v = b_.log_value(u.head(5), g ? &g1 : nullptr)
                 + b_.log_value(u.tail(5), g ? &g2 : nullptr);
      if (g) {
        g->resize(10);
        g->head(5) = g1;
        g->tail(5) = g2;
      }
      return v;
    }
    choice_bump b_;
  } t;
  auto res = maximize_acquisition(t, acq_optimizer_options{}, 3, nullptr, mat(), &space);
  BOOST_TEST(res.x[3] == 1.0);
  BOOST_TEST(res.x[8] == 1.0);
  BOOST_TEST(res.log_value == 0.6, tt::tolerance(1e-6));
  BOOST_CHECK_THROW(maximize_acquisition(bump(vec::Constant(7, 0.5)), acq_optimizer_options{},
                                         1, nullptr, mat(), &space),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(acquisition_on_a_lattice)

namespace {

/// Integers a in 0..9, b in 0..9 (and optionally a continuous y).
search_space grid(bool with_continuous = false, double hi = 9.0) {
  std::vector<dimension> d = {{"a", 0.0, hi, false, true, {}}, {"b", 0.0, hi, false, true, {}}};
  if (with_continuous)
    d.push_back({"y", 0.0, 1.0, false, false, {}});
  return search_space(std::move(d));
}

/// The log of a bump in space coordinates: its peak (a*, b*) = (3.4, 6.6)
/// lies between lattice points; the best lattice point is (3, 7).
class space_bump final : public acquisition_target {
public:
  space_bump(search_space s, vec centre) : s_(std::move(s)), c_(std::move(centre)) {}
  std::size_t dim() const override { return s_.unit_dim(); }
  double log_value(const vec_ref& u, vec* g) const override {
    // Evaluated through the unit map: in unit coordinates the integer bins
    // are 1 / levels wide.
    vec x(s_.dim());
    const auto& dims = s_.dimensions();
    for (std::size_t i = 0; i < s_.dim(); ++i) {
      const double lo = dims[i].integer ? dims[i].lower - 0.5 : dims[i].lower;
      const double hi = dims[i].integer ? dims[i].upper + 0.5 : dims[i].upper;
      x[Eigen::Index(i)] = lo + u[Eigen::Index(i)] * (hi - lo);
    }
    vec d = x - c_;
    const vec w = (s_.upper() - s_.lower()).cwiseMax(1.0).cwiseInverse();
    if (g) {
      g->resize(u.size());
      for (std::size_t i = 0; i < s_.dim(); ++i) {
        const double lo = dims[i].integer ? dims[i].lower - 0.5 : dims[i].lower;
        const double hi = dims[i].integer ? dims[i].upper + 0.5 : dims[i].upper;
        (*g)[Eigen::Index(i)] = -2.0 * d[Eigen::Index(i)] * w[Eigen::Index(i)]
                                * w[Eigen::Index(i)] * (hi - lo);
      }
    }
    return -(d.cwiseProduct(w)).squaredNorm();
  }

private:
  search_space s_;
  vec c_;
};

vec point(std::initializer_list<double> l) {
  vec v(Eigen::Index(l.size()));
  Eigen::Index i = 0;
  for (double x : l)
    v[i++] = x;
  return v;
}

/// The maximiser over every lattice point of `s` not in `skip`.
vec brute_force(const search_space& s, const acquisition_target& t, const std::set<std::vector<double>>& skip) {
  vec best;
  double bv = -INFINITY;
  for (std::uint64_t j = 0; j < s.lattice_size(1u << 20); ++j) {
    vec x = s.from_unit(s.lattice_point(j));
    if (skip.count(std::vector<double>(x.data(), x.data() + x.size())))
      continue;
    const double v = t.log_value(s.lattice_point(j), nullptr);
    if (v > bv) {
      bv = v;
      best = x;
    }
  }
  return best;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_small_finite_space_is_enumerated_and_excluded_points_are_skipped) {
  const auto s = grid();
  const space_bump t(s, point({3.4, 6.6}));
  acq_optimizer_options o;
  mat exclude(2, 0);
  std::set<std::vector<double>> skip;
  // The best, then the next best with the earlier ones excluded, down the
  // whole lattice: always the brute-force maximiser of what is left.
  for (int round = 0; round < 100; ++round) {
    auto res = maximize_acquisition(t, o, 1, nullptr, mat(), &s, exclude);
    BOOST_REQUIRE((res.summary.status != acq_optimizer_status::space_exhausted));
    const vec x = s.from_unit(res.x);
    BOOST_TEST((s.to_unit(x) - res.x).norm() == 0.0);   // a lattice point, exactly
    const vec expect = brute_force(s, t, skip);
    BOOST_TEST((x - expect).norm() == 0.0, "round " << round << ": " << x.transpose()
                                                    << " against " << expect.transpose());
    BOOST_TEST(res.summary.runs == 0u);
    BOOST_TEST(res.summary.screened == std::size_t(100 - round));
    skip.insert(std::vector<double>(x.data(), x.data() + x.size()));
    exclude.conservativeResize(2, exclude.cols() + 1);
    exclude.col(exclude.cols() - 1) = res.x;
  }
  auto res = maximize_acquisition(t, o, 1, nullptr, mat(), &s, exclude);
  BOOST_TEST((res.summary.status == acq_optimizer_status::space_exhausted));
  BOOST_TEST(res.x.size() == 0);
}

BOOST_AUTO_TEST_CASE(a_large_lattice_is_searched_by_local_moves_and_never_repeats) {
  // 1000 x 1000 points: too many to enumerate. The peak lies between
  // lattice points; screening plus one-level moves reach the best point.
  const auto s = grid(false, 999.0);
  const space_bump t(s, point({314.4, 706.6}));
  acq_optimizer_options o;
  auto res = maximize_acquisition(t, o, 4, nullptr, mat(), &s);
  BOOST_TEST(res.summary.runs > 0u);
  BOOST_TEST((s.from_unit(res.x) - point({314, 707})).norm() == 0.0,
             s.from_unit(res.x).transpose());
  // With that point and its neighbours excluded, the result is another
  // lattice point next to them.
  mat exclude(2, 5);
  int j = 0;
  for (auto [da, db] : {std::pair{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}})
    exclude.col(j++) = s.to_unit(point({314.0 + da, 707.0 + db}));
  auto res2 = maximize_acquisition(t, o, 4, nullptr, mat(), &s, exclude);
  const vec x2 = s.from_unit(res2.x);
  for (Eigen::Index c = 0; c < exclude.cols(); ++c)
    BOOST_TEST((s.to_unit(x2) - exclude.col(c)).norm() > 0.0);
  BOOST_TEST((x2 - point({314, 707})).cwiseAbs().maxCoeff() <= 2.0, x2.transpose());
}

BOOST_AUTO_TEST_CASE(mixed_spaces_keep_integers_on_the_lattice_and_optimise_the_rest) {
  const auto s = grid(true);
  const space_bump t(s, point({3.4, 6.6, 0.25}));
  auto res = maximize_acquisition(t, acq_optimizer_options{}, 2, nullptr, mat(), &s);
  const vec x = s.from_unit(res.x);
  BOOST_TEST(x[0] == 3.0);
  BOOST_TEST(x[1] == 7.0);
  BOOST_TEST(x[2] == 0.25, tt::tolerance(1e-4));
  // The unit coordinates of the integers are the lattice's exactly.
  BOOST_TEST(res.x[0] == s.to_unit(x)[0]);
  BOOST_TEST(res.x[1] == s.to_unit(x)[1]);
}

BOOST_AUTO_TEST_CASE(the_points_of_a_joint_batch_on_a_lattice_differ) {
  // Two copies of the same bump want the same point: one must move.
  const auto s = grid();
  class twice final : public acquisition_target {
  public:
    explicit twice(const search_space& s) : b_(s, point({3.4, 6.6})) {}
    std::size_t dim() const override { return 4; }
    double log_value(const vec_ref& u, vec* g) const override {
      vec g1(2), g2(2);
      const double v = b_.log_value(u.head(2), g ? &g1 : nullptr)
                       + b_.log_value(u.tail(2), g ? &g2 : nullptr);
      if (g) {
        g->resize(4);
        *g << g1, g2;
      }
      return v;
    }
    space_bump b_;
  } t(s);
  auto res = maximize_acquisition(t, acq_optimizer_options{}, 5, nullptr, mat(), &s);
  const vec a = s.from_unit(res.x.head(2)), b = s.from_unit(res.x.tail(2));
  BOOST_TEST((a - b).norm() > 0.0);
  // One of them is the best point, the other one of its neighbours.
  const vec best = point({3, 7});
  BOOST_TEST(((a - best).norm() == 0.0 || (b - best).norm() == 0.0));
  BOOST_TEST((a - b).cwiseAbs().sum() == 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
