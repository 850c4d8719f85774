// SPDX-License-Identifier: Apache-2.0
// Built-in test functions and delay models.
#include "core/objectives.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <tuple>

namespace asyncbo {

namespace {

constexpr double pi = 3.14159265358979323846;

double branin_g(const vec_ref& u) {
  const double x1 = 15.0 * u[0] - 5.0, x2 = 15.0 * u[1];
  const double b = 5.1 / (4.0 * pi * pi), c = 5.0 / pi, r = 6.0, s = 10.0,
               t = 1.0 / (8.0 * pi);
  const double a = x2 - b * x1 * x1 + c * x1 - r;
  return a * a + s * (1.0 - t) * std::cos(x1);
}

double branin(const vec_ref& u) { return branin_g(u) + 10.0; }

double scaled_branin(const vec_ref& u) { return (branin_g(u) - 44.81) / 51.95; }

double simple_quadratic(const vec_ref& u) {
  double s = u.sum();
  return -s * s;
}

double gramacy_lee(const vec_ref& x) {
  const double v = x[0];
  return std::sin(10.0 * pi * v) / (2.0 * v) + std::pow(v - 1.0, 4);
}

template <int D>
double hartmann(const vec_ref& x, const double (&A)[4][D], const double (&P)[4][D]) {
  static constexpr double a[4] = {1.0, 1.2, 3.0, 3.2};
  double out = 0.0;
  for (int i = 0; i < 4; ++i) {
    double s = 0.0;
    for (int j = 0; j < D; ++j) {
      double d = x[j] - P[i][j];
      s += A[i][j] * d * d;
    }
    out -= a[i] * std::exp(-s);
  }
  return out;
}

double hartmann3(const vec_ref& x) {
  static constexpr double A[4][3] = {
    {3, 10, 30}, {0.1, 10, 35}, {3, 10, 30}, {0.1, 10, 35}};
  static constexpr double P[4][3] = {{0.3689, 0.1170, 0.2673},
                                     {0.4699, 0.4387, 0.7470},
                                     {0.1091, 0.8732, 0.5547},
                                     {0.0381, 0.5743, 0.8828}};
  return hartmann<3>(x, A, P);
}

double hartmann6(const vec_ref& x) {
  static constexpr double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                     {0.05, 10, 17, 0.1, 8, 14},
                                     {3, 3.5, 1.7, 10, 17, 8},
                                     {17, 8, 0.05, 10, 0.1, 14}};
  static constexpr double P[4][6] = {
    {0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
    {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
    {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
    {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  return hartmann<6>(x, A, P);
}

double shekel4(const vec_ref& x) {
  static constexpr double beta[10] = {0.1, 0.2, 0.2, 0.4, 0.4,
                                      0.6, 0.3, 0.7, 0.5, 0.5};
  static constexpr double C[4][10] = {{4, 1, 8, 6, 3, 2, 5, 8, 6, 7},
                                      {4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6},
                                      {4, 1, 8, 6, 3, 2, 5, 8, 6, 7},
                                      {4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6}};
  double out = 0.0;
  for (int i = 0; i < 10; ++i) {
    double s = beta[i];
    for (int j = 0; j < 4; ++j) {
      double d = 10.0 * x[j] - C[j][i];
      s += d * d;
    }
    out -= 1.0 / s;
  }
  return out;
}

double rosenbrock4(const vec_ref& x) {
  double r = 0.0;
  for (int i = 0; i < 3; ++i) {
    double yi = 15.0 * x[i] - 5.0, yn = 15.0 * x[i + 1] - 5.0;
    // Trieste's code: (y_{i+1} - y_i)^2, not (y_{i+1} - y_i^2)^2.
    r += 100.0 * (yn - yi) * (yn - yi) + (1.0 - yi) * (1.0 - yi);
  }
  return (r - 3.827e5) / 3.755e5;
}

double ackley5(const vec_ref& x) {
  const double n = 5.0;
  double sq = 0.0, cs = 0.0;
  for (int i = 0; i < 5; ++i) {
    double z = (x[i] - 0.5) * 65.536;
    sq += z * z;
    cs += std::cos(2.0 * pi * z);
  }
  return -20.0 * std::exp(-0.2 * std::sqrt(sq / n)) - std::exp(cs / n) + 20.0
         + std::exp(1.0);
}

double levy8(const vec_ref& x) {
  double w[8];
  for (int i = 0; i < 8; ++i)
    w[i] = 1.0 + ((20.0 * x[i] - 10.0) - 1.0) / 4.0;
  double s = std::pow(std::sin(pi * w[0]), 2);
  for (int i = 0; i < 7; ++i)
    s += (w[i] - 1.0) * (w[i] - 1.0)
         * (1.0 + 10.0 * std::pow(std::sin(pi * w[i] + 1.0), 2));
  s += (w[7] - 1.0) * (w[7] - 1.0) * (1.0 + std::pow(std::sin(2.0 * pi * w[7]), 2));
  return s / 450.0;
}

double michalewicz(const vec_ref& x) {
  double s = 0.0;
  for (Eigen::Index i = 0; i < x.size(); ++i)
    s -= std::sin(x[i]) * std::pow(std::sin(double(i + 1) * x[i] * x[i] / pi), 20);
  return s;
}

double trid10(const vec_ref& x) {
  double s = 0.0;
  for (int i = 0; i < 10; ++i)
    s += (x[i] - 1.0) * (x[i] - 1.0);
  for (int i = 1; i < 10; ++i)
    s -= x[i] * x[i - 1];
  return s;
}

double log_goldstein_price(const vec_ref& u) {
  const double x1 = 4.0 * u[0] - 2.0, x2 = 4.0 * u[1] - 2.0;
  const double a = std::pow(x1 + x2 + 1.0, 2);
  const double b = 19.0 - 14.0 * x1 + 3.0 * x1 * x1 - 14.0 * x2 + 6.0 * x1 * x2
                   + 3.0 * x2 * x2;
  const double c = std::pow(2.0 * x1 - 3.0 * x2, 2);
  const double d = 18.0 - 32.0 * x1 + 12.0 * x1 * x1 + 48.0 * x2 - 36.0 * x1 * x2
                   + 27.0 * x2 * x2;
  return (std::log((1.0 + a * b) * (30.0 + c * d)) - 8.693) / 2.427;
}

double cliff3(const vec_ref& x) {
  const double s = x[0] + x[1];
  if (s > 1.3)
    return std::numeric_limits<double>::quiet_NaN();
  const double d = x[0] - x[1], z = x[2] - 0.3;
  return 1.0 - 0.5 * s + 2.0 * z * z + 0.2 * d * d;
}

/// Scaled Branin behind five choices that move its minimum and raise it by
/// a bias; "c1" (mirrored in x0, no bias) holds the global minimum. The
/// biases are not monotone in the index, so an ordered integer encoding of
/// the choices is a wrong model of them.
double mixed_branin(const vec_ref& x) {
  const double bias[5] = {0.6, 0.0, 0.9, 0.3, 1.2};
  const int c = static_cast<int>(std::lround(x[2]));
  vec z(2);
  switch (c) {
    case 0: z << x[0], x[1]; break;
    case 1: z << 1.0 - x[0], x[1]; break;
    case 2: z << x[0], 1.0 - x[1]; break;
    case 3: z << 1.0 - x[0], 1.0 - x[1]; break;
    default: z << x[1], x[0]; break;
  }
  return scaled_branin(z) + bias[std::clamp(c, 0, 4)];
}

// Lattice versions: integer inputs standing for evenly spaced values.
double branin_grid(const vec_ref& x) {
  vec u = x / 9.0;
  return scaled_branin(u);
}

double hartmann3_lattice(const vec_ref& x) {
  vec u = x / 7.0;
  return hartmann3(u);
}

double hartmann6_mixed(const vec_ref& x) {
  vec u = x;
  u.head(3) /= 10.0;
  return hartmann6(u);
}

/// The minimiser over a finite lattice of integers 0..levels-1 in every
/// coordinate, by enumeration.
vec lattice_argmin(double (*fn)(const vec_ref&), std::size_t dim, int levels) {
  vec x = vec::Zero(static_cast<Eigen::Index>(dim)), best = x;
  double fbest = fn(x);
  for (;;) {
    Eigen::Index i = 0;
    while (i < x.size() && x[i] == levels - 1)
      x[i++] = 0.0;
    if (i == x.size())
      return best;
    x[i] += 1.0;
    if (const double f = fn(x); f < fbest) {
      fbest = f;
      best = x;
    }
  }
}

vec v(std::initializer_list<double> l) {
  vec out(l.size());
  Eigen::Index i = 0;
  for (double x : l)
    out[i++] = x;
  return out;
}

test_function make(std::string name, std::size_t dim, double lo, double hi,
                   std::vector<vec> mins, double minimum,
                   double (*fn)(const vec_ref&)) {
  test_function f;
  f.name = std::move(name);
  f.dim = dim;
  f.lower = vec::Constant(dim, lo);
  f.upper = vec::Constant(dim, hi);
  f.minimizers = std::move(mins);
  f.minimum = minimum;
  f.fn = fn;
  return f;
}

std::vector<test_function> build() {
  const std::vector<vec> branin_mins = {v({(5.0 - pi) / 15.0, 12.275 / 15.0}),
                                        v({(5.0 + pi) / 15.0, 2.275 / 15.0}),
                                        v({(5.0 + 3.0 * pi) / 15.0, 2.475 / 15.0})};
  const vec mich10 = v({2.202906, 1.570796, 1.284992, 1.923058, 1.720470,
                        1.570796, 1.454414, 1.756087, 1.655717, 1.570796});
  std::vector<test_function> fs;
  fs.push_back(make("scaled-branin", 2, 0, 1, branin_mins, -1.0473939, scaled_branin));
  fs.push_back(make("branin", 2, 0, 1, branin_mins, 0.3978873577, branin));
  fs.push_back(make("simple-quadratic", 2, 0, 1, {v({1, 1})}, -4.0, simple_quadratic));
  fs.push_back(make("gramacy-lee", 1, 0.5, 2.5, {v({0.5485634449})}, -0.86901113499,
                    gramacy_lee));
  fs.push_back(make("hartmann3", 3, 0, 1, {v({0.114614, 0.555649, 0.852547})},
                    -3.8627798, hartmann3));
  fs.push_back(make("hartmann6", 6, 0, 1,
                    {v({0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573})},
                    -3.3223680, hartmann6));
  fs.push_back(make("ackley5", 5, 0, 1, {vec::Constant(5, 0.5)}, 0.0, ackley5));
  fs.push_back(make("levy8", 8, 0, 1, {vec::Constant(8, 0.55)}, 0.0, levy8));
  fs.push_back(make("shekel4", 4, 0, 1,
                    {v({0.40007468670, 0.39995094806, 0.40007468700, 0.39995094776})},
                    -10.5364431535, shekel4));
  fs.push_back(make("rosenbrock4", 4, 0, 1, {vec::Constant(4, 0.4)}, -1.0191744,
                    rosenbrock4));
  fs.push_back(make("michalewicz2", 2, 0, pi, {mich10.head(2)}, -1.80130341, michalewicz));
  fs.push_back(make("michalewicz5", 5, 0, pi, {mich10.head(5)}, -4.68765818, michalewicz));
  fs.push_back(make("michalewicz10", 10, 0, pi, {mich10}, -9.66015172, michalewicz));
  fs.push_back(make("trid10", 10, -100, 100,
                    {v({10, 18, 24, 28, 30, 30, 28, 24, 18, 10})}, -210.0, trid10));
  fs.push_back(make("log-goldstein-price", 2, 0, 1, {v({0.5, 0.25})}, -3.1291256,
                    log_goldstein_price));
  fs.push_back(make("cliff3", 3, 0, 1, {v({0.65, 0.65, 0.3})}, 0.35, cliff3));
  // Integer lattices (the minimum is the lattice's).
  using fn_ptr = double (*)(const vec_ref&);
  for (auto [name, dim, levels, fn] :
       {std::tuple<const char*, std::size_t, int, fn_ptr>{"branin-grid", 2, 10, branin_grid},
        std::tuple<const char*, std::size_t, int, fn_ptr>{"hartmann3-lattice", 3, 8,
                                                          hartmann3_lattice}}) {
    const vec m = lattice_argmin(fn, dim, levels);
    auto f = make(name, dim, 0, levels - 1, {m}, fn(m), fn);
    f.integer.assign(dim, true);
    fs.push_back(f);
  }
  {
    // x0..x2 on 11 levels. The minimum over the 11^3 lattice points, each
    // with L-BFGS-B on x3..x5 from 5 starts; objectives_test recomputes it.
    auto f = make("hartmann6-mixed", 6, 0, 1,
                  {v({2, 2, 5, 0.274335176955, 0.312003800997, 0.657825496675})},
                  -3.29000787559, hartmann6_mixed);
    f.upper.head(3).setConstant(10.0);
    f.integer = {true, true, true, false, false, false};
    fs.push_back(f);
  }
  // Mixed: two numbers and one categorical input with five choices.
  std::vector<vec> mixed_mins;
  for (auto& m : branin_mins)
    mixed_mins.push_back(v({1.0 - m[0], m[1], 1.0}));
  auto mixed = make("mixed-branin", 3, 0, 1, mixed_mins, -1.0473939, mixed_branin);
  mixed.upper[2] = 4.0;
  mixed.choices = {{}, {}, {"c0", "c1", "c2", "c3", "c4"}};
  fs.push_back(mixed);
  mixed.name = "mixed-branin-index";
  mixed.choices_as_integers = true;
  fs.push_back(mixed);
  return fs;
}

} // namespace

double test_function::operator()(const vec_ref& x) const {
  if (static_cast<std::size_t>(x.size()) != dim)
    throw std::invalid_argument(name + ": expected " + std::to_string(dim)
                                + " coordinates, got "
                                + std::to_string(x.size()));
  return fn(x);
}

search_space test_function::space() const {
  if (choices.empty() && integer.empty())
    return search_space::box(lower, upper);
  std::vector<dimension> dims;
  for (std::size_t i = 0; i < dim; ++i) {
    dimension d;
    d.name = "x" + std::to_string(i);
    d.lower = lower[static_cast<Eigen::Index>(i)];
    d.upper = upper[static_cast<Eigen::Index>(i)];
    d.integer = i < integer.size() && integer[i];
    if (i < choices.size() && !choices[i].empty()) {
      if (choices_as_integers)
        d.integer = true;
      else
        d.choices = choices[i];
    }
    dims.push_back(std::move(d));
  }
  return search_space(std::move(dims));
}

const std::vector<test_function>& test_functions() {
  static const std::vector<test_function> fs = build();
  return fs;
}

const test_function* find_test_function(const std::string& name) {
  for (auto& f : test_functions())
    if (f.name == name)
      return &f;
  return nullptr;
}

std::string test_function_names() {
  std::string out;
  for (auto& f : test_functions()) {
    if (!out.empty())
      out += ", ";
    out += f.name;
  }
  return out;
}

// -- noise and failures ----------------------------------------------------------

double objective_noise::apply(double y, point_id id, std::uint32_t attempt) const {
  if (sd == 0.0 && failure_rate == 0.0)
    return y;
  rng_type rng(derive_seed(derive_seed(seed, 0x4E015Eull), id * 1024 + attempt));
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> n(0.0, 1.0);
  const double fail = u(rng), eps = n(rng);
  if (fail < failure_rate)
    return std::numeric_limits<double>::quiet_NaN();
  return y + sd * eps;
}

std::string objective_noise::validate() const {
  if (!(sd >= 0.0) || !std::isfinite(sd))
    return "experiment.noise must be finite and >= 0";
  if (!(failure_rate >= 0.0 && failure_rate < 1.0))
    return "experiment.failure-rate must be in [0, 1)";
  return {};
}

// -- delays --------------------------------------------------------------------

std::string delay_model::validate() const {
  auto finite_nonneg = [](double v) { return v >= 0.0 && std::isfinite(v); };
  if (!finite_nonneg(factor))
    return "delay.factor must be finite and >= 0";
  if (!finite_nonneg(time_scale))
    return "delay.time-scale must be finite and >= 0";
  if (!finite_nonneg(low) || !finite_nonneg(high) || !(low <= high))
    return "delay.low must be finite, >= 0 and <= delay.high";
  if (!(median > 0.0) || !std::isfinite(median))
    return "delay.median must be finite and > 0";
  if (!finite_nonneg(sigma))
    return "delay.sigma must be finite and >= 0";
  if (!(straggler_fraction >= 0.0 && straggler_fraction <= 1.0))
    return "delay.straggler-fraction must be in [0, 1]";
  if (!(straggler_factor >= 1.0) || !std::isfinite(straggler_factor))
    return "delay.straggler-factor must be finite and >= 1";
  return {};
}

double delay_model::seconds(const vec_ref& unit_x, point_id id, std::uint32_t attempt) const {
  rng_type rng(derive_seed(derive_seed(seed, 0xDE1A7ull), id * 1024 + attempt));
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> n(0.0, 1.0);
  double s = 0.0;
  switch (type) {
    case kind::none: return 0.0;
    case kind::constant: s = factor; break;
    case kind::uniform: s = low + (high - low) * u(rng); break;
    case kind::log_normal: s = median * std::exp(sigma * n(rng)); break;
    case kind::linear_sum: s = factor * unit_x.sum(); break;
  }
  if (straggler_fraction > 0.0 && u(rng) < straggler_fraction)
    s *= straggler_factor;
  return s * time_scale;
}


} // namespace asyncbo
