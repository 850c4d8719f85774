// SPDX-License-Identifier: Apache-2.0
// Multi-start L-BFGS-B maximisation of an acquisition function over the unit
// cube (the scheme of Trieste's generate_continuous_optimizer and BoTorch's
// optimize_acqf: score raw samples, then gradient runs from the best).
#pragma once

#include <atomic>
#include <string>

#include "core/acquisition.hpp"
#include "core/executor.hpp"
#include "core/lbfgsb.hpp"
#include "core/space.hpp"
#include "core/types.hpp"

namespace asyncbo {

/// Options of the acquisition optimiser. d below is the dimension of the
/// optimisation variable (q D for a joint batch).
///
/// Algorithm: score `screening_points` points (scrambled Sobol, or uniform)
/// with the target's screen(); start L-BFGS-B from the `restarts` best; if
/// no run converged, run `recovery_runs` more from uniform random points;
/// return the best final point of all runs (converged or not).
///
/// Defaults (asyncbo): screening_points = min(max(500, 100 d), 4000),
/// restarts = min(2 + d, 10). Trieste's literal defaults,
/// max(5000, 1000 d) uniform points and 10 d runs, are trieste(d); they
/// cost 5-20x more per ask for no measurable regret gain (docs/experiments/history.md).
struct acq_optimizer_options {
  std::size_t screening_points = 0; ///< 0 = automatic (see above)
  std::size_t restarts = 0;         ///< 0 = automatic (see above)
  std::size_t recovery_runs = 10;
  bool sobol_screening = true;
  /// L-BFGS-B on -log acquisition. gradient_tolerance is absolute on a
  /// log-scale function, so it means the same at every acquisition size.
  lbfgsb_options lbfgsb{10, 1e-6, 1e-9, 200, 20};
  /// Cancellation (state, not an option; may be null): once it reads true,
  /// every L-BFGS-B run stops at its next evaluation with the best point it
  /// has seen, and no recovery run starts. Set from another thread (the run
  /// is over and nobody waits for this ask).
  const std::atomic<bool>* cancel = nullptr;

  /// Trieste's automatic_optimizer_selector for dimension d.
  static acq_optimizer_options trieste(std::size_t d);

  std::size_t screening_for(std::size_t d) const;
  std::size_t restarts_for(std::size_t d) const;

  std::string validate() const;
};

enum class acq_optimizer_status {
  ok,               ///< at least one L-BFGS-B run converged
  no_run_converged, ///< none did, even after recovery; best point returned
  /// A finite space has no point left that is not excluded: x is empty.
  space_exhausted,
};

const char* to_string(acq_optimizer_status s);

struct acq_optimizer_summary {
  acq_optimizer_status status = acq_optimizer_status::ok;
  std::size_t screened = 0;       ///< screening evaluations
  std::size_t runs = 0;           ///< L-BFGS-B runs, recovery included
  std::size_t converged_runs = 0;
  std::size_t recovery_runs = 0;  ///< of which recovery runs
  std::size_t evaluations = 0;    ///< value+gradient evaluations by L-BFGS-B
  double best_screened = 0.0;     ///< best screening score
  double best_value = 0.0;        ///< log acquisition at the returned point
};

struct acq_result {
  vec x;                          ///< argmax found, in [0, 1]^d
  double log_value = 0.0;
  acq_optimizer_summary summary;
};

/// Finite spaces of up to this many points are enumerated (one point).
constexpr std::uint64_t kLatticeEnumerated = 4096;

/// Maximises target.log_value over [0, 1]^d. `extra` (d x m, may be empty)
/// holds further screening candidates, e.g. points around the best data
/// (BoTorch's sample_around_best): the acquisition peak next to the
/// incumbent is often narrower than the spacing of the screening points.
/// Deterministic for a given seed, whatever the executor (each run writes its
/// own slot; ties are broken by run index). Throws std::invalid_argument for
/// invalid options or a wrong `extra` size.
///
/// With a `space` that has categorical parameters (target.dim() a multiple q
/// of its unit_dim(), one block per point), the one-hot coordinates are
/// never relaxed: every screening candidate is snapped to a vertex, each
/// L-BFGS-B run optimises the continuous coordinates with its start's
/// choices held fixed (lower = upper bound), so the best-screened
/// combinations each get their continuous optimum; for one point with at
/// most 32 combinations of choices, every combination gets a run (from its
/// best screened candidate, or the best candidate switched to it), so the
/// acquisition is maximised over the continuous part of each; the result is then
/// improved by a local search that tries every other choice of every
/// categorical parameter in turn, until no single change helps. (Relaxing
/// one-hot blocks and rounding afterwards, the simple alternative, optimises
/// a function at points that do not exist.)
///
/// Integer parameters are treated the same way (Garrido-Merchan and
/// Hernandez-Lobato 2020: the acquisition is only ever evaluated at values
/// the objective can take): screening candidates are snapped onto the
/// lattice, L-BFGS-B holds the integer coordinates of its start, and the
/// local search also moves each integer parameter of each point by one
/// level up or down. A finite space (every parameter integer or
/// categorical) of at most 4096 points is enumerated instead (one point:
/// the exact maximiser over the lattice).
///
/// `exclude` (unit_dim x m, snapped unit points; used only with a space
/// that has discrete parameters): no point of the result may equal one of
/// them, nor may two points of a batch equal each other (points that are
/// evaluated or pending; rounding a continuous maximiser would otherwise
/// land on them again). If a finite space has no point left, the status is
/// space_exhausted and x is empty; otherwise, when every candidate tried is
/// excluded, the best of them is returned (a repeat; it needs almost the
/// whole of a large lattice to be excluded).
acq_result maximize_acquisition(const acquisition_target& target,
                                const acq_optimizer_options& opts,
                                std::uint64_t seed, executor* exec = nullptr,
                                const mat& extra = mat(),
                                const search_space* space = nullptr,
                                const mat& exclude = mat());

} // namespace asyncbo
