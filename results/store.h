// The results store: one SQLite file, schema from numbered migrations (results/migrations/NNN_*.sql, applied
// by PRAGMA user_version), views from results/views/*.sql (recreated on every open so they track the code).
// Torch-free. Every write is idempotent: keyed on natural primary keys with INSERT OR REPLACE / upserts, so a
// retried or resumed run, or a merged shard, never duplicates a row.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "results/run_status.h"

namespace gatelab::results {

struct RunRecord {
  std::string run_id;
  std::string name;
  std::string config_json;
  int64_t seed = 0;
  RunStatus status = RunStatus::Queued;
  std::string status_reason;
  std::string git_commit;
  std::string device;
  std::string versions_json;
  std::string data_json;
  int64_t n_params = 0;
  int64_t restart_count = 0;  // the cluster's restart count of the task that started this attempt (0 off a cluster)
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

// A run of a sweep as the sweep registers it, before it has run.
struct SweepMember {
  std::string run_id;
  std::string name;         // the run's name within the sweep; also runs.name when the run is new
  std::string config_json;  // canonical resolved config
  int64_t seed = 0;
  bool is_baseline = false;
};

// A run's row as a scheduler reads it.
struct RunProgress {
  RunStatus status = RunStatus::Queued;
  std::string reason;  // status_reason, "" when none
  int64_t steps_done = 0, attempts = 0;
  std::optional<double> train_loss;  // the last recorded training loss (NULL: none yet, or not finite)
  std::optional<double> tokens_per_s;
  // The latest evaluation: its step (0: none yet) and one metric of it, accuracy where the task has it, else bpb,
  // else loss (NULL: not finite).
  int64_t valid_step = 0;
  std::string valid_key;
  std::optional<double> valid_value;
};

// One attempt of a run: where and how a process ran it (the attempts table).
struct AttemptRecord {
  int64_t attempt = 0;     // 1-based; filled in by Store::record_attempt
  int64_t start_step = 0;  // 0, or the checkpoint's step when resuming
  std::string device;      // cpu | cuda:N
  int64_t threads = 0;     // torch intra-op threads
  std::string git_commit;
};

// A finished run's measured training throughput, for cost estimates (`gatelab sweep plan`).
struct MeasuredThroughput {
  std::string run_id, config_json, device;
  double tokens_per_s = 0;
};

// What folding one shard into a DB did: rows new to the DB per table (rows it already held are rewritten with the
// shard's values, which a deterministic run makes equal), and the shard's runs.
struct MergeCounts {
  int64_t runs = 0;                           // runs in the shard
  std::map<std::string, int64_t> rows_added;  // table -> rows new to the DB
  int64_t total_added() const;
};

// Re-keying (`gatelab rekey`): the ids this version's identity rules give the runs and sweeps of a DB written by an
// older gatelab. A run moves to new_id with config_json (its config resolved again, canonical); a sweep to
// new_sweep_id. Ids that do not change are left out.
struct RunRekey {
  std::string old_id, new_id, config_json;
};
struct SweepRekey {
  std::string old_id, new_id;
};
struct RekeyPlan {
  std::vector<RunRekey> runs;
  std::vector<SweepRekey> sweeps;
};

// A run as stored: its id and config (re-keying reads them).
struct StoredRun {
  std::string run_id, config_json;
};

// A sweep as stored: its id, name and member runs (re-keying reads them).
struct StoredSweep {
  std::string sweep_id, name;
  std::vector<std::string> run_ids;
};

// One case's final validation metric collapsed over its seeds (the seed_summary view).
struct SeedSummaryRow {
  std::string case_id, case_name, key;
  int64_t n_seeds = 0, n_runs = 0;
  std::optional<double> mean, std, ci95_low, ci95_high;  // NULL: no finite value, or (std, interval) one seed
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

  // Checks, before any work, that `path` can hold a results DB that this process writes: a UserError when it is
  // empty, a directory, in a folder that does not exist or cannot be written, or an existing file that cannot.
  static void check_writable_path(const std::string& path);

  SQLite::Database& db() { return *db_; }
  const std::string& path() const { return path_; }

  // Runs. claim_run marks a run 'running' and counts the attempt, inserting it when new: a process calls it as
  // soon as it knows its run, so one killed during setup has still tried. upsert_run inserts or refreshes the
  // run's context (config, commit, device, versions) and status; it keeps attempts (1 for a run it inserts),
  // started_at of the first attempt and the progress counters.
  void claim_run(const std::string& run_id, const std::string& name, const std::string& config_json, int64_t seed);
  void upsert_run(const RunRecord& run);
  void set_status(const std::string& run_id, RunStatus status, const std::string& reason);
  void set_progress(const std::string& run_id, int64_t steps_done, int64_t tokens_done, double tokens_per_s);
  std::optional<RunStatus> run_status(const std::string& run_id);
  // The progress of each run that has a row (runs without one are absent). Works on read-only opens too; on a
  // file no gatelab has written yet (no runs table) it throws SQLite::Exception, which callers read as "nothing
  // ran".
  std::map<std::string, RunProgress> run_progress(const std::vector<std::string>& run_ids);
  // Records this process's attempt of a claimed run as attempt number runs.attempts (so writing it twice changes
  // nothing), and returns the attempt recorded before it, if any.
  std::optional<AttemptRecord> record_attempt(const std::string& run_id, const AttemptRecord& attempt);
  // Every attempt of a run, in order.
  std::vector<AttemptRecord> attempts_of(const std::string& run_id);
  // Finished runs with a measured throughput (empty on a file without the runs table).
  std::vector<MeasuredThroughput> measured_throughputs();

