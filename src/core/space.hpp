// SPDX-License-Identifier: Apache-2.0
// Search spaces: a box of named dimensions (linear, log-scaled or integer),
// mapped onto the unit cube in which the model and the acquisition work.
#pragma once

#include <string>
#include <vector>

#include "core/types.hpp"

namespace asyncbo {

/// One parameter of a search space.
struct dimension {
  std::string name;
  double lower = 0.0;
  double upper = 1.0;
  /// Searched on a log scale (the unit coordinate is affine in log x).
  /// Requires lower > 0.
  bool log_scale = false;
  /// Only integer values; bounds must be integers. The unit interval is
  /// mapped onto [lower - 0.5, upper + 0.5] so that every integer gets an
  /// equally wide bin, then rounded.
  bool integer = false;
  /// A categorical parameter when not empty: its value in space coordinates
  /// is the index of the choice (0, 1, ...; lower and upper are then 0 and
  /// k - 1), and in unit coordinates a one-hot block of k coordinates, so
  /// that the kernel sees every pair of choices at the same distance
  /// (length-scales per choice are learned) instead of an order the choices
  /// do not have.
  std::vector<std::string> choices = {};

  bool categorical() const noexcept { return !choices.empty(); }
  /// Number of unit coordinates: k for a categorical, else 1.
  std::size_t width() const noexcept { return categorical() ? choices.size() : 1; }
};

/// A box of named dimensions with a bijection (up to integer rounding)
/// between the user's coordinates ("space coordinates") and the unit cube
/// [0, 1]^D ("unit coordinates").
///
/// Every public function validates its input and throws
/// std::invalid_argument with a message naming the argument and the rule.
class search_space {
public:
  /// Validates: at least one dimension; names non-empty and unique; bounds
  /// finite with lower < upper; lower > 0 for log dimensions; integral bounds
  /// for integer dimensions.
  explicit search_space(std::vector<dimension> dims);

  /// A box [lower, upper] with names x0, x1, ...
  static search_space box(const vec& lower, const vec& upper);

  /// Number of parameters (space coordinates).
  std::size_t dim() const noexcept { return dims_.size(); }
  /// Number of unit coordinates (what the model and the acquisition see):
  /// dim() plus (k - 1) per categorical parameter with k choices.
  std::size_t unit_dim() const noexcept { return unit_dim_; }
  /// First unit coordinate of parameter i.
  std::size_t unit_offset(std::size_t i) const { return offsets_.at(i); }
  /// True for the unit coordinates of categorical parameters (one-hot).
  std::vector<bool> categorical_mask() const;
  bool has_categorical() const noexcept { return unit_dim_ != dims_.size(); }
  /// Only the categorical blocks of `u` (unit_dim) snapped to one-hot
  /// (argmax; ties to the first choice), other coordinates untouched.
  vec snap_categorical(const vec_ref& u) const;

  /// True if some parameter takes only integer values.
  bool has_integer() const noexcept;
  /// True if some parameter is integer or categorical.
  bool has_discrete() const noexcept { return has_integer() || has_categorical(); }
  /// True if every parameter is integer or categorical: the space is a
  /// finite lattice of points.
  bool finite() const noexcept;
  /// True for the unit coordinates that only take lattice values (integer
  /// parameters and the one-hot blocks of categorical ones).
  std::vector<bool> discrete_mask() const;
  /// Number of values of parameter i: upper - lower + 1 for an integer, the
  /// choices of a categorical, 0 for a continuous parameter.
  std::uint64_t levels(std::size_t i) const;
  /// The number of points of a finite space, or `cap` if it has more (or a
  /// continuous parameter).
  std::uint64_t lattice_size(std::uint64_t cap) const;
  /// The unit point (snapped) with lattice index j of a finite space: mixed
  /// radix over the parameters' levels, the last parameter fastest. Throws
  /// std::invalid_argument if the space is not finite or j is out of range.
  vec lattice_point(std::uint64_t j) const;
  /// Moves integer parameter i of the unit point u (snapped) by `step`
  /// levels. False (u unchanged) if that leaves the parameter's bounds or i
  /// is not an integer parameter.
  bool step_integer(vec& u, std::size_t i, long step) const;

