// SPDX-License-Identifier: Apache-2.0
// The ask/tell engine: observations, the pending set, the GP model and the
// acquisition rules (synchronous EGO, asynchronous joint, asynchronous
// greedy, random search).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/acq_optimizer.hpp"
#include "core/acquisition.hpp"
#include "core/executor.hpp"
#include "core/fallback.hpp"
#include "core/gp_fit.hpp"
#include "core/space.hpp"
#include "core/types.hpp"
#include "core/warp.hpp"

namespace asyncbo {

/// How ask(k) builds its batch.
enum class rule_kind {
  sync,         ///< EfficientGlobalOptimization: ignores pending points
  async_joint,  ///< AsynchronousOptimization: joint q-EI, pending points fixed
  async_greedy, ///< AsynchronousGreedy: one point at a time, pending penalised
  random,       ///< uniform random search (no model)
};

enum class acquisition_kind { batch_mc_ei, local_penalization, ei };

/// What the GP models (model.output-transform).
enum class output_transform_kind {
  none,  ///< y itself (Trieste)
  power, ///< the Yeo-Johnson transform of standardised y, fitted at every MAP fit (core/warp)
};

const char* to_string(output_transform_kind t);
/// Parse "none" | "power".
bool parse_output_transform(const std::string& s, output_transform_kind& out);
/// Every name parse_output_transform accepts.
std::vector<std::string> output_transform_names();

/// Defaults of the acquisition optimiser.
enum class optimizer_preset {
  asyncbo, ///< Sobol screening + around-best points, 2 + d runs (acq_optimizer.hpp)
  trieste, ///< Trieste's literal settings: acq_optimizer_options::trieste(d)
};

const char* to_string(rule_kind r);
const char* to_string(acquisition_kind a);
const char* to_string(optimizer_preset p);
/// Parse "sync" | "async-joint" | "async-greedy" | "random".
bool parse_rule(const std::string& s, rule_kind& out);
/// Parse "batch-mc-ei" | "local-penalization" | "ei".
bool parse_acquisition(const std::string& s, acquisition_kind& out);
/// Parse "asyncbo" | "trieste".
bool parse_preset(const std::string& s, optimizer_preset& out);
/// Every name each parser accepts, in documentation order.
std::vector<std::string> rule_names();
std::vector<std::string> acquisition_names();
std::vector<std::string> preset_names();

/// Options of the engine. Rules and functions combine as follows:
/// * sync: batch-mc-ei (joint batch), local-penalization (greedy batch),
///   ei (k = 1 only);
/// * async-joint: batch-mc-ei;
/// * async-greedy: local-penalization, or batch-mc-ei (sequential greedy
///   q-EI: each point optimised with q = 1 and all pending points fixed;
///   Trieste rejects this combination, asyncbo allows it);
/// * random: any (the function is not used).
struct engine_options {
  rule_kind rule = rule_kind::async_joint;
  acquisition_kind acquisition = acquisition_kind::batch_mc_ei;
  /// Fixed likelihood variance; 0 = learned (learn_noise) or Trieste's
  /// default v0 / 100, v0 the population variance of the data at the first
  /// fit.
  double likelihood_variance = 0.0;
  /// With likelihood_variance 0: fit the noise variance with the other
  /// hyper-parameters (model.noise = "learn"); its prior is LogNormal with
  /// median v0 / 100 and log-scale 3, inside [1e-8 v0, v0] (the floor lets
  /// noise-free data interpolate). false: fixed at v0 / 100.
  bool learn_noise = true;
  /// Re-centre the priors of the kernel variance and the noise on the data
  /// at every MAP fit (model.prior-centre = "every-fit"), as standardising
  /// the outputs before each fit does (BoTorch); false: on the first fit's
  /// data only (Trieste's build_gpr, "first-fit").
  bool recentre_prior = false;
  /// The GP models T(y), T refitted at every MAP fit and kept between fits
  /// (output_warp); every acquisition works on T(y), whose minimisers are
  /// y's; recommendations are reported in y. A fixed likelihood_variance is
  /// scaled by T' squared at the data's mean.
  output_transform_kind output_transform = output_transform_kind::none;
  /// The length-scale prior (model.lengthscale-prior; core/gp_fit).
  lengthscale_prior_kind lengthscale_prior = lengthscale_prior_kind::trieste;
  qei_options qei;
  lp_options lp;
  acq_optimizer_options optimizer;
  gp_fit_options fit;
  /// Initial design from scrambled Sobol points instead of uniform draws.
  bool sobol_initial_design = false;
  /// Extra screening candidates around the best observations (Gaussian
  /// perturbations, scale log-uniform in [1e-3, 1e-1] of the unit cube): the
  /// EI peak next to the incumbent is narrower than the spacing of the
  /// screening points late in a run. 0 disables.
  std::size_t around_best = 200;
  /// Every this-many-th asked point (counted over the run) is a Thompson
  /// sample instead of the acquisition's choice: the minimiser of one
  /// posterior draw as a function (posterior_sample, thompson_features
  /// random features), screened on thompson_candidates scrambled Sobol
  /// points plus the around-best candidates and refined by L-BFGS-B (the
  /// optimiser's restarts). The other points of that ask treat it as
  /// pending. 0 = never. Default 4 (BENCHMARKS.md §16: fewer trapped runs
  /// and lower regret on every function of the suite and on the seed
  /// experiment); the trieste preset sets 0.
  std::size_t thompson_every = 4;
  std::size_t thompson_candidates = 1024;
  std::size_t thompson_features = 1024;
  /// Widens each draw around the posterior mean (posterior_sample's scale).
  double thompson_scale = 1.0;
  /// Stalled runs (acquisition.stall-window, -tolerance, -radius): once the
  /// best observation has improved by less than stall_tolerance times the
  /// range of the data over the last stall_window observations
  /// (run_stalled), each Thompson draw is minimised with the incumbent's basin
  /// excluded (excluding_ball): the ellipsoid of stall_radius length-scales
  /// of the GP (0 = 1) around the data point of lowest posterior mean, so it
  /// proposes the draw's best other basin. 0 = never (the default with both
  /// presets; BENCHMARKS.md section 24).
  std::size_t stall_window = 0;
  double stall_tolerance = 1e-3;
  double stall_radius = 0.0;
  /// Failed points (tell_failure) teach a model of the probability of
  /// success, which weights every acquisition (objective.on-failure =
  /// "learn"); false: they are only forgotten ("forget").
  bool learn_failures = true;
  feasibility_options feasibility;
  /// Refit schedule of the GP's hyper-parameters (model.refit-every,
  /// model.refit-growth): the MAP fit runs at the first ask, then at most
  /// every `refit_every` asks, and always once the data have grown by
  /// `refit_growth` (a fraction) since the last fit; between fits the
  /// posterior is rebuilt on the new data with the last hyper-parameters
  /// (one factorisation instead of a fit's hundreds). 1 = every ask (as
  /// Trieste does). Every fit is warm-started from the last hyper-parameters.
  std::size_t refit_every = 1;
  double refit_growth = 0.25;
  /// Large data (model.max-exact): with more observations than this at a
  /// fit, the GP is fitted and conditioned on a subset of max_exact of them
  /// (subset of data, Rasmussen and Williams 2006, sec. 8.3.1): the
  /// max_exact / 2 lowest values and, from the rest, an even spread over
  /// the order in which they were told. The incumbent region keeps all its
  /// data, the rest of the space a thinner cover. Points told between fits
  /// are appended (the factor is extended), so the model holds at most
  /// max_exact points plus those of one refit interval. 0 = never.
  /// Error against the exact GP: BENCHMARKS.md section 18.
  std::size_t max_exact = 2000;
  /// The draws made from snapshot() (non-blocking dispatch).
  fallback_options fallback;

