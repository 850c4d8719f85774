// SPDX-License-Identifier: Apache-2.0
// Fallback proposals: cheap Thompson draws on a fixed posterior, for the
// evaluators that would otherwise wait while an ask is still being computed
// (non-blocking dispatch, docs/design.md).
#pragma once

#include <deque>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "core/feasibility.hpp"
#include "core/gp.hpp"
#include "core/space.hpp"
#include "core/types.hpp"

namespace asyncbo {

struct proposal;

/// Options of the fallback draws (engine_options::fallback).
struct fallback_options {
  std::size_t features = 1024;   ///< random Fourier features, shared by all draws
  std::size_t candidates = 1024; ///< scrambled Sobol screening points
  /// One L-BFGS-B run from each draw's best candidate.
  bool refine = true;
  /// Draws are made this many at a time and kept until asked for (until
  /// the model changes): the triangular solves read the n x n factor once
  /// per block, not once per request.
  std::size_t block = 16;

  /// Empty if valid, else the option and the rule ("fallback: ...").
  std::string validate() const;
};

/// What fallback draws need of an engine at one moment: immutable, shared by
/// the engine's thread and the one that draws. Made by
/// engine::snapshot() after an ask.
struct fallback_source {
  explicit fallback_source(search_space s) : space(std::move(s)) {}

  std::shared_ptr<const gp> model;                  ///< the posterior of that ask
  std::shared_ptr<const feasibility_model> feasible; ///< may be null
  search_space space;
  mat near;                    ///< around-best candidates (unit, unit_dim x m)
  fallback_options options;
  std::uint64_t seed = 0;
  std::shared_ptr<id_source> ids; ///< the engine's ids
  /// On a lattice (a space with integer or categorical parameters): the
  /// points no draw may repeat (engine::exclusion at that moment; unit,
  /// D x m). Draws also never repeat each other.
  mat taken;
};

/// Thompson sampling on a fixed posterior, made cheap by sharing everything
/// that does not depend on the draw. Each proposal is the minimiser of one
/// pathwise posterior draw (posterior_sample, Wilson et al. 2020)
///
///   f_j(x) = c + phi(x)^T w_j + k(x, X) v_j,
///   v_j = (K + s_n^2 I)^-1 (y - c - Phi w_j - e_j),
///
/// with one set of random features phi for all draws of this object and its
/// own weights w_j and noise e_j per draw, on the source's posterior
/// extended by the observations told since (observe()). Built once (O(m n D + C n D): the
/// features at the data and at the C candidates, the kernel between them),
/// draws are made in blocks (two triangular solves with `block` right-hand
/// sides and two matrix products), then each costs one L-BFGS-B run from
/// its best candidate when it is handed out.
/// Against the engine's Thompson points (thompson_every), which draw their
/// own features and screen with 2 + d runs each, a draw here costs 2-5 ms
/// instead of 85-245 ms at n = 500-2 000 (docs/experiments/history.md §20) and is
/// coarser: the
/// draws share features, so their prior parts are correlated, and the
/// pending points are not conditioned on (independent draws spread a batch
/// by themselves; Kandasamy et al. 2018, asynchronous parallel TS).
///
/// Candidates with a success probability below 1/2 (the engine's failure
/// model, if any) are not screened, unless none is left. Categorical
/// choices and integers are never relaxed (maximize_acquisition with the
/// space), and on a lattice no draw repeats the source's taken points or
/// another draw: each takes the best candidate left, and a finite space
/// with no point left gives fewer draws.
///
/// Not thread-safe itself (draw() advances a counter): one thread draws;
/// the source it reads is shared read-only.
class thompson_fallback {
public:
  /// Throws std::invalid_argument if the source has no usable model or its
  /// options are invalid.
  explicit thompson_fallback(std::shared_ptr<const fallback_source> source);

  const fallback_source& source() const noexcept { return *src_; }
  std::size_t candidates() const noexcept { return static_cast<std::size_t>(cand_.cols()); }

  /// Observations told since the source was taken (unit points, D x k, and
  /// their values): the posterior is extended by them with the source's
  /// hyper-parameters (gp::extended, O(n^2 k)), and the features and kernel
  /// at the candidates gain their columns, so draws see the latest data, not
  /// only the data of the last ask. An extension copies the n x n factor,
  /// so observations wait until there are at least n / 64 of them (at
  /// n = 2 000, 31: half a second of results at 64 workers). Throws
  /// std::invalid_argument for a wrong size.
  void observe(const mat& X, const vec& y);
  /// Observations in the model the draws use, and waiting to join it.
  std::size_t data() const noexcept {
    return model_->size() + static_cast<std::size_t>(wait_y_.size());
  }

