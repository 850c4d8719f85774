// SPDX-License-Identifier: Apache-2.0
// Screening + multi-start L-BFGS-B acquisition optimiser.
#include "core/acq_optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
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
                                const mat& extra, const search_space* space) {
  if (auto err = opts.validate(); !err.empty())
    throw std::invalid_argument(err);
  serial_executor serial;
  executor& ex = exec ? *exec : serial;
  const std::size_t d = target.dim();
  if (extra.cols() > 0 && static_cast<std::size_t>(extra.rows()) != d)
    throw std::invalid_argument("maximize_acquisition: extra candidates have "
                                + std::to_string(extra.rows()) + " rows, expected "
                                + std::to_string(d));
  // Categorical blocks: which coordinates are one-hot, and the snap of a
  // (q-point) candidate onto the vertices.
  const bool categorical = space && space->has_categorical();
  std::vector<bool> fixed;
  std::size_t block = d;
  if (categorical) {
    block = space->unit_dim();
    if (d % block != 0)
      throw std::invalid_argument("maximize_acquisition: the target's dimension "
                                  + std::to_string(d) + " is not a multiple of the space's "
                                  + std::to_string(block) + " unit coordinates");
    const auto mask = space->categorical_mask();
    for (std::size_t i = 0; i < d; ++i)
      fixed.push_back(mask[i % block]);
  }
  auto snap = [&](vec x) {
    if (!categorical)
      return x;
    for (std::size_t p = 0; p < d / block; ++p) {
      const auto o = static_cast<Eigen::Index>(p * block);
      const auto b = static_cast<Eigen::Index>(block);
      x.segment(o, b) = space->snap_categorical(x.segment(o, b));
    }
    return x;
  };
  const std::vector<bool>* fixed_ptr = categorical ? &fixed : nullptr;
  const std::size_t n_base = opts.screening_for(d);
  const std::size_t n_screen = n_base + static_cast<std::size_t>(extra.cols());
  const std::size_t n_runs = std::min(opts.restarts_for(d), n_screen);
  acq_result out;
  auto& sum = out.summary;

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
  if (categorical)
    for (std::size_t i = 0; i < n_screen; ++i)
      cand.col(static_cast<Eigen::Index>(i)) = snap(cand.col(static_cast<Eigen::Index>(i)));
  std::vector<double> score(n_screen);
  const std::size_t chunk = 64;
  const std::size_t n_chunks = (n_screen + chunk - 1) / chunk;
  ex.parallel_for(n_chunks, [&](std::size_t c) {
    const std::size_t end = std::min(n_screen, (c + 1) * chunk);
    for (std::size_t i = c * chunk; i < end; ++i) {
      double v = target.screen(cand.col(i));
      score[i] = std::isfinite(v) ? v : -std::numeric_limits<double>::infinity();
    }
  });
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

  // 4. Best of all runs (ties: lowest index).
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
  if (categorical) {
    // 5. Local search over the choices: change one categorical parameter of
    //    one point at a time, keep a change that raises the acquisition,
    //    until none does (at most a few sweeps; the first improvement wins,
    //    in coordinate order, so the result is deterministic).
    const auto& dims = space->dimensions();
    for (int sweep = 0; sweep < 10; ++sweep) {
      bool improved = false;
      for (std::size_t p = 0; p < d / block; ++p)
        for (std::size_t i = 0; i < dims.size(); ++i) {
          if (!dims[i].categorical())
            continue;
          const auto o = static_cast<Eigen::Index>(p * block + space->unit_offset(i));
          const auto k = static_cast<Eigen::Index>(dims[i].width());
          for (Eigen::Index c = 0; c < k; ++c) {
            if (out.x[o + c] == 1.0)
              continue;
            vec trial = out.x;
            trial.segment(o, k).setZero();
            trial[o + c] = 1.0;
            const double v = target.log_value(trial, nullptr);
            ++sum.evaluations;
            if (v > out.log_value) {
              out.x = trial;
              out.log_value = v;
              improved = true;
            }
          }
        }
      if (!improved)
        break;
    }
  }
  // The run started from the best screened point evaluated it first, and
  // minimize_box returns the best point it evaluated, so the result is never
  // worse than that start.
  sum.best_value = out.log_value;
  return out;
}

} // namespace asyncbo
