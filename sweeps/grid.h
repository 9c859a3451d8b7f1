// Grid files (sweeps/*.yaml): parsing, validation with file:line:column, and expansion into resolved runs.
// Torch-free. Everything is checked before anything runs; a bad file is one UserError listing every problem.
//
// A grid file:
//   name: regla                      # the sweep's name (default: the file's stem)
//   run_name: "{model.attn.feature_map}-{model.attn.gate}-s{seed}"   # template over resolved keys (optional)
//   base: {model: {d_model: 64}, train.steps: 500}                   # a run config, nested or dotted keys
//   grid: {model.attn.gate: [none, gla]}                             # Cartesian product, in file order
//   zip: [{task.seq_len: [64, 128], task.mqar.num_kv: [4, 8]}]       # groups of equal-length lists, varied together
//   exclude: [{model.attn.kind: softmax}]                            # partial matches removed from the product
//   include: [{model.attn.kind: softmax}]                            # extra cases (base + these keys), never excluded
//   seeds: 3                                                         # or [0, 7]: every case once per seed
//   baseline: {model.attn.kind: softmax}                             # partial match marking the baseline run(s),
//                                                                    # or one run's name: baseline: "kind=softmax"
//   report: {metric: accuracy, best_over: train.lr}                  # summary for `gatelab sweep status`
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace gatelab::sweeps {

// One run of a sweep: its name (from the template), identity, resolved config, and the keys its case set.
struct PlannedRun {
  std::string name;
  std::string run_id;     // config::hash of the resolved config: the run's identity
  nlohmann::json config;  // fully resolved
  // The keys this case varied (grid, zip, include entry, seed), in file order: what tells runs apart.
  std::vector<std::pair<std::string, nlohmann::json>> case_values;
  bool is_baseline = false;
};

struct SweepPlan {
  std::string name;
  std::string source_path;       // as given
  std::string source_text;       // the file's text (stored in the DB with the sweep)
  std::string sweep_id;          // hash of the name and the sorted run ids
  std::vector<PlannedRun> runs;  // in expansion order (product in file order, then includes; seeds innermost)
  size_t merged_duplicates = 0;  // cases that resolved to a run already in the list (kept once)
  // Keys a case set that did not enter some run's identity (config::KeySpec::scope), with the scope's condition:
  // why cases collapse (model.attn.gate of an all-softmax model), or why a run is the one already trained
  // (train.log_every).
  std::map<std::string, std::string> out_of_scope_keys;
  // Optional `report: {metric: accuracy, best_over: train.lr}`: `gatelab sweep status` then also prints, per
  // group of runs differing only in `best_over`, the best validation `metric` (max for accuracy, min otherwise).
  std::string report_metric, report_best_over;
};

// The most runs a grid may expand to unless --max-runs says otherwise: far above any night's sweep, far below
// what takes minutes to plan.
constexpr size_t kDefaultMaxRuns = 10000;

// A sweep's identity: the hash of its name and the set of its run ids (order-free, so reordering the file keeps it).
std::string sweep_identity(const std::string& name, std::vector<std::string> run_ids);

// Reads and expands a grid file. Throws UserError ("FILE:LINE:COL: message", one line per problem), also when the
// grid would expand to more than `max_runs` runs (checked before expanding).
SweepPlan load_sweep(const std::string& path, size_t max_runs = kDefaultMaxRuns);

// Same, from text; `source_label` names the file in messages.
SweepPlan parse_sweep(const std::string& yaml_text, const std::string& source_label,
                      size_t max_runs = kDefaultMaxRuns);

// A value as it appears in run names and tables: strings as is, numbers short (3e-4), lists joined with '+'.
std::string format_value(const nlohmann::json& value);

}  // namespace gatelab::sweeps