  /// True if drawing on here (extended by what was told since) is as good
  /// as building on `newer`, a later snapshot of the same engine: the same
  /// hyper-parameters, noise and failure model, and not much more data than
  /// newer's model holds (a subset model, engine_options::max_exact).
  /// Building costs O(m n D + C n D); extending, O(n^2 k).
  bool can_continue(const fallback_source& newer) const;

  /// k proposals (not initial), ids taken from the source's id_source. The
  /// j-th draw of this object, counted over calls, uses its own stream of
  /// the source's seed: the same calls give the same points.
  std::vector<proposal> draw(std::size_t k);

  /// Lattice spaces: points no later draw may repeat (unit, D x m; a newer
  /// source's taken points when this object continues on it).
  void exclude(const mat& taken);

private:
  std::shared_ptr<const fallback_source> src_;
  std::shared_ptr<const gp> model_;  ///< the source's, extended by observe()
  mat omega_;    ///< D x m
  vec phase_;    ///< m
  mat phi_x_;    ///< m x n: cos(omega^T X + b) at the data
  mat phi_c_;    ///< m x C: the same at the candidates
  mat k_cx_;     ///< C x n: the kernel between candidates and data
  mat cand_;     ///< D x C unit candidates (snapped)
  mat wait_x_;   ///< observations not yet in the model
  vec wait_y_;
  /// Draws made but not handed out: weights, update weights, best candidate.
  struct stocked {
    vec w, v;
    Eigen::Index best = 0;
    double best_value = 0.0;
    std::uint64_t seed = 0;
    vec values;   ///< at every candidate (lattice spaces only)
  };
  /// Lattice spaces: the source's taken points and every point drawn.
  mat taken_;
  std::set<point_key> taken_keys_;
  void take(const vec& u);
  bool is_taken(const vec& u) const;
  std::deque<stocked> stock_;
  void refill(std::size_t k);
  std::uint64_t draws_ = 0;
};

/// The drawing side of non-blocking dispatch: thompson_fallback on the
/// latest source, extended by the results told since. Results are numbered
/// in the order the caller told them; a source's model holds the first
/// `told_at_source`. A newer source with the same hyper-parameters adds
/// nothing those results do not (can_continue): the draws keep being
/// extended (cheap) instead of rebuilt (tens of ms at n = 2 000).
class fallback_server {
public:
  /// k proposals from `source`. `units` (D values per result, one after the
  /// other) and `values` are the results numbered from `from` on; those the
  /// draws already hold are skipped. Throws what thompson_fallback throws.
  std::vector<proposal> serve(const std::shared_ptr<const fallback_source>& source,
                              std::uint64_t told_at_source, std::uint64_t from,
                              const std::vector<double>& units,
                              const std::vector<double>& values, std::size_t k);

private:
  std::unique_ptr<thompson_fallback> draws_;
  std::uint64_t have_ = 0;   ///< results the draws hold or wait for
};

/// The dispatch side of the same numbering: which told results the sampler
/// has not been sent. The pool tells it every final ok result in tell order
/// and which results the latest source's model holds; next() hands out what
/// the sampler lacks, each result once per source: from what it was not sent
/// yet, or, when it will build on a new source, from what that source lacks.
class fallback_feed {
public:
  struct batch {
    std::vector<double> units;  ///< D values per result
    std::vector<double> values;
    std::uint64_t from = 0;     ///< number of the first result in the batch
  };

  /// One final ok result (its unit-cube point, D values, and its value).
  /// A point of another dimension than the first one told is refused (false).
  bool told(const std::vector<double>& unit, double value);
  /// A new source whose model holds the first `held` results told.
  void new_source(std::uint64_t held);
  /// What a request on the latest source must carry; marks it sent.
  batch next();

  std::uint64_t size() const noexcept { return values_.size(); }
  std::uint64_t held_by_source() const noexcept { return held_; }

private:
  std::size_t dim_ = 0;
  std::vector<double> units_;
  std::vector<double> values_;
  std::uint64_t held_ = 0;  ///< results the latest source's model holds
  std::uint64_t sent_ = 0;  ///< results sent to the sampler
  bool fresh_ = false;      ///< no request since the latest source
};

} // namespace asyncbo