  /// The value of parameter i as text: the choice for a categorical, the
  /// exact number otherwise.
  std::string value_text(std::size_t i, double v) const;
  /// Reads a value written by value_text (a choice, or a number). Throws
  /// std::invalid_argument naming the parameter.
  double parse_value(std::size_t i, const std::string& text) const;

  const std::vector<dimension>& dimensions() const noexcept { return dims_; }

  std::vector<std::string> names() const;

  vec lower() const;
  vec upper() const;

  /// Space coordinates -> unit coordinates (unit_dim() entries). `x` must
  /// have dim() entries, be finite and lie in the box (integers need not be
  /// integral here; a categorical index must be one of 0..k-1).
  vec to_unit(const vec_ref& x) const;

  /// Unit coordinates (unit_dim() entries) -> space coordinates; values are
  /// clamped into [0, 1] first, integer dimensions are rounded, a
  /// categorical block becomes the index of its largest entry.
  vec from_unit(const vec_ref& u) const;

  /// The unit point that the model should see for the point the user will
  /// evaluate: to_unit(from_unit(u)). Identity except for integer dimensions.
  vec snap_unit(const vec_ref& u) const;

  /// Throws std::invalid_argument if `x` has the wrong size ("expected D
  /// coordinates, got n"), a non-finite entry or an entry outside the box.
  /// `what` names the argument in the message.
  void check_point(const vec_ref& x, const std::string& what) const;

  /// True if `x` has the right size and lies in the box.
  bool contains(const vec_ref& x) const;

private:
  std::vector<dimension> dims_;
  std::vector<std::size_t> offsets_;
  std::size_t unit_dim_ = 0;
};

/// A point as an exact key, for sets of lattice points (what is evaluated,
/// pending or drawn): equal keys are the same point to the bit.
using point_key = std::vector<double>;
inline point_key key_of(const vec_ref& u) { return point_key(u.data(), u.data() + u.size()); }

/// A coordinate as text: with `choices` (a categorical parameter), the
/// choice at index v; otherwise, or if v is not an index, the exact number.
/// The one place where choices become strings (CSV, logs, commands, JSON).
std::string value_text(const std::vector<std::string>& choices, double v);

/// The choices of every parameter of `space` (empty for numeric ones).
std::vector<std::vector<std::string>> choices_of(const search_space& space);

/// n points drawn independently and uniformly in [0, 1]^d, one per column
/// (d x n).
mat uniform_unit(std::size_t d, std::size_t n, rng_type& rng);

/// A Sobol sequence in [0, 1)^d (Joe and Kuo 2008 direction numbers, through
/// Boost.Random's sobol engine). Starts at the all-zero point (which Boost
/// skips), so that the first 2^m points form a complete (t, m, d)-net.
///
/// With `scramble`, every point gets a random digital shift (a per-dimension
/// XOR with a random 64-bit word drawn from `seed`), which keeps the
/// (t, s)-net structure and makes the points uniformly distributed
/// marginally. `skip` discards that many points of the sequence first.
class sobol_sequence {
public:
  sobol_sequence(std::size_t d, bool scramble, std::uint64_t seed,
                 std::uint64_t skip = 0);
  ~sobol_sequence();
  sobol_sequence(sobol_sequence&&) noexcept;
  sobol_sequence& operator=(sobol_sequence&&) noexcept;

  std::size_t dim() const noexcept { return shift_.size(); }

  /// The next point, written to `out` (size dim()). Values lie strictly in
  /// (0, 1): each is the centre of its 2^-53-wide cell.
  void next(Eigen::Ref<vec> out);

  /// The next n points, one per column (d x n).
  mat take(std::size_t n);

private:
  struct impl;
  impl* impl_;
  bool zero_pending_ = true; ///< the all-zero point is still to come
  std::vector<std::uint64_t> shift_;
};

/// d x n standard normal base samples. With `quasi_random`, scrambled Sobol
/// points pushed through the normal quantile (the QMC sampler of BoTorch and
/// Trieste's qmc=True); otherwise pseudo-random N(0, 1) from `seed`.
mat normal_base_samples(std::size_t d, std::size_t n, bool quasi_random,
                        std::uint64_t seed);

} // namespace asyncbo
