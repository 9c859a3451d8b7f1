// The tidy data sets `gatelab export` writes (and the report and plots read): each is one SQL query over the
// results views with a run_id column, so the same --sweep / --run / --variant filters apply to all. Listed in
// one table (datasets.cpp), the only place a data set is named.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <vector>

#include "analysis/selection.h"
#include "analysis/table.h"

namespace gatelab::analysis {

struct Dataset {
  std::string name;
  std::string summary;          // one line for --help and the README
  std::string sql;              // SELECT ... with a run_id column (and sweep_id when sweep_scoped)
  std::string order_by;         // ORDER BY clause over the select's columns
  bool sweep_scoped = false;    // rows belong to a sweep (versus_baseline): --sweep filters sweep_id too
  bool has_metric_key = false;  // rows carry a metrics key column named `key`: --key and --split apply
};

const std::vector<Dataset>& datasets();
const Dataset& dataset(const std::string& name);  // UserError listing the names when unknown

struct DatasetQuery {
  RunSelection runs;
  std::vector<std::string> keys;  // metric keys; empty: all. Unknown keys are a UserError listing the known ones
  std::string split;              // train | valid | "" for both
};

Table read_dataset(SQLite::Database& db, const Dataset& dataset, const DatasetQuery& query);

// The metric keys recorded in the DB (for messages and validation).
std::vector<std::string> metric_keys(SQLite::Database& db);
// Throws UserError ("unknown metric 'x'; valid: ...") unless `key` was recorded for some run.
void check_metric_key(SQLite::Database& db, const std::string& key);

}  // namespace gatelab::analysis
