// SPDX-License-Identifier: Apache-2.0
// Search spaces, unit-cube maps and samplers.
#include "core/space.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include <boost/random/sobol.hpp>

#include "core/format.hpp"
#include "core/special.hpp"

namespace asyncbo {

namespace {

/// Bounds of the continuous relaxation that unit coordinates map onto.
void relaxed_bounds(const dimension& d, double& lo, double& hi) {
  lo = d.lower;
  hi = d.upper;
  if (d.integer) {
    lo -= 0.5;
    hi += 0.5;
  }
  if (d.log_scale) {
    lo = std::log(lo);
    hi = std::log(hi);
  }
}

} // namespace

search_space::search_space(std::vector<dimension> dims) : dims_(std::move(dims)) {
  if (dims_.empty())
    throw std::invalid_argument("search space: needs at least one dimension");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < dims_.size(); ++i) {
    const auto& d = dims_[i];
    std::string who = "search space dimension " + std::to_string(i);
    if (d.name.empty())
      throw std::invalid_argument(who + ": name must not be empty");
    who += " ('" + d.name + "')";
    if (!seen.insert(d.name).second)
      throw std::invalid_argument(who + ": names must be unique, '" + d.name
                                  + "' appears twice");
    if (d.categorical()) {
      if (d.log_scale || d.integer)
        throw std::invalid_argument(who + ": a categorical parameter cannot also be "
                                    "log-scale or integer");
      if (d.choices.size() < 2)
        throw std::invalid_argument(who + ": needs at least two choices, got "
                                    + std::to_string(d.choices.size()));
      std::set<std::string> distinct;
      for (auto& c : d.choices) {
        if (c.empty())
          throw std::invalid_argument(who + ": choices must not be empty strings");
        if (!distinct.insert(c).second)
          throw std::invalid_argument(who + ": choice \"" + c + "\" appears twice");
      }
      dims_[i].lower = 0.0;
      dims_[i].upper = static_cast<double>(d.choices.size() - 1);
      continue;
    }
    if (!std::isfinite(d.lower) || !std::isfinite(d.upper))
      throw std::invalid_argument(who + ": bounds must be finite");
    if (!(d.lower < d.upper))
      throw std::invalid_argument(who + ": lower bound " + exact(d.lower)
                                  + " must be < upper bound "
                                  + exact(d.upper));
    if (d.integer
        && (std::floor(d.lower) != d.lower || std::floor(d.upper) != d.upper))
      throw std::invalid_argument(who
                                  + ": integer dimensions need integer bounds");
    if (d.log_scale && !(d.lower > 0.0))
      throw std::invalid_argument(who + ": a log-scale dimension needs lower > 0"
                                  + ", got " + exact(d.lower));
  }
  for (auto& d : dims_) {
    offsets_.push_back(unit_dim_);
    unit_dim_ += d.width();
  }
}

std::vector<bool> search_space::categorical_mask() const {
  std::vector<bool> m(unit_dim_, false);
  for (std::size_t i = 0; i < dims_.size(); ++i)
    if (dims_[i].categorical())
      for (std::size_t c = 0; c < dims_[i].width(); ++c)
        m[offsets_[i] + c] = true;
  return m;
}

bool search_space::has_integer() const noexcept {
  for (auto& d : dims_)
    if (d.integer)
      return true;
  return false;
}

bool search_space::finite() const noexcept {
  for (auto& d : dims_)
    if (!d.integer && !d.categorical())
      return false;
  return true;
}

std::vector<bool> search_space::discrete_mask() const {
  std::vector<bool> m = categorical_mask();
  for (std::size_t i = 0; i < dims_.size(); ++i)
    if (dims_[i].integer)
      m[offsets_[i]] = true;
  return m;
}

std::uint64_t search_space::levels(std::size_t i) const {
  const auto& d = dims_.at(i);
  if (d.categorical())
    return d.choices.size();
  if (d.integer)
    return static_cast<std::uint64_t>(d.upper - d.lower) + 1;
  return 0;
}

std::uint64_t search_space::lattice_size(std::uint64_t cap) const {
  std::uint64_t n = 1;
  for (std::size_t i = 0; i < dims_.size(); ++i) {
    const std::uint64_t l = levels(i);
    if (l == 0 || n > cap / l)
      return cap;
    n *= l;
  }
  return std::min(n, cap);
}

vec search_space::lattice_point(std::uint64_t j) const {
  if (!finite())
    throw std::invalid_argument("lattice_point: the space has a continuous parameter");
  const std::uint64_t size = lattice_size(~std::uint64_t{0});
  if (j >= size)
    throw std::invalid_argument("lattice_point: j = " + std::to_string(j)
                                + " is not below the lattice size " + std::to_string(size));
  vec x(static_cast<Eigen::Index>(dim()));
  for (std::size_t i = dim(); i-- > 0;) {
    const std::uint64_t l = levels(i);
    x[static_cast<Eigen::Index>(i)] = dims_[i].lower + static_cast<double>(j % l);
    j /= l;
  }
  return to_unit(x);
}