  /// Empty if valid, else every problem, one per line, each naming the
  /// option and the rule.
  std::string validate() const;

  /// Applies a preset of the acquisition optimiser for a problem of `dim`
  /// dimensions asked in batches of `batch` (a joint batch optimises q D
  /// coordinates). trieste: Trieste's screening and restarts, and every base
  /// sample used for screening too.
  void apply(optimizer_preset p, std::size_t dim, std::size_t batch);
};

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
};

const char* to_string(ask_status s);

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
  bool stalled = false;        ///< the run had stalled (engine_options::stall_window)
  double warp_lambda = 1.0;    ///< the output transform's lambda (1: none)
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
  const std::vector<vec>& data_x() const noexcept { return xs_; }
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

  /// The model of the last ask (nullptr before the first fit).
  const gp* model() const noexcept { return model_.get(); }
  /// The model of the last ask, shared (nullptr before the first fit).
  std::shared_ptr<const gp> shared_model() const noexcept { return model_; }
  /// The success-probability model of the last ask (nullptr without
  /// failures or with learn_failures off).
  const feasibility_model* feasibility() const noexcept { return feasible_.get(); }

private:
  proposal make_proposal(const vec& unit, bool initial);
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
  output_warp warp_;                 ///< T of engine_options::output_transform
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