  // Measurements, each batch in one transaction.
  void write_metrics(const std::string& run_id, const std::vector<MetricRow>& rows);
  void write_gate_stats(const std::string& run_id, const std::vector<GateStatRow>& rows);
  void write_gate_histograms(const std::string& run_id, const std::vector<GateHistogramRow>& rows);
  void write_layer_stats(const std::string& run_id, const std::vector<LayerStatRow>& rows);
  // Drops measurements after `step`: a run resumed from a checkpoint at `step` re-measures what came later.
  void truncate_after(const std::string& run_id, int64_t step);
  // Every metric of `split` at the last step that split was measured, ordered by key; a value stored as NULL
  // (not finite) comes back as NaN. Empty when the run has no such metrics.
  std::vector<MetricRow> last_evaluation(const std::string& run_id, const std::string& split);
  // The highest (`highest`) or lowest value of one metric over all steps, ignoring NULLs; nullopt when none.
  std::optional<double> best_metric(const std::string& run_id, const std::string& split, const std::string& key,
                                    bool highest);

  // Sweeps.
  // seed_summary's valid-split rows for `keys`, for the cases (configs without the seed) of `run_ids`, in case
  // order; the statistics span every seed of a case in the DB.
  std::vector<SeedSummaryRow> seed_summaries(const std::vector<std::string>& run_ids,
                                             const std::vector<std::string>& keys);

  void upsert_sweep(const SweepRecord& sweep);
  void link_sweep_run(const std::string& sweep_id, const std::string& run_id, const std::string& run_name,
                      bool is_baseline);
  // In one transaction (a 1,000-run grid registers in one lock acquisition): inserts each member not yet known as
  // a 'queued' run with 0 attempts, and links every member to the sweep. A known run (finished by another sweep,
  // say) keeps its row untouched, since its identity is its config; links are replaced, so registering twice
  // changes nothing.
  void add_sweep_members(const std::string& sweep_id, const std::vector<SweepMember>& members);

  void write_bench(const BenchRow& row);

  // Shards: a cluster task writes its runs to its own DB (one SQLite file per writer, never one shared over a
  // network filesystem); merge_shard folds one into this DB in one transaction. Idempotent: every row is keyed,
  // so merging a shard again adds nothing. A shard a killed task left half-written holds what it committed (its
  // last committed step), and merges that. A shard of an older schema is migrated first; one of a newer schema is
  // refused (UserError naming it). A run's row takes the shard's state, except that a run this DB holds as done
  // or cancelled keeps that state unless the shard's is done (an older shard cannot undo a result or a cancel).
  MergeCounts merge_shard(const std::string& shard_path);

  // Re-keying. stored_runs and stored_sweeps read ids, configs and members; rekey applies a plan in one
  // transaction. A run that moves onto an id already held (the run recorded again by a newer gatelab, or two old
  // configs that now differ only out of scope) is merged into it: rows both hold are kept once (a run is a pure
  // function of its identity, so they are equal), the other's attempts are numbered on, and the run keeps the
  // further state (done over not done, then more steps). Likewise a sweep onto a held sweep id. Applying a plan
  // again changes nothing.
  std::vector<StoredRun> stored_runs();
  std::vector<StoredSweep> stored_sweeps();
  void rekey(const RekeyPlan& plan);

  // The researcher's labels (`gatelab tag`, `gatelab note`). `kind` is "run" (target: a run_id) or "sweep"
  // (target: a sweep name). A tag with an empty value is removed; an empty note is removed.
  void set_tag(const std::string& kind, const std::string& target, const std::string& key, const std::string& value);
  void set_note(const std::string& kind, const std::string& target, const std::string& text);

  // Read-only opens: from now on this connection sees only the runs of the sweeps named `sweep_name` (or with that
  // sweep_id): TEMP views shadow every table keyed by run_id or sweep_id, so the views and any query read the
  // scoped rows (`gatelab query --sweep NAME`).
  void scope_to_sweep(const std::string& sweep_name);

  // Runs `body` in an IMMEDIATE transaction, retrying on SQLITE_BUSY with backoff (a second writer holding
  // the lock longer than the busy timeout).
  void transaction(const std::function<void()>& body);

 private:
  void migrate();
  // Writes the metric registry into metric_definitions ("" the DB's table, "temp." a TEMP copy for old DBs).
  void mirror_metric_definitions(const std::string& schema);
  void create_views();
  void create_temp_views();
  // The tables of one embedded migration as empty TEMP tables (a read-only open of a DB from before it).
  void create_temp_tables(const std::string& migration);
  void check_views();
  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace gatelab::results
