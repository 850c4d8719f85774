// SPDX-License-Identifier: Apache-2.0
// The ask/tell engine: observations, the pending set, the GP model and the
// acquisition rules (synchronous EGO, asynchronous joint, asynchronous
// greedy, random search). Its options are in core/engine_options.hpp.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/acq_optimizer.hpp"
#include "core/engine_options.hpp"
#include "core/executor.hpp"
#include "core/fallback.hpp"
#include "core/gp_fit.hpp"
#include "core/space.hpp"
#include "core/types.hpp"

namespace asyncbo {

/// A point handed out by ask() or initial_design().
struct proposal {
  point_id id = 0;
  vec x;            ///< space coordinates (integers rounded)
  vec unit;         ///< the unit point the model sees (snapped)
  bool initial = false;
};

/// A result given to tell(). With an id, it retires that pending point;
/// without one it simply joins the data (a point that was never asked).
struct observation {
  std::optional<point_id> id;
  vec x;            ///< space coordinates
  double y = 0.0;
};

enum class ask_status {
  ok,             ///< model fitted, acquisition optimised
  no_data,        ///< no observations yet: uniform random points
  random_rule,    ///< the random rule: uniform random points
  model_failed,   ///< the GP could not be factorised: uniform random points
  /// A finite space has no point left (evaluated, pending or failed): the
  /// ask returned fewer points than asked for, perhaps none.
  space_exhausted,
};

template <>
struct enum_names<ask_status> {
  static constexpr std::pair<ask_status, const char*> items[] = {
    {ask_status::ok, "ok"},
    {ask_status::no_data, "no_data"},
    {ask_status::random_rule, "random_rule"},
    {ask_status::model_failed, "model_failed"},
    {ask_status::space_exhausted, "space_exhausted"}};
};

/// The observations a GP of at most m points is fitted on (engine_options::
/// max_exact): all of them if n <= m or m = 0, else the m / 2 lowest values
/// (ties by index) and m - m / 2 spread evenly, in the order told, over the
/// rest. Indices in increasing order.
std::vector<std::size_t> data_subset(const std::vector<double>& y, std::size_t m);

/// What one ask did and how long its parts took.
struct ask_summary {
  ask_status status = ask_status::ok;
  std::size_t k = 0;
  std::size_t data = 0;        ///< observations told (successes)
  std::size_t model_points = 0; ///< of which in the model (model.max-exact)
  std::size_t pending = 0;     ///< pending points before the ask
  bool refitted = false;       ///< false if the data had not changed
  /// The hyper-parameters were fitted (MAP) at this ask; false: reused
  /// (refit schedule) or nothing changed.
  bool hyper_fitted = false;
  gp_fit_summary fit;
  std::vector<acq_optimizer_summary> acq; ///< one per optimisation
  double eta = 0.0;
  /// Unsmoothed acquisition value at the returned batch (q-EI: Trieste's
  /// estimator; LP/EI: the value). 0 means the plain estimate vanished there
  /// (docs/design.md, "q-EI that never vanishes"); the smoothed log value
  /// still ranked the batch.
  double plain_value = 0.0;
  double log_value = 0.0;      ///< the maximised log acquisition
  std::size_t thompson = 0;    ///< points of this ask from Thompson sampling
  std::size_t failures = 0;    ///< failed points the classifier learned from
  bool feasibility_flat = true; ///< the classifier chose one rate everywhere
  double fit_ms = 0.0;
  double acq_ms = 0.0;
  std::string message;
};

/// The ask/tell engine. Single-threaded: call it from one thread at a time
/// (the executor only parallelises inside one ask).
///
/// Every proposal carries a unique id; pending points are retired by id,
/// never by comparing coordinates (improves on Trieste, whose
/// remove_points matches floats exactly and leaks pending points whose
/// coordinates come back changed; Trieste PR 381).
class engine {
public:
  /// Throws std::invalid_argument if the options are invalid.
  engine(search_space space, engine_options opts, std::uint64_t seed,
         executor* exec = nullptr);

  const search_space& space() const noexcept { return space_; }
  const engine_options& options() const noexcept { return opts_; }

  /// n points drawn uniformly (or scrambled Sobol) in the box; they become
  /// pending like asked points and are marked initial.
  std::vector<proposal> initial_design(std::size_t n);

  /// k new points, conditioned on the pending set as the rule says. With no
  /// data yet, returns uniform random points (status no_data).
  ///
  /// On a space with integer or categorical parameters no proposal repeats
  /// a pending or failed point, another point of the same ask, or an
  /// evaluated point unless repeats_worth_it() (core/acq_optimizer: the
  /// acquisition is maximised over the lattice). When a finite space has
  /// no point left the ask returns fewer points (status space_exhausted,
  /// last_ask().message says why).
  std::vector<proposal> ask(std::size_t k);

  /// Adds observations to the data and retires their pending points.
  /// Validates all of them first (size, bounds, finite y, id pending, ids
  /// not repeated) and changes nothing if any is invalid
  /// (std::invalid_argument naming the observation and the rule).
  void tell(const std::vector<observation>& obs);

  /// Removes a pending point without data (a lost or interrupted
  /// evaluation, which says nothing about the point). Returns false if the
  /// id was not pending.
  bool forget(point_id id);

  /// The evaluation at `x` failed for good (the point's fault: it crashed,
  /// timed out, printed no value): retires the pending id if given and keeps
  /// x as failure data for the success-probability model. Throws
  /// std::invalid_argument if x is invalid or the id is not pending.
  void tell_failure(std::optional<point_id> id, const vec& x);

  /// Puts a point back in the pending set under its old id (resume). Later
  /// ids stay above it. Throws if the id is already pending or x is invalid.
  void restore_pending(point_id id, const vec& x, bool initial = false);