bool search_space::step_integer(vec& u, std::size_t i, long step) const {
  if (i >= dims_.size() || !dims_[i].integer)
    return false;
  vec x = from_unit(u);
  const double v = x[static_cast<Eigen::Index>(i)] + static_cast<double>(step);
  if (v < dims_[i].lower || v > dims_[i].upper)
    return false;
  x[static_cast<Eigen::Index>(i)] = v;
  u = to_unit(x);
  return true;
}

vec search_space::snap_categorical(const vec_ref& u) const {
  vec out = u;
  for (std::size_t i = 0; i < dims_.size(); ++i) {
    if (!dims_[i].categorical())
      continue;
    const auto o = static_cast<Eigen::Index>(offsets_[i]);
    const auto k = static_cast<Eigen::Index>(dims_[i].width());
    Eigen::Index best = 0;
    for (Eigen::Index c = 1; c < k; ++c)
      if (u[o + c] > u[o + best])
        best = c;
    out.segment(o, k).setZero();
    out[o + best] = 1.0;
  }
  return out;
}

std::string value_text(const std::vector<std::string>& choices, double v) {
  if (choices.empty())
    return exact(v);
  const double r = std::round(v);
  if (!(r == v && r >= 0.0 && r < static_cast<double>(choices.size())))
    return exact(v);
  return choices[static_cast<std::size_t>(r)];
}

std::vector<std::vector<std::string>> choices_of(const search_space& space) {
  std::vector<std::vector<std::string>> out;
  for (auto& d : space.dimensions())
    out.push_back(d.choices);
  return out;
}

std::string search_space::value_text(std::size_t i, double v) const {
  return asyncbo::value_text(dims_.at(i).choices, v);
}

double search_space::parse_value(std::size_t i, const std::string& text) const {
  const auto& d = dims_.at(i);
  if (d.categorical()) {
    for (std::size_t c = 0; c < d.choices.size(); ++c)
      if (d.choices[c] == text)
        return static_cast<double>(c);
    throw std::invalid_argument("parameter '" + d.name + "': \"" + text
                                + "\" is not one of its choices");
  }
  std::size_t used = 0;
  double v = 0.0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size())
    throw std::invalid_argument("parameter '" + d.name + "': \"" + text
                                + "\" is not a number");
  return v;
}

search_space search_space::box(const vec& lower, const vec& upper) {
  if (lower.size() != upper.size())
    throw std::invalid_argument("search space: lower has "
                                + std::to_string(lower.size())
                                + " entries but upper has "
                                + std::to_string(upper.size()));
  std::vector<dimension> dims;
  for (Eigen::Index i = 0; i < lower.size(); ++i)
    dims.push_back({"x" + std::to_string(i), lower[i], upper[i], false, false, {}});
  return search_space{std::move(dims)};
}

std::vector<std::string> search_space::names() const {
  std::vector<std::string> out;
  for (auto& d : dims_)
    out.push_back(d.name);
  return out;
}

vec search_space::lower() const {
  vec v(dim());
  for (std::size_t i = 0; i < dim(); ++i)
    v[i] = dims_[i].lower;
  return v;
}

vec search_space::upper() const {
  vec v(dim());
  for (std::size_t i = 0; i < dim(); ++i)
    v[i] = dims_[i].upper;
  return v;
}

void search_space::check_point(const vec_ref& x, const std::string& what) const {
  if (static_cast<std::size_t>(x.size()) != dim())
    throw std::invalid_argument(what + ": expected " + std::to_string(dim())
                                + " coordinates, got "
                                + std::to_string(x.size()));
  for (std::size_t i = 0; i < dim(); ++i) {
    const auto& d = dims_[i];
    if (!std::isfinite(x[i]))
      throw std::invalid_argument(what + ": coordinate '" + d.name
                                  + "' is not finite");
    if (x[i] < d.lower || x[i] > d.upper)
      throw std::invalid_argument(what + ": coordinate '" + d.name + "' = "
                                  + exact(x[i]) + " lies outside ["
                                  + exact(d.lower) + ", "
                                  + exact(d.upper) + "]");
    if (d.categorical() && std::round(x[i]) != x[i])
      throw std::invalid_argument(what + ": coordinate '" + d.name + "' = " + exact(x[i])
                                  + " is not the index of a choice");
  }
}

bool search_space::contains(const vec_ref& x) const {
  if (static_cast<std::size_t>(x.size()) != dim())
    return false;
  for (std::size_t i = 0; i < dim(); ++i)
    if (!(x[i] >= dims_[i].lower && x[i] <= dims_[i].upper)
        || (dims_[i].categorical() && std::round(x[i]) != x[i]))
      return false;
  return true;
}

