// The results store: one SQLite file, schema from numbered migrations (results/migrations/NNN_*.sql, applied
// by PRAGMA user_version), views from results/views/*.sql (recreated on every open so they track the code).
// Torch-free. Every write is idempotent: keyed on natural primary keys with INSERT OR REPLACE / upserts, so a
// retried or resumed run, or a merged shard, never duplicates a row.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gatelab::results {

struct RunRecord {
  std::string run_id;
  std::string name;
  std::string config_json;
  int64_t seed = 0;
  std::string status;  // queued | running | finished | diverged | failed | interrupted
  std::string status_reason;
  std::string git_commit;
  std::string device;
  std::string versions_json;
  std::string data_json;
  int64_t n_params = 0;
};

struct MetricRow {
  int64_t step;
  std::string split;  // train | valid
  std::string key;
  double value;  // non-finite values are stored as NULL
};

struct GateStatRow {
  int64_t step, layer, head;  // head -1: all heads
  std::string quantity;
  double mean, sat_low, sat_high, q05, q50, q95, eps;
};

struct GateHistogramRow {
  int64_t step, layer;
  std::string quantity;
  int64_t bin;
  double lo, hi;
  int64_t count;
};

struct LayerStatRow {
  int64_t step, layer;
  std::string attn_kind;
  std::optional<double> first_token_share, max_activation, output_sparsity_1e2, output_sparsity_1e3;
};

struct BenchRow {
  std::string what, shape, dtype, device, git_commit, versions_json, target;
  std::optional<double> ms, ratio_to_ref, tokens_per_s, peak_mem_gib;
};

struct SweepRecord {
  std::string sweep_id, name, source_path, source_yaml;
};

// The migrations and views compiled into this binary (generated from results/migrations and results/views).
struct SqlFile {
  std::string name;  // file name, e.g. "001_initial.sql"
  std::string sql;
};
const std::vector<SqlFile>& embedded_migrations();
const std::vector<SqlFile>& embedded_views();

// Schema version this binary writes (the number of the last migration).
int schema_version();

class Store {
 public:
  // Opens (creating when allowed) and migrates. WAL mode and a busy timeout let several processes write at once.
  // read_only opens with SQLITE_OPEN_READONLY: no migration, and any write is refused by SQLite itself; the
  // views are created as TEMP views of this connection, so readers of a DB from an older gatelab see them too.
  explicit Store(const std::string& path, bool read_only = false);

  SQLite::Database& db() { return *db_; }
  const std::string& path() const { return path_; }

  // Runs. upsert_run inserts or refreshes the run's context (config, commit, device, versions) and status and
  // increments attempts; it keeps started_at of the first attempt and the progress counters.
  void upsert_run(const RunRecord& run);
  void set_status(const std::string& run_id, const std::string& status, const std::string& reason);
  void set_progress(const std::string& run_id, int64_t steps_done, int64_t tokens_done, double tokens_per_s);
  std::optional<std::string> run_status(const std::string& run_id);

  // Measurements, each batch in one transaction.
  void write_metrics(const std::string& run_id, const std::vector<MetricRow>& rows);
  void write_gate_stats(const std::string& run_id, const std::vector<GateStatRow>& rows);
  void write_gate_histograms(const std::string& run_id, const std::vector<GateHistogramRow>& rows);
  void write_layer_stats(const std::string& run_id, const std::vector<LayerStatRow>& rows);
  // Drops measurements after `step`: a run resumed from a checkpoint at `step` re-measures what came later.
  void truncate_after(const std::string& run_id, int64_t step);

  // Sweeps.
  void upsert_sweep(const SweepRecord& sweep);
  void link_sweep_run(const std::string& sweep_id, const std::string& run_id, const std::string& run_name,
                      bool is_baseline);

  void write_bench(const BenchRow& row);

  // Runs `body` in an IMMEDIATE transaction, retrying on SQLITE_BUSY with backoff (a second writer holding
  // the lock longer than the busy timeout).
  void transaction(const std::function<void()>& body);

 private:
  void migrate();
  void create_views();
  void create_temp_views();
  void check_views();
  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace gatelab::results