  /// Ids from here on are >= next (resume continues the log's numbering).
  void reserve_ids(point_id next);

  /// What fallback draws need of the model of the last ask (core/fallback):
  /// the posterior and failure model (shared, not copied: the engine never
  /// changes a model it has built), the space, the around-best candidates
  /// and this engine's ids, so that the draws' ids never collide with the
  /// engine's. Points drawn from it join the engine through
  /// restore_pending(). nullptr before the first model, when it did not
  /// factorise, or with the random rule.
  std::shared_ptr<const fallback_source> snapshot() const;

  /// Cancellation of a running ask from another thread (the run is over;
  /// nobody waits for its points): once `flag` reads true, the acquisition
  /// optimiser's runs stop at their next evaluation with the best points
  /// they have seen (acq_optimizer_options::cancel), so ask() returns soon.
  void set_cancel(std::shared_ptr<const std::atomic<bool>> flag);

  const std::map<point_id, proposal>& pending() const noexcept { return pending_; }
  std::size_t num_data() const noexcept { return ys_.size(); }
  std::size_t num_failures() const noexcept { return fail_us_.size(); }
  const std::vector<double>& data_y() const noexcept { return ys_; }

  struct best_point {
    vec x;
    double y;
  };
  /// Lowest observed value, or nothing without data.
  std::optional<best_point> best() const;

  /// What to report as the result: the observed point with the lowest
  /// posterior mean (BoTorch/Ax and Trieste recommend by the model, not by
  /// the luckiest observation). With noise-free data it is the best
  /// observation. Rebuilds the posterior if the data changed, with the last
  /// hyper-parameters once there are some (a MAP fit on thousands of points
  /// takes a minute, and the end of a run should not wait for it).
  struct recommendation {
    vec x;              ///< space coordinates
    double mean = 0.0;  ///< posterior mean of f there
    double sd = 0.0;    ///< posterior standard deviation of f there
    double observed = 0.0;
  };
  /// Nothing without data; the best observation if the model cannot be fitted.
  std::optional<recommendation> recommend();
  /// The same from the model of the last ask, without refitting (cheap:
  /// O(n^2)); nothing before the first fit.
  std::optional<recommendation> current_recommendation() const;

  const ask_summary& last_ask() const noexcept { return last_; }

  /// The likelihood variance of the current model (fixed or learned).
  double noise_variance() const noexcept { return noise_; }

  /// Noise variance, relative to the kernel's, from which an evaluated
  /// point of a lattice may be proposed again.
  static constexpr double kRepeatNoise = 1e-2;
  /// True if the model's noise is at least kRepeatNoise of its signal
  /// variance: the acquisition then decides whether measuring an evaluated
  /// lattice point again pays. Below it the objective is taken to be
  /// deterministic and evaluated points are never proposed again.
  bool repeats_worth_it() const;

  /// The model of the last ask (nullptr before the first fit).
  const gp* model() const noexcept { return model_.get(); }
  /// The success-probability model of the last ask (nullptr without
  /// failures or with learn_failures off).
  const feasibility_model* feasibility() const noexcept { return feasible_.get(); }

private:
  proposal make_proposal(const vec& unit, bool initial);
  /// The columns of `pts` snapped, without excluded points or repeats,
  /// topped up from more(m) (m fresh unit points) and, in a finite space,
  /// from the lattice in order. Fewer columns only when a finite space has
  /// no more.
  mat distinct_lattice_points(const mat& pts,
                              const std::function<mat(std::size_t)>& more) const;
  /// The points proposals must not repeat on a lattice (unit, D x m):
  /// pending, failed and, if `evaluated`, the observations. Empty for a
  /// continuous space.
  mat exclusion(bool evaluated) const;
  /// The ask's status and message for a finite space with no point left.
  void exhausted();
  std::vector<proposal> random_points(std::size_t k, ask_status why);
  /// Fits what changed since the last ask: the GP (MAP) when observations
  /// were told, the classifier when observations or failures were.
  /// `hyper`: false keeps the last hyper-parameters whatever the schedule
  /// says (a model exists already); the posterior is still rebuilt.
  bool refit(bool hyper = true);
  void fit_model(bool hyper);
  void fit_feasibility();
  mat pending_matrix() const;
  mat around_best_candidates(std::size_t q, std::uint64_t seed) const;

  search_space space_;
  engine_options opts_;
  std::uint64_t seed_;
  executor* exec_;
  std::uint64_t asks_ = 0;
  std::uint64_t points_asked_ = 0;   ///< model-based points, for thompson_every
  std::uint64_t asks_at_fit_ = 0;    ///< asks_ at the last MAP fit
  std::size_t n_at_fit_ = 0;         ///< observations at the last MAP fit
  std::size_t n_built_ = 0;          ///< observations told when model_ was built
  std::vector<std::size_t> model_rows_; ///< the observation of each column of model_
  std::shared_ptr<id_source> ids_ = std::make_shared<id_source>();
  std::shared_ptr<const std::atomic<bool>> cancel_;
  std::map<point_id, proposal> pending_;
  std::vector<vec> xs_;        ///< space coordinates
  std::vector<vec> us_;        ///< unit coordinates
  std::vector<double> ys_;
  std::uint64_t data_version_ = 0;
  std::uint64_t fitted_version_ = ~std::uint64_t{0};
  std::size_t feasible_for_ = 0;   ///< observations + failures the classifier saw
  bool have_prior_ = false;
  gp_prior prior_;
  double noise_ = 0.0;
  gp_hyper hyper_;
  std::shared_ptr<const gp> model_;
  std::vector<vec> fail_us_;   ///< unit coordinates of failed points
  std::shared_ptr<const feasibility_model> feasible_;
  ask_summary last_;
};

} // namespace asyncbo