vec search_space::to_unit(const vec_ref& x) const {
  check_point(x, "to_unit: x");
  vec u = vec::Zero(static_cast<Eigen::Index>(unit_dim_));
  for (std::size_t i = 0; i < dim(); ++i) {
    if (dims_[i].categorical()) {
      u[static_cast<Eigen::Index>(offsets_[i] + static_cast<std::size_t>(x[i]))] = 1.0;
      continue;
    }
    double lo, hi;
    relaxed_bounds(dims_[i], lo, hi);
    double v = dims_[i].log_scale ? std::log(x[i]) : x[i];
    u[static_cast<Eigen::Index>(offsets_[i])] = std::clamp((v - lo) / (hi - lo), 0.0, 1.0);
  }
  return u;
}

vec search_space::from_unit(const vec_ref& u) const {
  if (static_cast<std::size_t>(u.size()) != unit_dim_)
    throw std::invalid_argument("from_unit: u: expected "
                                + std::to_string(unit_dim_) + " coordinates, got "
                                + std::to_string(u.size()));
  vec x(dim());
  for (std::size_t i = 0; i < dim(); ++i) {
    const auto& d = dims_[i];
    const auto o = static_cast<Eigen::Index>(offsets_[i]);
    for (std::size_t c = 0; c < d.width(); ++c)
      if (!std::isfinite(u[o + static_cast<Eigen::Index>(c)]))
        throw std::invalid_argument("from_unit: u: coordinate '" + d.name
                                    + "' is not finite");
    if (d.categorical()) {
      Eigen::Index best = 0;
      for (Eigen::Index c = 1; c < static_cast<Eigen::Index>(d.width()); ++c)
        if (u[o + c] > u[o + best])
          best = c;
      x[static_cast<Eigen::Index>(i)] = static_cast<double>(best);
      continue;
    }
    double lo, hi;
    relaxed_bounds(d, lo, hi);
    double v = lo + std::clamp(u[o], 0.0, 1.0) * (hi - lo);
    if (d.log_scale)
      v = std::exp(v);
    if (d.integer)
      v = std::round(v);
    x[i] = std::clamp(v, d.lower, d.upper);
  }
  return x;
}

vec search_space::snap_unit(const vec_ref& u) const {
  return to_unit(from_unit(u));
}

mat uniform_unit(std::size_t d, std::size_t n, rng_type& rng) {
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  mat out(d, n);
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t i = 0; i < d; ++i)
      out(i, j) = unif(rng);
  return out;
}

// -- Sobol --------------------------------------------------------------------

struct sobol_sequence::impl {
  boost::random::sobol engine;
  explicit impl(std::size_t d) : engine(d) {}
};

sobol_sequence::sobol_sequence(std::size_t d, bool scramble, std::uint64_t seed,
                               std::uint64_t skip)
  : impl_(nullptr), shift_(d, 0) {
  if (d == 0)
    throw std::invalid_argument("sobol_sequence: d must be >= 1");
  if (d > 3667)
    throw std::invalid_argument("sobol_sequence: d must be <= 3667 (size of "
                                "Boost's direction-number table), got "
                                + std::to_string(d));
  impl_ = new impl(d);
  if (skip > 0) {
    zero_pending_ = false;
    impl_->engine.discard((skip - 1) * d);
  }
  if (scramble) {
    rng_type rng(seed);
    for (auto& s : shift_)
      s = rng();
  }
}

sobol_sequence::~sobol_sequence() {
  delete impl_;
}

sobol_sequence::sobol_sequence(sobol_sequence&& o) noexcept
  : impl_(o.impl_), zero_pending_(o.zero_pending_), shift_(std::move(o.shift_)) {
  o.impl_ = nullptr;
}

sobol_sequence& sobol_sequence::operator=(sobol_sequence&& o) noexcept {
  std::swap(impl_, o.impl_);
  std::swap(zero_pending_, o.zero_pending_);
  std::swap(shift_, o.shift_);
  return *this;
}

void sobol_sequence::next(Eigen::Ref<vec> out) {
  constexpr double scale = 1.0 / 9007199254740992.0; // 2^-53
  const bool zero = zero_pending_;
  zero_pending_ = false;
  for (std::size_t i = 0; i < shift_.size(); ++i) {
    std::uint64_t v = (zero ? 0u : impl_->engine()) ^ shift_[i];
    out[i] = (static_cast<double>(v >> 11) + 0.5) * scale;
  }
}

mat sobol_sequence::take(std::size_t n) {
  mat out(dim(), n);
  for (std::size_t j = 0; j < n; ++j)
    next(out.col(j));
  return out;
}

mat normal_base_samples(std::size_t d, std::size_t n, bool quasi_random,
                        std::uint64_t seed) {
  mat out(d, n);
  if (quasi_random) {
    sobol_sequence seq(d, true, seed);
    vec u(d);
    for (std::size_t j = 0; j < n; ++j) {
      seq.next(u);
      for (std::size_t i = 0; i < d; ++i)
        out(i, j) = special::norm_quantile(u[i]);
    }
  } else {
    rng_type rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < d; ++i)
        out(i, j) = normal(rng);
  }
  return out;
}

} // namespace asyncbo
