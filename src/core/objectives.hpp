// SPDX-License-Identifier: Apache-2.0
// Built-in test functions (those of Trieste's objectives module, defined as in
// Surjanovic and Bingham's Virtual Library of Simulation Experiments) and models of
// simulated evaluation delays.
#pragma once

#include <string>
#include <vector>

#include "core/names.hpp"
#include "core/space.hpp"
#include "core/types.hpp"

namespace asyncbo {

/// A built-in benchmark objective, to be minimised over its box domain.
struct test_function {
  std::string name;
  std::size_t dim = 0;
  vec lower, upper;              ///< the domain, in the function's coordinates
  std::vector<vec> minimizers;   ///< known global minimisers
  double minimum = 0.0;          ///< the global minimum value
  double (*fn)(const vec_ref&) = nullptr;
  /// Per coordinate, the choices of a categorical input (empty: numeric);
  /// the function gets the choice's index. Empty = all numeric.
  std::vector<std::vector<std::string>> choices;
  /// Declare those inputs as integers 0..k-1 instead (the baseline that
  /// treats categories as an ordered index).
  bool choices_as_integers = false;
  /// Per coordinate, true for an integer input (its bounds are integers);
  /// empty = none.
  std::vector<bool> integer;

  /// f(x). Throws std::invalid_argument naming expected and actual sizes if
  /// x has the wrong dimension.
  double operator()(const vec_ref& x) const;

  /// The domain as a search space with dimensions x0, x1, ...
  search_space space() const;
};

/// Noise and random failures on top of a built-in function, for benchmarks
/// of objectives that are not test functions: y + sd N(0, 1), and a failure
/// (NaN) with probability failure_rate, both drawn from (seed, id, attempt)
/// so that a run is reproducible whatever the completion order.
struct objective_noise {
  double sd = 0.0;
  double failure_rate = 0.0;
  std::uint64_t seed = 0;

  /// The observed value of an evaluation whose true value is y (NaN stays NaN).
  double apply(double y, point_id id, std::uint32_t attempt) const;
  /// Empty if valid, else the message naming the key and the rule.
  std::string validate() const;
};

/// Every built-in test function: scaled-branin, branin, simple-quadratic,
/// gramacy-lee, hartmann3, hartmann6, ackley5, levy8, shekel4, rosenbrock4,
/// michalewicz2, michalewicz5, michalewicz10, trid10,
/// log-goldstein-price, and cliff3: a 3-D function that improves towards a
/// "cliff" beyond which every evaluation fails (NaN where x0 + x1 > 1.3,
/// about a quarter of the box), the minimum 0.35 on its edge at
/// (0.65, 0.65, 0.3): a learning rate that diverges. Discrete ones:
/// branin-grid (scaled-branin on a 10 x 10 grid of integers 0..9, 100
/// points), hartmann3-lattice (Hartmann-3 on 8^3 = 512 integer points
/// 0..7) and hartmann6-mixed (Hartmann-6 with x0..x2 integers 0..10, each
/// standing for a tenth, and x3..x5 continuous); their minima are the
/// minima over those points.
const std::vector<test_function>& test_functions();

/// The test function called `name`, or nullptr.
const test_function* find_test_function(const std::string& name);

/// The names, comma-separated (for error messages and --help).
std::string test_function_names();

/// Simulated evaluation time of a point, in seconds before time_scale.
///
/// * none: 0 s.
/// * constant: `factor` seconds.
/// * uniform: uniform in [low, high].
/// * log-normal: median * exp(sigma N(0, 1)) (mean median exp(sigma^2 / 2)).
/// * linear-sum: factor * sum_d u_d, u the point in unit coordinates (the
///   seed tutorial's 3 (x1 + x2) s on the unit square).
///
/// On top of any of them, a fraction `straggler_fraction` of the
/// evaluations is `straggler_factor` times slower. Random draws come from
/// (seed, id, attempt), so a run is reproducible whatever the completion
/// order. Every delay is multiplied by time_scale (0.01 runs the seed
/// experiment's delays 100x faster).
struct delay_model {
  enum class kind { none, constant, uniform, log_normal, linear_sum };
  kind type = kind::none;
  double factor = 3.0;
  double low = 0.0, high = 1.0;
  double median = 1.0, sigma = 0.5;
  double straggler_fraction = 0.0;
  double straggler_factor = 10.0;
  double time_scale = 1.0;
  std::uint64_t seed = 0;

  /// Empty if valid, else the message (names the key and the rule).
  std::string validate() const;
  /// The delay of attempt `attempt` of point `id` at unit point `unit_x`.
  double seconds(const vec_ref& unit_x, point_id id = 0, std::uint32_t attempt = 0) const;
};

template <>
struct enum_names<delay_model::kind> {
  static constexpr std::pair<delay_model::kind, const char*> items[] = {
    {delay_model::kind::none, "none"},
    {delay_model::kind::constant, "constant"},
    {delay_model::kind::uniform, "uniform"},
    {delay_model::kind::log_normal, "log-normal"},
    {delay_model::kind::linear_sum, "linear-sum"}};
};

} // namespace asyncbo
