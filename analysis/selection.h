// Which runs an export, plot or report is about: --sweep, --run and --variant, resolved against the DB with
// clear errors (an unknown sweep or run lists what exists). Torch-free.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "results/store.h"

namespace gatelab::analysis {

// Opens a results DB read-only for analysis (views as TEMP views, see results::Store). A missing file is a
// UserError naming the --db option.
std::unique_ptr<results::Store> open_results(const std::string& path);

struct SweepInfo {
  std::string sweep_id, name, source_path, source_yaml, created_at;
};

// A sweep by id, hex id prefix (6 digits or more) or name (the newest launch of that name). Unknown: UserError listing
// the sweeps.
SweepInfo resolve_sweep(SQLite::Database& db, const std::string& name_or_id);

// A run by run_id, unique hex run_id prefix (6 digits or more), runs.name or sweep_runs.run_name. Unknown or ambiguous:
// UserError.
std::string resolve_run(SQLite::Database& db, const std::string& name_or_id);

// What `gatelab tag` and `gatelab note` label: a run (target: its run_id) or a sweep (target: its name).
struct LabelTarget {
  std::string kind;    // "run" | "sweep"
  std::string target;  // run_id or sweep name
};

// A run (as resolve_run finds it) or a sweep (by name or id); "run:X" and "sweep:X" say which when X names both.
// Neither, or both without the prefix: UserError.
LabelTarget resolve_label_target(SQLite::Database& db, const std::string& name);

struct RunFilter {
  std::vector<std::string> sweeps;    // names or ids; a run passes if it is in any of them
  std::vector<std::string> runs;      // names or ids; a run passes if it is one of them
  std::vector<std::string> variants;  // run_axes.variant, exact or a glob ('softmax G1*'); any of them
  bool empty() const { return sweeps.empty() && runs.empty() && variants.empty(); }
};

// The resolved selection: the run ids that pass every given filter (an empty filter passes all runs), and the
// sweep ids named (for views with a sweep column, such as versus_baseline).
struct RunSelection {
  std::vector<std::string> run_ids;
  std::vector<std::string> sweep_ids;
  // "run_id IN (?, ?, ...)"-style SQL for `column`, with the ids appended to `params`.
  std::string sql_in(const std::string& column, std::vector<std::string>& params) const;
  std::string sweep_sql_in(const std::string& column, std::vector<std::string>& params) const;
};

// Resolves the filter. Unknown sweeps and runs, and a variant pattern that matches no run, are UserErrors; a
// filter that leaves no run at all is a UserError too (nothing to export or plot).
RunSelection select_runs(SQLite::Database& db, const RunFilter& filter);

}  // namespace gatelab::analysis
