// SPDX-License-Identifier: Apache-2.0
// Screening + multi-start L-BFGS-B acquisition optimiser.
#include "core/acq_optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <queue>
#include <set>
#include <stdexcept>

#include "core/space.hpp"

namespace asyncbo {

acq_optimizer_options acq_optimizer_options::trieste(std::size_t d) {
  acq_optimizer_options o;
  o.screening_points = std::max<std::size_t>(5000, 1000 * d);
  o.restarts = 10 * d;
  o.recovery_runs = 10;
  o.sobol_screening = false;
  // SciPy's L-BFGS-B defaults.
  o.lbfgsb = lbfgsb_options{10, 1e-5, 2.220446049250313e-09, 15000, 20};
  return o;
}

std::size_t acq_optimizer_options::screening_for(std::size_t d) const {
  if (screening_points > 0)
    return screening_points;
  return std::min<std::size_t>(std::max<std::size_t>(500, 100 * d), 4000);
}

std::size_t acq_optimizer_options::restarts_for(std::size_t d) const {
  if (restarts > 0)
    return restarts;
  return std::min<std::size_t>(2 + d, 10);
}

std::string acq_optimizer_options::validate() const {
  if (screening_points > 0 && restarts > screening_points)
    return "acquisition optimiser: restarts (" + std::to_string(restarts)
           + ") must be <= screening_points ("
           + std::to_string(screening_points) + ")";
  return lbfgsb.validate();
}

const char* to_string(acq_optimizer_status s) {
  switch (s) {
    case acq_optimizer_status::ok: return "ok";
    case acq_optimizer_status::no_run_converged: return "no_run_converged";
  }
  return "unknown";
}

namespace {

struct run_out {
  vec x;
  double value = -std::numeric_limits<double>::infinity();
  bool converged = false;
  int evaluations = 0;
};

/// Combinations of choices up to which every one gets an L-BFGS-B run.
constexpr std::size_t kMaxCombinations = 32;


struct cancelled {};

void run_lbfgsb(const acquisition_target& t, const vec& start,
                const lbfgsb_options& lo, run_out& out,
                const std::vector<bool>* fixed = nullptr,
                const std::atomic<bool>* cancel = nullptr) {
  const std::size_t d = t.dim();
  vec lb = vec::Zero(d), ub = vec::Ones(d);
  if (fixed)
    for (std::size_t i = 0; i < d; ++i)
      if ((*fixed)[i])
        lb[i] = ub[i] = start[i];
  vec x = start;
  // The best point seen, for a cancelled run.
  vec best_x = start;
  double best_v = -std::numeric_limits<double>::infinity();
  int evaluations = 0;
  try {
    auto res = minimize_box(
      [&](const vec& z, vec& g) {
        if (cancel && cancel->load(std::memory_order_relaxed))
          throw cancelled{};
        double v = t.log_value(z, &g);
        ++evaluations;
        if (v > best_v) {
          best_v = v;
          best_x = z;
        }
        g = -g;
        return -v;
      },
      x, lb, ub, lo);
    out.x = x;
    out.value = -res.value;
    out.converged = res.status == lbfgsb_status::converged;
    out.evaluations = res.evaluations;
  } catch (const cancelled&) {
    out.x = best_x;
    out.value = best_v;
    out.converged = false;
    out.evaluations = evaluations;
  }
}

} // namespace

acq_result maximize_acquisition(const acquisition_target& target,
                                const acq_optimizer_options& opts,
                                std::uint64_t seed, executor* exec,
                                const mat& extra, const search_space* space,
                                const mat& exclude) {
  if (auto err = opts.validate(); !err.empty())
    throw std::invalid_argument(err);
  serial_executor serial;
  executor& ex = exec ? *exec : serial;
  const std::size_t d = target.dim();
  if (extra.cols() > 0 && static_cast<std::size_t>(extra.rows()) != d)
    throw std::invalid_argument("maximize_acquisition: extra candidates have "
                                + std::to_string(extra.rows()) + " rows, expected "
                                + std::to_string(d));
  // Discrete blocks: which coordinates only take lattice values (one-hot
  // categorical blocks, integers), and the snap of a (q-point) candidate
  // onto the lattice.
  const bool discrete = space && space->has_discrete();
  const bool categorical = space && space->has_categorical();
  const bool integer = space && space->has_integer();
  // Held by L-BFGS-B: every discrete coordinate (fixed), or only the
  // categorical ones (relaxed_fixed: integers move continuously first).
  std::vector<bool> fixed, relaxed_fixed;
  std::size_t block = d;
  if (discrete) {
    block = space->unit_dim();
    if (d % block != 0)
      throw std::invalid_argument("maximize_acquisition: the target's dimension "
                                  + std::to_string(d) + " is not a multiple of the space's "
                                  + std::to_string(block) + " unit coordinates");
    const auto mask = space->discrete_mask();
    const auto cat = space->categorical_mask();
    for (std::size_t i = 0; i < d; ++i) {
      fixed.push_back(mask[i % block]);
      relaxed_fixed.push_back(cat[i % block]);
    }
  }
  const std::size_t q = d / block;
  const auto B = static_cast<Eigen::Index>(block);
  auto snap_block = [&](const vec& u) -> vec {
    return integer ? space->snap_unit(u) : space->snap_categorical(u);
  };
  auto snap = [&](vec x) {
    if (!discrete)
      return x;
    for (std::size_t p = 0; p < q; ++p)
      x.segment(static_cast<Eigen::Index>(p) * B, B)
        = snap_block(x.segment(static_cast<Eigen::Index>(p) * B, B));
    return x;
  };
  // Excluded points (evaluated, pending) and repeats within a batch: only
  // on a lattice, where an exact repeat is what rounding produces.
  if (discrete && exclude.cols() > 0 && exclude.rows() != B)
    throw std::invalid_argument("maximize_acquisition: exclude has " + std::to_string(exclude.rows())
                                + " rows, expected the space's " + std::to_string(block)
                                + " unit coordinates");
  auto snapped_key = [&](const vec& u) { return key_of(snap_block(u)); };
  std::set<point_key> excluded;
  if (discrete)
    for (Eigen::Index j = 0; j < exclude.cols(); ++j)
      excluded.insert(snapped_key(exclude.col(j)));
  const bool check_taken = discrete && (!excluded.empty() || q > 1);
  auto taken = [&](const vec& x) {
    if (!check_taken)
      return false;
    std::set<point_key> seen;
    for (std::size_t p = 0; p < q; ++p) {
      point_key k = snapped_key(x.segment(static_cast<Eigen::Index>(p) * B, B));
      if (excluded.count(k) || !seen.insert(std::move(k)).second)
        return true;
    }
    return false;
  };
  const std::vector<bool>* fixed_ptr = discrete ? &relaxed_fixed : nullptr;
  acq_result out;
  auto& sum = out.summary;
  constexpr double minus_inf = -std::numeric_limits<double>::infinity();

  // Scores of candidates (one per column) with the target's screen().
  auto screen_all = [&](const mat& cand) {
    const auto n = static_cast<std::size_t>(cand.cols());
    std::vector<double> score(n);
    const std::size_t chunk = 64;
    ex.parallel_for((n + chunk - 1) / chunk, [&](std::size_t c) {
      const std::size_t end = std::min(n, (c + 1) * chunk);
      for (std::size_t i = c * chunk; i < end; ++i) {
        const double v = target.screen(cand.col(static_cast<Eigen::Index>(i)));
        score[i] = std::isfinite(v) ? v : minus_inf;
      }
    });
    return score;
  };

  // 0. A small finite space (one point): every lattice point that is not
  //    excluded is screened, the best few are scored by log_value.
  if (space && space->finite() && q == 1) {
    const std::uint64_t size = space->lattice_size(kLatticeEnumerated + 1);
    if (size <= kLatticeEnumerated) {
      std::vector<vec> free;
      for (std::uint64_t j = 0; j < size; ++j) {
        vec u = space->lattice_point(j);
        if (!taken(u))
          free.push_back(std::move(u));
      }
      if (free.empty()) {
        sum.status = acq_optimizer_status::space_exhausted;
        sum.best_value = out.log_value = minus_inf;
        return out;
      }
      mat cand(B, static_cast<Eigen::Index>(free.size()));
      for (std::size_t j = 0; j < free.size(); ++j)
        cand.col(static_cast<Eigen::Index>(j)) = free[j];
      const std::vector<double> score = screen_all(cand);
      std::vector<std::size_t> order(free.size());
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
      sum.screened = free.size();
      sum.best_screened = score[order[0]];
      const std::size_t top = std::min(opts.restarts_for(d), free.size());
      std::vector<double> value(top);
      ex.parallel_for(top, [&](std::size_t r) {
        value[r] = target.log_value(free[order[r]], nullptr);
      });
      std::size_t best = 0;
      for (std::size_t r = 1; r < top; ++r)
        if (value[r] > value[best])
          best = r;
      sum.evaluations = top;
      out.x = free[order[best]];
      sum.best_value = out.log_value = value[best];
      return out;
    }
  }

  const std::size_t n_base = opts.screening_for(d);
  const std::size_t n_screen = n_base + static_cast<std::size_t>(extra.cols());
  const std::size_t n_runs = std::min(opts.restarts_for(d), n_screen);

  // 1. Screening.
  mat cand(d, n_screen);
  if (opts.sobol_screening) {
    sobol_sequence seq(d, true, derive_seed(seed, 1));
    cand.leftCols(n_base) = seq.take(n_base);
  } else {
    rng_type rng(derive_seed(seed, 1));
    cand.leftCols(n_base) = uniform_unit(d, n_base, rng);
  }
  if (extra.cols() > 0)
    cand.rightCols(extra.cols()) = extra.cwiseMax(0.0).cwiseMin(1.0);
  if (discrete)
    for (std::size_t i = 0; i < n_screen; ++i)
      cand.col(static_cast<Eigen::Index>(i)) = snap(cand.col(static_cast<Eigen::Index>(i)));
  std::vector<double> score = screen_all(cand);
  if (check_taken)
    for (std::size_t i = 0; i < n_screen; ++i)
      if (taken(cand.col(static_cast<Eigen::Index>(i))))
        score[i] = minus_inf;
  sum.screened = n_screen;
  std::vector<std::size_t> order(n_screen);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
  sum.best_screened = score[order[0]];

  // 2. Multi-start L-BFGS-B from the best screened points. With few
  //    combinations of choices (one point, at most kMaxCombinations), every
  //    combination gets a run of its own: from its best screened candidate,
  //    or from the best candidate switched to it.
  mat starts(d, static_cast<Eigen::Index>(n_runs));
  for (std::size_t r = 0; r < n_runs; ++r)
    starts.col(static_cast<Eigen::Index>(r)) = cand.col(static_cast<Eigen::Index>(order[r]));
  if (categorical && d == block) {
    const auto& dims = space->dimensions();
    std::size_t combos = 1;
    for (auto& dm : dims)
      if (dm.categorical())
        combos = std::min<std::size_t>(combos * dm.width(), kMaxCombinations + 1);
    if (combos <= kMaxCombinations) {
      // The combination of a vertex, as a number in mixed radix.
      auto code = [&](const vec& x) {
        std::size_t c = 0;
        for (std::size_t i = 0; i < dims.size(); ++i) {
          if (!dims[i].categorical())
            continue;
          const auto o = static_cast<Eigen::Index>(space->unit_offset(i));
          std::size_t choice = 0;
          while (x[o + static_cast<Eigen::Index>(choice)] != 1.0)
            ++choice;
          c = c * dims[i].width() + choice;
        }
        return c;
      };
      std::vector<bool> covered(combos, false);
      for (std::size_t r = 0; r < n_runs; ++r)
        covered[code(starts.col(static_cast<Eigen::Index>(r)))] = true;
      std::vector<std::size_t> best_of(combos, n_screen);
      for (std::size_t i : order) {   // best first
        const std::size_t c = code(cand.col(static_cast<Eigen::Index>(i)));
        if (best_of[c] == n_screen)
          best_of[c] = i;
      }
      for (std::size_t c = 0; c < combos; ++c) {
        if (covered[c])
          continue;
        vec x = cand.col(static_cast<Eigen::Index>(best_of[c] < n_screen ? best_of[c]
                                                                         : order[0]));
        if (best_of[c] == n_screen) {
          // Switch the best candidate to combination c.
          std::size_t rest = c;
          for (std::size_t i = dims.size(); i-- > 0;) {
            if (!dims[i].categorical())
              continue;
            const auto o = static_cast<Eigen::Index>(space->unit_offset(i));
            const auto k = static_cast<Eigen::Index>(dims[i].width());
            x.segment(o, k).setZero();
            x[o + static_cast<Eigen::Index>(rest % dims[i].width())] = 1.0;
            rest /= dims[i].width();
          }
        }
        starts.conservativeResize(Eigen::NoChange, starts.cols() + 1);
        starts.col(starts.cols() - 1) = x;
      }
    }
  }
  std::vector<run_out> runs(static_cast<std::size_t>(starts.cols()));
  ex.parallel_for(runs.size(), [&](std::size_t r) {
    run_lbfgsb(target, starts.col(static_cast<Eigen::Index>(r)), opts.lbfgsb, runs[r],
               fixed_ptr, opts.cancel);
  });
  std::size_t converged = 0;
  for (auto& r : runs)
    converged += r.converged ? 1 : 0;

  // 3. Recovery runs from uniform random points if nothing converged.
  const bool stop = opts.cancel && opts.cancel->load(std::memory_order_relaxed);
  if (converged == 0 && opts.recovery_runs > 0 && !stop) {
    rng_type rng(derive_seed(seed, 2));
    mat starts = uniform_unit(d, opts.recovery_runs, rng);
    std::vector<run_out> rec(opts.recovery_runs);
    ex.parallel_for(rec.size(), [&](std::size_t r) {
      run_lbfgsb(target, snap(starts.col(static_cast<Eigen::Index>(r))), opts.lbfgsb, rec[r],
                 fixed_ptr);
    });
    for (auto& r : rec)
      converged += r.converged ? 1 : 0;
    sum.recovery_runs = rec.size();
    runs.insert(runs.end(), rec.begin(), rec.end());
  }

  // 3b. Integers: each run's end is rounded onto the lattice, and its
  //     continuous coordinates are optimised again there.
  if (integer && !(opts.cancel && opts.cancel->load(std::memory_order_relaxed)))
    ex.parallel_for(runs.size(), [&](std::size_t r) {
      run_out polished;
      run_lbfgsb(target, snap(runs[r].x), opts.lbfgsb, polished, &fixed, opts.cancel);
      polished.evaluations += runs[r].evaluations;
      polished.converged = polished.converged || runs[r].converged;
      runs[r] = std::move(polished);
    });

  // 4. Best of all runs (ties: lowest index); a run that ended on an
  //    excluded point counts as the worst.
  if (check_taken)
    for (auto& r : runs)
      if (taken(r.x))
        r.value = minus_inf;
  std::size_t best = 0;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    sum.evaluations += runs[r].evaluations;
    if (runs[r].value > runs[best].value)
      best = r;
  }
  sum.runs = runs.size();
  sum.converged_runs = converged;
  sum.status = converged > 0 ? acq_optimizer_status::ok
                             : acq_optimizer_status::no_run_converged;
  out.x = runs[best].x;
  out.log_value = runs[best].value;
  if (discrete) {
    // 5. Local search over the lattice: change one categorical parameter
    //    of one point to another choice, or move one integer parameter by
    //    one level, keep a change that raises the acquisition (and is not
    //    excluded), until none does (the first improvement wins, in
    //    coordinate order, so the result is deterministic). From an
    //    excluded point, any allowed change wins.
    const auto& dims = space->dimensions();
    // Every lattice point one change away from x, in coordinate order.
    auto neighbours = [&](const vec& x) {
      std::vector<vec> out_n;
      for (std::size_t p = 0; p < q; ++p)
        for (std::size_t i = 0; i < dims.size(); ++i) {
          const auto o = static_cast<Eigen::Index>(p * block + space->unit_offset(i));
          const auto seg = static_cast<Eigen::Index>(p) * B;
          if (dims[i].integer) {
            for (long step : {-1L, 1L}) {
              vec u = x.segment(seg, B);
              if (!space->step_integer(u, i, step))
                continue;
              vec trial = x;
              trial.segment(seg, B) = u;
              out_n.push_back(std::move(trial));
            }
          } else if (dims[i].categorical()) {
            const auto k = static_cast<Eigen::Index>(dims[i].width());
            for (Eigen::Index c = 0; c < k; ++c) {
              if (x[o + c] == 1.0)
                continue;
              vec trial = x;
              trial.segment(o, k).setZero();
              trial[o + c] = 1.0;
              out_n.push_back(std::move(trial));
            }
          }
        }
      return out_n;
    };
    // Categorical choices: a few sweeps; integer moves of one level may
    // need more to walk from a rounded point to the lattice's best.
    const int sweeps = integer ? 200 : 10;
    for (int sweep = 0; sweep < sweeps; ++sweep) {
      bool improved = false;
      for (const vec& trial : neighbours(out.x)) {
        if (taken(trial))
          continue;
        const double v = target.log_value(trial, nullptr);
        ++sum.evaluations;
        if (v > out.log_value) {
          out.x = trial;
          out.log_value = v;
          improved = true;
        }
      }
      if (!improved)
        break;
    }
    // Still excluded (every neighbour is too): best-first search outwards
    // through excluded points, the highest acquisition first, until a free
    // point comes up (at most kEscape points); failing that, the best
    // screened candidate that is free; failing that, the repeat stands.
    if (check_taken && taken(out.x)) {
      constexpr std::size_t kEscape = 512;
      using entry = std::pair<double, std::size_t>;
      std::vector<vec> nodes{out.x};
      std::set<point_key> visited{key_of(out.x)};
      std::priority_queue<entry> frontier;
      frontier.push({out.log_value, 0});
      bool found = false;
      // Pop the best point seen; a free one ends the search, an excluded one
      // adds its neighbours while fewer than kEscape points have been seen.
      while (!frontier.empty() && !found) {
        const auto [v, at] = frontier.top();
        frontier.pop();
        if (!taken(nodes[at])) {
          out.x = nodes[at];
          out.log_value = v;
          found = true;
          break;
        }
        if (nodes.size() >= kEscape)
          continue;
        for (vec& nb : neighbours(nodes[at])) {
          if (!visited.insert(key_of(nb)).second)
            continue;
          const double nv = target.log_value(nb, nullptr);
          ++sum.evaluations;
          nodes.push_back(std::move(nb));
          frontier.push({std::isfinite(nv) ? nv : minus_inf, nodes.size() - 1});
        }
      }
      if (!found)
        for (std::size_t i : order)
          if (std::isfinite(score[i])) {
            out.x = cand.col(static_cast<Eigen::Index>(i));
            out.log_value = target.log_value(out.x, nullptr);
            ++sum.evaluations;
            break;
          }
    }
  }
  // The run started from the best screened point evaluated it first, and
  // minimize_box returns the best point it evaluated, so the result is never
  // worse than that start.
  sum.best_value = out.log_value;
  return out;
}

} // namespace asyncbo
