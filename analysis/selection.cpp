#include "analysis/selection.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "analysis/table.h"
#include "harness/util/errors.h"

namespace gatelab::analysis {

std::unique_ptr<results::Store> open_results(const std::string& path) {
  if (!std::filesystem::exists(path))
    throw UserError(fmt::format("no results database at '{}' (choose one with --db FILE)", path));
  auto store = std::make_unique<results::Store>(path, /*read_only=*/true);
  if (store->db().execAndGet("PRAGMA user_version").getInt() == 0)
    throw UserError(
        fmt::format("'{}' is not a gatelab results database (it has no schema); 'gatelab run' and "
                    "'gatelab sweep' write one",
                    path));
  return store;
}

namespace {

[[maybe_unused]] std::string list_or_none(const std::vector<std::string>& names) {
  return names.empty() ? "(none in this database)" : fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

SweepInfo resolve_sweep(SQLite::Database& db, const std::string& name_or_id) {
  Table t = select(db, R"sql(
    SELECT sweep_id, name, coalesce(source_path, ''), coalesce(source_yaml, ''), created_at FROM sweep_summary
    WHERE sweep_id = ?1 OR name = ?1
       OR (length(?1) >= 6 AND ?1 NOT GLOB '*[^0-9a-f]*' AND substr(sweep_id, 1, length(?1)) = ?1)
    ORDER BY sweep_id = ?1 DESC, created_at DESC)sql",
                   {name_or_id});
  if (t.empty()) {
    auto names = select_strings(db, "SELECT DISTINCT name FROM sweep_summary ORDER BY name");
    if (names.empty())
      throw UserError(
          fmt::format("unknown sweep '{}': this database holds no sweeps (runs of 'gatelab sweep' "
                      "record one)",
                      name_or_id));
    throw UserError(unknown_name_message("sweep", name_or_id, names));
  }
  const auto& r = t.rows.front();
  return SweepInfo{r[0].str(), r[1].str(), r[2].str(), r[3].str(), r[4].str()};
}

std::string resolve_run(SQLite::Database& db, const std::string& name_or_id) {
  auto ids = select_strings(db, R"sql(
    SELECT run_id FROM run_configs WHERE run_id = ?1
    UNION SELECT run_id FROM run_configs WHERE name = ?1
    UNION SELECT run_id FROM sweep_members WHERE run_name = ?1
    UNION SELECT run_id FROM run_configs
          WHERE length(?1) >= 6 AND ?1 NOT GLOB '*[^0-9a-f]*' AND substr(run_id, 1, length(?1)) = ?1)sql",
                            {name_or_id});
  if (std::find(ids.begin(), ids.end(), name_or_id) != ids.end()) return name_or_id;  // an exact id wins
  if (ids.size() == 1) return ids.front();
  if (ids.size() > 1)
    throw UserError(
        fmt::format("run '{}' is ambiguous: it names runs {}; give a run id", name_or_id, fmt::join(ids, ", ")));
  auto names = select_strings(db, "SELECT name FROM run_configs UNION SELECT run_name FROM sweep_members ORDER BY 1");
  std::string near = nearest_name(name_or_id, names);
  throw UserError(
      fmt::format("unknown run '{}'{}; give a run id, id prefix or run name (gatelab query "
                  "\"SELECT run_id, name FROM run_summary\" lists them)",
                  name_or_id, near.empty() ? "" : fmt::format("; did you mean '{}'?", near)));
}

LabelTarget resolve_label_target(SQLite::Database& db, const std::string& name) {
  if (name.rfind("run:", 0) == 0) return {"run", resolve_run(db, name.substr(4))};
  if (name.rfind("sweep:", 0) == 0) return {"sweep", resolve_sweep(db, name.substr(6)).name};
  std::optional<std::string> run, sweep;
  std::string run_error;
  try {
    run = resolve_run(db, name);
  } catch (const UserError& e) {
    run_error = e.what();
  }
  try {
    sweep = resolve_sweep(db, name).name;
  } catch (const UserError&) {
  }
  if (run && sweep)
    throw UserError(
        fmt::format("'{}' names both a run ({}) and a sweep; write run:{} or sweep:{}", name, *run, name, name));
  if (run) return {"run", *run};
  if (sweep) return {"sweep", *sweep};
  throw UserError(fmt::format("'{}' is neither a run nor a sweep name in this database ({})", name, run_error));
}

std::string RunSelection::sql_in(const std::string& column, std::vector<std::string>& params) const {
  if (run_ids.empty()) return "0";
  std::string sql = column + " IN (";
  for (size_t i = 0; i < run_ids.size(); ++i) {
    params.push_back(run_ids[i]);
    sql += fmt::format("{}?{}", i ? ", " : "", params.size());
  }
  return sql + ")";
}

std::string RunSelection::sweep_sql_in(const std::string& column, std::vector<std::string>& params) const {
  if (sweep_ids.empty()) return "1";
  std::string sql = column + " IN (";
  for (size_t i = 0; i < sweep_ids.size(); ++i) {
    params.push_back(sweep_ids[i]);
    sql += fmt::format("{}?{}", i ? ", " : "", params.size());
  }
  return sql + ")";
}

RunSelection select_runs(SQLite::Database& db, const RunFilter& filter) {
  RunSelection selection;
  std::set<std::string> pass;
  bool first = true;
  auto intersect = [&](const std::set<std::string>& ids) {
    if (first) pass = ids;
    else {
      std::set<std::string> both;
      for (const auto& id : ids)
        if (pass.count(id)) both.insert(id);
      pass = std::move(both);
    }
    first = false;
  };
  if (!filter.sweeps.empty()) {
    std::set<std::string> ids;
    for (const auto& s : filter.sweeps) {
      SweepInfo sweep = resolve_sweep(db, s);
      selection.sweep_ids.push_back(sweep.sweep_id);
      for (auto& id : select_strings(db, "SELECT run_id FROM sweep_members WHERE sweep_id = ?", {sweep.sweep_id}))
        ids.insert(id);
    }
    intersect(ids);
  }
  if (!filter.runs.empty()) {
    std::set<std::string> ids;
    for (const auto& r : filter.runs) ids.insert(resolve_run(db, r));
    intersect(ids);
  }
  if (!filter.variants.empty()) {
    std::set<std::string> ids;
    for (const auto& v : filter.variants) {
      auto matched = select_strings(db, "SELECT run_id FROM run_axes WHERE variant = ?1 OR variant GLOB ?1", {v});
      if (matched.empty()) {
        auto variants = select_strings(db, "SELECT DISTINCT variant FROM run_axes ORDER BY 1");
        throw UserError(
            fmt::format("no run has variant '{}' (exact, or a glob such as 'softmax G1*'); variants in "
                        "this database: {}",
                        v, list_or_none(variants)));
      }
      ids.insert(matched.begin(), matched.end());
    }
    intersect(ids);
  }
  if (first) {
    for (auto& id : select_strings(db, "SELECT run_id FROM run_configs ORDER BY run_id")) pass.insert(id);
    if (pass.empty()) throw UserError("the results database holds no runs yet");
  } else if (pass.empty()) {
    throw UserError("no run passes all the filters given (--sweep, --run, --variant select runs in all of them)");
  }
  selection.run_ids.assign(pass.begin(), pass.end());
  return selection;
}

}  // namespace gatelab::analysis
