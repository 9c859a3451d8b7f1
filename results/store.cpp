#include "results/store.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include "harness/util/build_info.h"
#include "harness/util/errors.h"
#include "harness/util/hashing.h"
#include "results/metric_registry.h"

namespace gatelab::results {

namespace {

// Lock waits: SQLite's own busy handler waits this long before giving up with SQLITE_BUSY; transaction() then
// retries the whole body, so 8 concurrent writers all get through.
constexpr int kBusyTimeoutMs = 10000;
constexpr int kTransactionAttempts = 20;

void bind_optional(SQLite::Statement& st, int index, const std::optional<double>& v) {
  if (v && std::isfinite(*v)) st.bind(index, *v);
  else st.bind(index);
}

void bind_finite(SQLite::Statement& st, int index, double v) {
  if (std::isfinite(v)) st.bind(index, v);
  else st.bind(index);
}

std::optional<double> double_or_null(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getDouble();
}

// Links a run to a sweep; keyed on (sweep_id, run_id), so linking again only refreshes the name and the flag.
constexpr const char* kLinkSweepRunSql = R"sql(INSERT OR REPLACE INTO sweep_runs (sweep_id, run_id, run_name,
  is_baseline) VALUES (?,?,?,?))sql";

void bind_link(SQLite::Statement& st, const std::string& sweep_id, const std::string& run_id,
               const std::string& run_name, bool is_baseline) {
  st.bind(1, sweep_id);
  st.bind(2, run_id);
  st.bind(3, run_name);
  st.bind(4, is_baseline ? 1 : 0);
}

bool is_busy(const SQLite::Exception& e) {
  return e.getErrorCode() == SQLITE_BUSY || e.getErrorCode() == SQLITE_LOCKED;
}

}  // namespace

int schema_version() { return static_cast<int>(embedded_migrations().size()); }

Store::Store(const std::string& path, bool read_only) : path_(path) {
  try {
    int flags = read_only ? SQLite::OPEN_READONLY : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db_ = std::make_unique<SQLite::Database>(path, flags, kBusyTimeoutMs);
  } catch (const SQLite::Exception& e) {
    throw UserError(fmt::format("cannot open results database '{}': {}", path, e.what()));
  }
  if (read_only) {
    int version = 0;
    try {
      version = db_->execAndGet("PRAGMA user_version").getInt();
    } catch (const SQLite::Exception& e) {
      throw UserError(fmt::format("cannot read results database '{}': {}", path, e.what()));
    }
    if (version > schema_version())
      throw UserError(fmt::format("database '{}' has schema version {}, newer than this gatelab's {}; upgrade gatelab",
                                  path, version, schema_version()));
    // Version 0: an empty file, or a DB no gatelab has written yet; there is nothing for the views to read, and
    // readers decide whether that is an error (analysis says so, sweep planning treats it as "nothing ran").
    if (version > 0) {
      if (version < 3) mirror_metric_definitions("temp.");        // a DB from before metric_definitions: a TEMP copy
      if (version < 6) create_temp_tables("006_tags_notes.sql");  // no labels yet: empty TEMP tables for the views
      create_temp_views();
    }
    return;
  }
  try {
    db_->exec("PRAGMA journal_mode=WAL");
    db_->exec("PRAGMA synchronous=NORMAL");
    db_->exec("PRAGMA foreign_keys=ON");
  } catch (const SQLite::Exception& e) {  // the first write of a new DB: a full disk shows here
    throw Error(fmt::format("results database '{}': {}", path, e.what()));
  }
  migrate();
  transaction([&] { mirror_metric_definitions(""); });
  create_views();
}

void Store::mirror_metric_definitions(const std::string& schema) {
  if (schema == "temp.")
    db_->exec(
        "CREATE TEMP TABLE IF NOT EXISTS metric_definitions (key TEXT PRIMARY KEY, better TEXT NOT NULL, "
        "unit TEXT NOT NULL, label TEXT NOT NULL, meaning TEXT NOT NULL)");
  SQLite::Statement st(*db_, "INSERT OR REPLACE INTO " + schema +
                                 "metric_definitions (key, better, unit, label, meaning) VALUES (?, ?, ?, ?, ?)");
  for (const auto& e : metric_registry().entries()) {
    st.bind(1, e.name);
    st.bind(2, better_name(e.make.better));
    st.bind(3, e.make.unit);
    st.bind(4, e.make.label);
    st.bind(5, e.summary);
    st.exec();
    st.reset();
  }
}

void Store::check_writable_path(const std::string& path) {
  if (path.empty()) throw UserError("--db needs a file path for the results database (it was empty)");
  const std::filesystem::path file(path);
  std::error_code error;
  if (std::filesystem::is_directory(file, error))
    throw UserError(fmt::format("results database '{}' is a directory; give a file path", path));
  const std::filesystem::path folder = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(folder, error))
    throw UserError(fmt::format("results database '{}': folder '{}' does not exist", path, folder.string()));
  const bool exists = std::filesystem::exists(file, error);
  if (access((exists ? file : folder).c_str(), W_OK) != 0)
    throw UserError(fmt::format("results database '{}' cannot be written: {}", path,
                                exists ? "the file is read-only" : "the folder is read-only"));
}

void Store::transaction(const std::function<void()>& body) {
  for (int attempt = 1;; ++attempt) {
    try {
      db_->exec("BEGIN IMMEDIATE");
      try {
        body();
        db_->exec("COMMIT");
        return;
      } catch (...) {
        try {
          db_->exec("ROLLBACK");
        } catch (...) {
        }
        throw;
      }
    } catch (const SQLite::Exception& e) {
      if (!is_busy(e) || attempt >= kTransactionAttempts)
        throw Error(fmt::format("results database '{}': {}", path_, e.what()));
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
    }
  }
}

void Store::migrate() {
  const auto& migrations = embedded_migrations();
  transaction([&] {
    int version = db_->execAndGet("PRAGMA user_version").getInt();
    if (version > static_cast<int>(migrations.size()))
      throw UserError(fmt::format("database '{}' has schema version {}, newer than this gatelab's {}; upgrade gatelab",
                                  path_, version, migrations.size()));
    for (size_t i = static_cast<size_t>(version); i < migrations.size(); ++i) {
      db_->exec(migrations[i].sql);
      db_->exec(fmt::format("PRAGMA user_version = {}", i + 1));
    }
  });
}

static std::string view_name(const SqlFile& view) {
  return view.name.substr(0, view.name.size() - 4);  // "run_summary.sql" defines view run_summary
}

void Store::create_views() {
  // Views are not data: drop and recreate them so they always match this binary's definitions. A view file
  // holds one "CREATE VIEW <file stem> AS ..."; dropping here keeps the files free of DROP boilerplate.
  transaction([&] {
    for (const auto& view : embedded_views())
      db_->exec(fmt::format("DROP VIEW IF EXISTS main.\"{}\"", view_name(view)));
    for (const auto& view : embedded_views()) db_->exec(view.sql);
  });
  check_views();
}

void Store::create_temp_tables(const std::string& migration) {
  for (const auto& file : embedded_migrations()) {
    if (file.name != migration) continue;
    std::string sql = file.sql;
    for (size_t at = sql.find("CREATE TABLE "); at != std::string::npos; at = sql.find("CREATE TABLE ", at))
      sql.replace(at, 13, "CREATE TEMP TABLE ");
    db_->exec(sql);
    return;
  }
  throw Error("no embedded migration " + migration);
}

void Store::scope_to_sweep(const std::string& sweep_name) {
  std::string quoted = "'";  // an SQL string literal: views take no parameters
  for (char c : sweep_name) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  quoted += "'";
  const std::string sweeps =
      "(SELECT sweep_id FROM main.sweeps WHERE name = " + quoted + " OR sweep_id = " + quoted + ")";
  SQLite::Statement tables(*db_, R"sql(
    SELECT m.name, max(c.name = 'run_id'), max(c.name = 'sweep_id')
    FROM main.sqlite_master m JOIN pragma_table_info(m.name) c
    WHERE m.type = 'table' GROUP BY m.name ORDER BY m.name)sql");
  std::vector<std::string> shadows;
  while (tables.executeStep()) {
    const std::string table = tables.getColumn(0).getString();
    if (tables.getColumn(2).getInt())
      shadows.push_back(
          fmt::format("CREATE TEMP VIEW \"{0}\" AS SELECT * FROM main.\"{0}\" WHERE sweep_id IN {1}", table, sweeps));
    else if (tables.getColumn(1).getInt())
      shadows.push_back(
          fmt::format("CREATE TEMP VIEW \"{0}\" AS SELECT * FROM main.\"{0}\" WHERE run_id IN "
                      "(SELECT run_id FROM main.sweep_runs WHERE sweep_id IN {1})",
                      table, sweeps));
  }
  tables.reset();
  for (const auto& sql : shadows) db_->exec(sql);
}

void Store::set_tag(const std::string& kind, const std::string& target, const std::string& key,
                    const std::string& value) {
  transaction([&] {
    SQLite::Statement st(*db_, value.empty() ? "DELETE FROM tags WHERE target_kind = ?1 AND target = ?2 AND key = ?3"
                                             : "INSERT OR REPLACE INTO tags (target_kind, target, key, value, "
                                               "updated_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    st.bind(1, kind);
    st.bind(2, target);
    st.bind(3, key);
    if (!value.empty()) {
      st.bind(4, value);
      st.bind(5, utc_now());
    }
    st.exec();
  });
}

void Store::set_note(const std::string& kind, const std::string& target, const std::string& text) {
  transaction([&] {
    SQLite::Statement st(*db_, text.empty() ? "DELETE FROM notes WHERE target_kind = ?1 AND target = ?2"
                                            : "INSERT OR REPLACE INTO notes (target_kind, target, text, updated_at) "
                                              "VALUES (?1, ?2, ?3, ?4)");
    st.bind(1, kind);
    st.bind(2, target);
    if (!text.empty()) {
      st.bind(3, text);
      st.bind(4, utc_now());
    }
    st.exec();
  });
}

void Store::create_temp_views() {
  // A read-only connection cannot touch the file, and the file's views may come from an older gatelab (or be
  // missing when an older gatelab wrote it). TEMP views live in the connection only and shadow main's, so
  // readers always see this binary's definitions without writing anything.
  const std::string create_view = "CREATE VIEW ";
  for (const auto& view : embedded_views()) {
    std::string sql = view.sql;
    // The statement starts a line; comments above it may mention the words.
    auto at = sql.rfind(create_view, 0) == 0 ? 0 : sql.find("\n" + create_view);
    if (at != std::string::npos && sql[at] == '\n') ++at;
    if (at == std::string::npos)
      throw Error(
          fmt::format("view file {} holds no 'CREATE VIEW': every results/views/*.sql defines one view", view.name));
    sql.replace(at, create_view.size(), "CREATE TEMP VIEW ");
    db_->exec(sql);
  }
  check_views();
}

void Store::check_views() {
  // SQLite checks a view's body only when the view is used: prepare each now, so a view that does not fit the
  // schema fails at open with its name, not later inside some query.
  for (const auto& view : embedded_views()) {
    try {
      SQLite::Statement st(*db_, fmt::format("SELECT * FROM \"{}\" LIMIT 0", view_name(view)));
    } catch (const SQLite::Exception& e) {
      throw Error(fmt::format("results database '{}': view {} ({}) does not fit the schema: {}", path_, view_name(view),
                              view.name, e.what()));
    }
  }
}

void Store::claim_run(const std::string& run_id, const std::string& name, const std::string& config_json,
                      int64_t seed) {
  transaction([&] {
    SQLite::Statement st(*db_, R"sql(
      INSERT INTO runs (run_id, name, config_json, config_hash, seed, status, status_reason, attempts, started_at)
      VALUES (?1, ?2, ?3, ?1, ?4, ?5, '', 1, ?6)
      ON CONFLICT(run_id) DO UPDATE SET
        name = excluded.name, status = excluded.status, status_reason = '', attempts = runs.attempts + 1,
        started_at = COALESCE(runs.started_at, excluded.started_at)
    )sql");
    st.bind(1, run_id);
    st.bind(2, name);
    st.bind(3, config_json);
    st.bind(4, seed);
    st.bind(5, to_string(RunStatus::Running));
    st.bind(6, utc_now());
    st.exec();
  });
}

void Store::upsert_run(const RunRecord& run) {
  transaction([&] {
    SQLite::Statement st(*db_, R"sql(
      INSERT INTO runs (run_id, name, config_json, config_hash, seed, status, status_reason, attempts, git_commit,
                        device, versions_json, data_json, started_at, n_params, restart_count)
      VALUES (?1, ?2, ?3, ?1, ?4, ?5, ?6, 1, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
      ON CONFLICT(run_id) DO UPDATE SET
        name = excluded.name, status = excluded.status, status_reason = excluded.status_reason,
        git_commit = excluded.git_commit, device = excluded.device,
        versions_json = excluded.versions_json, data_json = excluded.data_json, n_params = excluded.n_params,
        restart_count = excluded.restart_count, started_at = COALESCE(runs.started_at, excluded.started_at)
    )sql");
    st.bind(1, run.run_id);
    st.bind(2, run.name);
    st.bind(3, run.config_json);
    st.bind(4, run.seed);
    st.bind(5, to_string(run.status));
    st.bind(6, run.status_reason);
    st.bind(7, run.git_commit);
    st.bind(8, run.device);
    st.bind(9, run.versions_json);
    st.bind(10, run.data_json);
    st.bind(11, utc_now());
    st.bind(12, run.n_params);
    st.bind(13, run.restart_count);
    st.exec();
  });
}

void Store::set_status(const std::string& run_id, RunStatus status, const std::string& reason) {
  transaction([&] {
    SQLite::Statement st(*db_, "UPDATE runs SET status = ?, status_reason = ?, ended_at = ? WHERE run_id = ?");
    st.bind(1, to_string(status));
    st.bind(2, reason);
    st.bind(3, utc_now());
    st.bind(4, run_id);
    st.exec();
  });
}

void Store::set_progress(const std::string& run_id, int64_t steps_done, int64_t tokens_done, double tokens_per_s) {
  transaction([&] {
    SQLite::Statement st(*db_, "UPDATE runs SET steps_done = ?, tokens_done = ?, tokens_per_s = ? WHERE run_id = ?");
    st.bind(1, steps_done);
    st.bind(2, tokens_done);
    bind_finite(st, 3, tokens_per_s);
    st.bind(4, run_id);
    st.exec();
  });
}

std::optional<RunStatus> Store::run_status(const std::string& run_id) {
  SQLite::Statement st(*db_, "SELECT status FROM runs WHERE run_id = ?");
  st.bind(1, run_id);
  if (st.executeStep()) return parse_run_status(st.getColumn(0).getString());
  return std::nullopt;
}

std::map<std::string, RunProgress> Store::run_progress(const std::vector<std::string>& run_ids) {
  std::map<std::string, RunProgress> out;
  SQLite::Statement run(*db_,
                        "SELECT status, COALESCE(status_reason, ''), steps_done, attempts, tokens_per_s "
                        "FROM runs WHERE run_id = ?");
  SQLite::Statement loss(*db_,
                         "SELECT value FROM metrics WHERE run_id = ? AND split = 'train' AND key = 'loss' "
                         "ORDER BY step DESC LIMIT 1");
  SQLite::Statement valid(*db_,
                          "SELECT step, key, value FROM metrics WHERE run_id = ? AND split = 'valid' "
                          "AND key IN ('accuracy', 'bpb', 'loss') "
                          "ORDER BY step DESC, CASE key WHEN 'accuracy' THEN 0 WHEN 'bpb' THEN 1 ELSE 2 END LIMIT 1");
  for (const auto& id : run_ids) {
    run.bind(1, id);
    if (run.executeStep()) {
      RunProgress p;
      p.status = parse_run_status(run.getColumn(0).getString());
      p.reason = run.getColumn(1).getString();
      p.steps_done = run.getColumn(2).getInt64();
      p.attempts = run.getColumn(3).getInt64();
      p.tokens_per_s = double_or_null(run.getColumn(4));
      loss.bind(1, id);
      if (loss.executeStep()) p.train_loss = double_or_null(loss.getColumn(0));
      loss.reset();
      valid.bind(1, id);
      if (valid.executeStep()) {
        p.valid_step = valid.getColumn(0).getInt64();
        p.valid_key = valid.getColumn(1).getString();
        p.valid_value = double_or_null(valid.getColumn(2));
      }
      valid.reset();
      out[id] = p;
    }
    run.reset();
  }
  return out;
}

std::optional<AttemptRecord> Store::record_attempt(const std::string& run_id, const AttemptRecord& attempt) {
  std::optional<AttemptRecord> previous;
  transaction([&] {
    SQLite::Statement insert(*db_, R"sql(
      INSERT OR REPLACE INTO attempts (run_id, attempt, started_at, start_step, device, threads, git_commit)
      SELECT run_id, attempts, ?2, ?3, ?4, ?5, ?6 FROM runs WHERE run_id = ?1
    )sql");
    insert.bind(1, run_id);
    insert.bind(2, utc_now());
    insert.bind(3, attempt.start_step);
    insert.bind(4, attempt.device);
    insert.bind(5, attempt.threads);
    insert.bind(6, attempt.git_commit);
    insert.exec();
    SQLite::Statement before(*db_, R"sql(
      SELECT attempt, start_step, device, threads, COALESCE(git_commit, '') FROM attempts
      WHERE run_id = ?1 AND attempt < (SELECT attempts FROM runs WHERE run_id = ?1) ORDER BY attempt DESC LIMIT 1
    )sql");
    before.bind(1, run_id);
    if (before.executeStep())
      previous =
          AttemptRecord{before.getColumn(0).getInt64(), before.getColumn(1).getInt64(), before.getColumn(2).getString(),
                        before.getColumn(3).getInt64(), before.getColumn(4).getString()};
  });
  return previous;
}

std::vector<AttemptRecord> Store::attempts_of(const std::string& run_id) {
  SQLite::Statement st(*db_,
                       "SELECT attempt, start_step, device, threads, COALESCE(git_commit, '') FROM attempts "
                       "WHERE run_id = ? ORDER BY attempt");
  st.bind(1, run_id);
  std::vector<AttemptRecord> out;
  while (st.executeStep())
    out.push_back({st.getColumn(0).getInt64(), st.getColumn(1).getInt64(), st.getColumn(2).getString(),
                   st.getColumn(3).getInt64(), st.getColumn(4).getString()});
  return out;
}

std::vector<MeasuredThroughput> Store::measured_throughputs() {
  std::vector<MeasuredThroughput> out;
  try {
    SQLite::Statement st(*db_,
                         "SELECT run_id, config_json, COALESCE(device, ''), tokens_per_s FROM runs "
                         "WHERE status = ? AND tokens_per_s > 0");
    st.bind(1, to_string(RunStatus::Finished));
    while (st.executeStep())
      out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(), st.getColumn(2).getString(),
                     st.getColumn(3).getDouble()});
  } catch (const SQLite::Exception&) {
    // a file no gatelab has written yet: nothing measured
  }
  return out;
}

void Store::write_metrics(const std::string& run_id, const std::vector<MetricRow>& rows) {
  if (rows.empty()) return;
  for (const auto& r : rows)  // every recorded metric says what it means (results/metrics_builtin.cpp)
    if (!metric_registry().contains(r.key))
      throw Error(fmt::format("metric '{}' is not registered in results/metrics_builtin.cpp", r.key));
  transaction([&] {
    SQLite::Statement st(*db_, "INSERT OR REPLACE INTO metrics (run_id, step, split, key, value) VALUES (?,?,?,?,?)");
    for (const auto& r : rows) {
      st.bind(1, run_id);
      st.bind(2, r.step);
      st.bind(3, r.split);
      st.bind(4, r.key);
      bind_finite(st, 5, r.value);
      st.exec();
      st.reset();
    }
  });
}

void Store::write_gate_stats(const std::string& run_id, const std::vector<GateStatRow>& rows) {
  if (rows.empty()) return;
  transaction([&] {
    SQLite::Statement st(*db_, R"sql(INSERT OR REPLACE INTO gate_stats
      (run_id, step, layer, head, quantity, mean, sat_low, sat_high, q05, q50, q95, eps)
      VALUES (?,?,?,?,?,?,?,?,?,?,?,?))sql");
    for (const auto& r : rows) {
      st.bind(1, run_id);
      st.bind(2, r.step);
      st.bind(3, r.layer);
      st.bind(4, r.head);
      st.bind(5, r.quantity);
      bind_finite(st, 6, r.mean);
      bind_finite(st, 7, r.sat_low);
      bind_finite(st, 8, r.sat_high);
      bind_finite(st, 9, r.q05);
      bind_finite(st, 10, r.q50);
      bind_finite(st, 11, r.q95);
      st.bind(12, r.eps);
      st.exec();
      st.reset();
    }
  });
}

void Store::write_gate_histograms(const std::string& run_id, const std::vector<GateHistogramRow>& rows) {
  if (rows.empty()) return;
  transaction([&] {
    SQLite::Statement st(*db_, R"sql(INSERT OR REPLACE INTO gate_histograms
      (run_id, step, layer, quantity, bin, lo, hi, count) VALUES (?,?,?,?,?,?,?,?))sql");
    for (const auto& r : rows) {
      st.bind(1, run_id);
      st.bind(2, r.step);
      st.bind(3, r.layer);
      st.bind(4, r.quantity);
      st.bind(5, r.bin);
      st.bind(6, r.lo);
      st.bind(7, r.hi);
      st.bind(8, r.count);
      st.exec();
      st.reset();
    }
  });
}

void Store::write_layer_stats(const std::string& run_id, const std::vector<LayerStatRow>& rows) {
  if (rows.empty()) return;
  transaction([&] {
    SQLite::Statement st(*db_, R"sql(INSERT OR REPLACE INTO layer_stats
      (run_id, step, layer, attn_kind, first_token_share, max_activation, output_sparsity_1e2, output_sparsity_1e3)
      VALUES (?,?,?,?,?,?,?,?))sql");
    for (const auto& r : rows) {
      st.bind(1, run_id);
      st.bind(2, r.step);
      st.bind(3, r.layer);
      st.bind(4, r.attn_kind);
      bind_optional(st, 5, r.first_token_share);
      bind_optional(st, 6, r.max_activation);
      bind_optional(st, 7, r.output_sparsity_1e2);
      bind_optional(st, 8, r.output_sparsity_1e3);
      st.exec();
      st.reset();
    }
  });
}

void Store::truncate_after(const std::string& run_id, int64_t step) {
  transaction([&] {
    for (const char* table : {"metrics", "gate_stats", "gate_histograms", "layer_stats"}) {
      SQLite::Statement st(*db_, fmt::format("DELETE FROM {} WHERE run_id = ? AND step > ?", table));
      st.bind(1, run_id);
      st.bind(2, step);
      st.exec();
    }
  });
}

std::vector<MetricRow> Store::last_evaluation(const std::string& run_id, const std::string& split) {
  SQLite::Statement st(*db_, R"sql(SELECT step, key, value FROM metrics WHERE run_id = ?1 AND split = ?2
      AND step = (SELECT MAX(step) FROM metrics WHERE run_id = ?1 AND split = ?2) ORDER BY key)sql");
  st.bind(1, run_id);
  st.bind(2, split);
  std::vector<MetricRow> rows;
  while (st.executeStep())
    rows.push_back({st.getColumn(0).getInt64(), split, st.getColumn(1).getString(),
                    double_or_null(st.getColumn(2)).value_or(std::nan(""))});
  return rows;
}

std::optional<double> Store::best_metric(const std::string& run_id, const std::string& split, const std::string& key,
                                         bool highest) {
  SQLite::Statement st(*db_, fmt::format("SELECT {}(value) FROM metrics WHERE run_id = ? AND split = ? AND key = ?",
                                         highest ? "MAX" : "MIN"));
  st.bind(1, run_id);
  st.bind(2, split);
  st.bind(3, key);
  return st.executeStep() ? double_or_null(st.getColumn(0)) : std::nullopt;
}

std::vector<SeedSummaryRow> Store::seed_summaries(const std::vector<std::string>& run_ids,
                                                  const std::vector<std::string>& keys) {
  auto placeholders = [](size_t n, size_t first) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += fmt::format("{}?{}", i ? ", " : "", first + i);
    return out.empty() ? std::string("NULL") : out;
  };
  SQLite::Statement st(*db_, fmt::format(R"sql(
      SELECT case_id, case_name, key, n_seeds, n_runs, mean, std, ci95_low, ci95_high FROM seed_summary
      WHERE split = 'valid' AND key IN ({})
        AND case_id IN (SELECT case_id FROM run_cases WHERE run_id IN ({}))
      ORDER BY case_name, case_id, key)sql",
                                         placeholders(keys.size(), 1), placeholders(run_ids.size(), keys.size() + 1)));
  int at = 1;
  for (const auto& key : keys) st.bind(at++, key);
  for (const auto& id : run_ids) st.bind(at++, id);
  std::vector<SeedSummaryRow> rows;
  while (st.executeStep())
    rows.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(), st.getColumn(2).getString(),
                    st.getColumn(3).getInt64(), st.getColumn(4).getInt64(), double_or_null(st.getColumn(5)),
                    double_or_null(st.getColumn(6)), double_or_null(st.getColumn(7)), double_or_null(st.getColumn(8))});
  return rows;
}

void Store::upsert_sweep(const SweepRecord& sweep) {
  transaction([&] {
    SQLite::Statement st(*db_, R"sql(INSERT INTO sweeps (sweep_id, name, source_path, source_yaml, created_at)
      VALUES (?,?,?,?,?) ON CONFLICT(sweep_id) DO UPDATE SET source_path = excluded.source_path,
      source_yaml = excluded.source_yaml)sql");
    st.bind(1, sweep.sweep_id);
    st.bind(2, sweep.name);
    st.bind(3, sweep.source_path);
    st.bind(4, sweep.source_yaml);
    st.bind(5, utc_now());
    st.exec();
  });
}

void Store::link_sweep_run(const std::string& sweep_id, const std::string& run_id, const std::string& run_name,
                           bool is_baseline) {
  transaction([&] {
    SQLite::Statement st(*db_, kLinkSweepRunSql);
    bind_link(st, sweep_id, run_id, run_name, is_baseline);
    st.exec();
  });
}

void Store::add_sweep_members(const std::string& sweep_id, const std::vector<SweepMember>& members) {
  transaction([&] {
    SQLite::Statement queue(*db_, R"sql(
      INSERT INTO runs (run_id, name, config_json, config_hash, seed, status, attempts)
      VALUES (?1, ?2, ?3, ?1, ?4, ?5, 0) ON CONFLICT(run_id) DO NOTHING)sql");
    SQLite::Statement link(*db_, kLinkSweepRunSql);
    for (const auto& member : members) {
      queue.bind(1, member.run_id);
      queue.bind(2, member.name);
      queue.bind(3, member.config_json);
      queue.bind(4, member.seed);
      queue.bind(5, to_string(RunStatus::Queued));
      queue.exec();
      queue.reset();
      bind_link(link, sweep_id, member.run_id, member.name, member.is_baseline);
      link.exec();
      link.reset();
    }
  });
}

void Store::write_bench(const BenchRow& row) {
  std::string id = fnv1a64_hex(row.what + "|" + row.shape + "|" + row.dtype + "|" + row.device + "|" + row.git_commit);
  transaction([&] {
    SQLite::Statement st(*db_, R"sql(INSERT OR REPLACE INTO benches
      (bench_id, created_at, what, shape, dtype, device, git_commit, versions_json, ms, ratio_to_ref, tokens_per_s,
       peak_mem_gib, target) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?))sql");
    st.bind(1, id);
    st.bind(2, utc_now());
    st.bind(3, row.what);
    st.bind(4, row.shape);
    st.bind(5, row.dtype);
    st.bind(6, row.device);
    st.bind(7, row.git_commit);
    st.bind(8, row.versions_json);
    bind_optional(st, 9, row.ms);
    bind_optional(st, 10, row.ratio_to_ref);
    bind_optional(st, 11, row.tokens_per_s);
    bind_optional(st, 12, row.peak_mem_gib);
    st.bind(13, row.target);
    st.exec();
  });
}

}  // namespace gatelab::results

namespace gatelab::results {

namespace {

// The measurement tables a run's process writes, merged row for row after runs (foreign keys); the other table it
// writes, attempts, is numbered on (append_attempts_sql). A shard holds nothing else.
constexpr const char* kMeasurementTables[] = {"metrics", "gate_stats", "gate_histograms", "layer_stats"};

// SQL list of status names, e.g. ('finished', 'diverged'), of the statuses `keep` selects (from run_status.h).
std::string status_list(const std::function<bool(RunStatus)>& keep) {
  std::string list;
  for (const auto& n : run_status_names())
    if (keep(n.status)) list += fmt::format("{}'{}'", list.empty() ? "" : ", ", n.name);
  return "(" + list + ")";
}

// The run rows of the attached shard: inserted when new; otherwise the shard's state replaces this DB's, unless
// this DB's run is done or cancelled and the shard's is not done.
std::string merge_runs_sql() {
  const std::string done = status_list(is_done);
  const std::string kept = status_list([](RunStatus s) { return is_done(s) || s == RunStatus::Cancelled; });
  return fmt::format(R"sql(
    INSERT INTO main.runs (run_id, name, config_json, config_hash, seed, status, status_reason, attempts, git_commit,
                           device, versions_json, data_json, started_at, ended_at, steps_done, tokens_done,
                           tokens_per_s, n_params, restart_count)
    SELECT run_id, name, config_json, config_hash, seed, status, status_reason, attempts, git_commit, device,
           versions_json, data_json, started_at, ended_at, steps_done, tokens_done, tokens_per_s, n_params,
           restart_count
    FROM shard.runs WHERE true
    ON CONFLICT(run_id) DO UPDATE SET
      status = excluded.status, status_reason = excluded.status_reason,
      attempts = MAX(runs.attempts, excluded.attempts), git_commit = excluded.git_commit, device = excluded.device,
      versions_json = excluded.versions_json, data_json = excluded.data_json,
      started_at = COALESCE(runs.started_at, excluded.started_at), ended_at = excluded.ended_at,
      steps_done = excluded.steps_done, tokens_done = excluded.tokens_done, tokens_per_s = excluded.tokens_per_s,
      n_params = excluded.n_params, restart_count = excluded.restart_count
    WHERE NOT (runs.status IN {} AND excluded.status NOT IN {}))sql",
                     kept, done);
}

// Appends the attempts of `source` (a FROM clause over alias s, ending in its WHERE condition) to run `target` (an SQL
// expression over s), numbered on after the attempts the target holds. One it holds already (same start time, step
// and device: the same process, merged or moved again) is skipped. Shard merges and re-keying both append this way:
// a run resumed by a later cluster launch numbers its attempt 1 again in that launch's fresh shard.
std::string append_attempts_sql(const std::string& source, const std::string& target) {
  return fmt::format(R"sql(
    INSERT INTO main.attempts (run_id, attempt, started_at, start_step, device, threads, git_commit)
    SELECT {1},
           (SELECT COALESCE(MAX(m.attempt), 0) FROM main.attempts m WHERE m.run_id = {1})
               + ROW_NUMBER() OVER (PARTITION BY s.run_id ORDER BY s.attempt),
           s.started_at, s.start_step, s.device, s.threads, s.git_commit
    FROM {0}
      AND NOT EXISTS (SELECT 1 FROM main.attempts m WHERE m.run_id = {1} AND m.started_at = s.started_at
                      AND m.start_step = s.start_step AND m.device = s.device))sql",
                     source, target);
}

// Each run of `runs` (an SQL set) counts at least the attempts it holds.
std::string count_attempts_sql(const std::string& runs) {
  return fmt::format(R"sql(
    UPDATE main.runs SET attempts = (SELECT MAX(a.attempt) FROM main.attempts a WHERE a.run_id = runs.run_id)
    WHERE run_id IN {0} AND attempts < (SELECT MAX(a.attempt) FROM main.attempts a WHERE a.run_id = runs.run_id))sql",
                     runs);
}

int64_t count_rows(SQLite::Database& db, const std::string& table) {
  return db.execAndGet(fmt::format("SELECT COUNT(*) FROM main.{}", table)).getInt64();
}

}  // namespace

int64_t MergeCounts::total_added() const {
  int64_t total = 0;
  for (const auto& [table, n] : rows_added) total += n;
  return total;
}

MergeCounts Store::merge_shard(const std::string& shard_path) {
  if (!std::filesystem::is_regular_file(shard_path))
    throw UserError(fmt::format("shard '{}' is not a file", shard_path));
  // Opening it read-write replays what its WAL committed (a killed writer's torn tail is dropped) and migrates an
  // older schema; a newer one is refused with the shard's name.
  { Store shard(shard_path); }
  MergeCounts counts;
  SQLite::Statement attach(*db_, "ATTACH DATABASE ? AS shard");
  attach.bind(1, shard_path);
  attach.exec();
  try {
    transaction([&] {
      counts.runs = db_->execAndGet("SELECT COUNT(*) FROM shard.runs").getInt64();
      const int64_t runs_before = count_rows(*db_, "runs");
      db_->exec(merge_runs_sql());
      counts.rows_added["runs"] = count_rows(*db_, "runs") - runs_before;
      for (const char* table : kMeasurementTables) {
        const int64_t before = count_rows(*db_, table);
        db_->exec(fmt::format("INSERT OR REPLACE INTO main.{0} SELECT * FROM shard.{0}", table));
        counts.rows_added[table] = count_rows(*db_, table) - before;
      }
      const int64_t attempts_before = count_rows(*db_, "attempts");
      db_->exec(append_attempts_sql("shard.attempts s WHERE true", "s.run_id"));
      db_->exec(count_attempts_sql("(SELECT run_id FROM shard.attempts)"));
      counts.rows_added["attempts"] = count_rows(*db_, "attempts") - attempts_before;
    });
  } catch (...) {
    db_->exec("DETACH DATABASE shard");
    throw;
  }
  db_->exec("DETACH DATABASE shard");
  return counts;
}

namespace {

// Every row keyed by run `?1` moves to run `?2`; where `?2` already holds the same key, its row is kept (a run is a
// pure function of its identity, so the two are equal) and `?1`'s is dropped.
std::vector<std::string> move_run_rows_sql() {
  std::vector<std::string> sql;
  std::vector<std::string> tables(std::begin(kMeasurementTables), std::end(kMeasurementTables));
  tables.push_back("sweep_runs");
  for (const auto& table : tables) {
    sql.push_back(fmt::format("UPDATE OR IGNORE {} SET run_id = ?2 WHERE run_id = ?1", table));
    sql.push_back(fmt::format("DELETE FROM {} WHERE run_id = ?1", table));
  }
  for (const char* table : {"tags", "notes"}) {
    sql.push_back(fmt::format("UPDATE OR IGNORE {} SET target = ?2 WHERE target_kind = 'run' AND target = ?1", table));
    sql.push_back(fmt::format("DELETE FROM {} WHERE target_kind = 'run' AND target = ?1", table));
  }
  sql.push_back(append_attempts_sql("main.attempts s WHERE s.run_id = ?1", "?2"));
  sql.push_back("DELETE FROM attempts WHERE run_id = ?1");
  return sql;
}

// Run `?2` takes run `?1`'s state when `?1` got further: done where `?2` is not, else more steps.
std::string take_further_state_sql() {
  const std::string done = status_list(is_done);
  return fmt::format(R"sql(
    UPDATE runs SET (status, status_reason, git_commit, device, versions_json, data_json, started_at, ended_at,
                     steps_done, tokens_done, tokens_per_s, n_params, restart_count) =
      (SELECT status, status_reason, git_commit, device, versions_json, data_json, started_at, ended_at, steps_done,
              tokens_done, tokens_per_s, n_params, restart_count FROM runs WHERE run_id = ?1)
    WHERE run_id = ?2 AND EXISTS (
      SELECT 1 FROM runs o WHERE o.run_id = ?1 AND (
        (o.status IN {0} AND runs.status NOT IN {0}) OR
        ((o.status IN {0}) = (runs.status IN {0}) AND o.steps_done > runs.steps_done))))sql",
                     done);
}

// Runs one statement with `?1` = first and `?2` = second (when it uses them).
void exec_bound(SQLite::Database& db, const std::string& sql, const std::string& first, const std::string& second) {
  SQLite::Statement st(db, sql);
  st.bind(1, first);
  if (st.getBindParameterCount() >= 2) st.bind(2, second);
  st.exec();
}

void move_run(SQLite::Database& db, const RunRekey& change) {
  SQLite::Statement held(db, "SELECT COUNT(*) FROM runs WHERE run_id = ?");
  held.bind(1, change.new_id);
  held.executeStep();
  const bool merging = held.getColumn(0).getInt64() > 0;
  if (merging) {
    exec_bound(db, take_further_state_sql(), change.old_id, change.new_id);
    exec_bound(db,
               "UPDATE runs SET attempts = attempts + (SELECT attempts FROM runs WHERE run_id = ?1) "
               "WHERE run_id = ?2",
               change.old_id, change.new_id);
  } else {
    SQLite::Statement copy(db, R"sql(
      INSERT INTO runs (run_id, name, config_json, config_hash, seed, status, status_reason, attempts, git_commit,
                        device, versions_json, data_json, started_at, ended_at, steps_done, tokens_done,
                        tokens_per_s, n_params, restart_count)
      SELECT ?2, name, ?3, ?2, seed, status, status_reason, attempts, git_commit, device, versions_json, data_json,
             started_at, ended_at, steps_done, tokens_done, tokens_per_s, n_params, restart_count
      FROM runs WHERE run_id = ?1)sql");
    copy.bind(1, change.old_id);
    copy.bind(2, change.new_id);
    copy.bind(3, change.config_json);
    copy.exec();
  }
  for (const auto& sql : move_run_rows_sql()) exec_bound(db, sql, change.old_id, change.new_id);
  exec_bound(db, count_attempts_sql("(?2)"), change.old_id, change.new_id);
  exec_bound(db, "DELETE FROM runs WHERE run_id = ?1", change.old_id, change.new_id);
}

void move_sweep(SQLite::Database& db, const SweepRekey& change) {
  for (const char* sql : {
           "INSERT OR IGNORE INTO sweeps (sweep_id, name, source_path, source_yaml, created_at) "
           "SELECT ?2, name, source_path, source_yaml, created_at FROM sweeps WHERE sweep_id = ?1",
           "UPDATE sweeps SET created_at = MIN(created_at, (SELECT created_at FROM sweeps WHERE sweep_id = ?1)) "
           "WHERE sweep_id = ?2 AND EXISTS (SELECT 1 FROM sweeps WHERE sweep_id = ?1)",
           "UPDATE OR IGNORE sweep_runs SET sweep_id = ?2 WHERE sweep_id = ?1",
           "DELETE FROM sweep_runs WHERE sweep_id = ?1",
           "DELETE FROM sweeps WHERE sweep_id = ?1",
       })
    exec_bound(db, sql, change.old_id, change.new_id);
}

}  // namespace

std::vector<StoredRun> Store::stored_runs() {
  std::vector<StoredRun> out;
  SQLite::Statement st(*db_, "SELECT run_id, config_json FROM runs ORDER BY run_id");
  while (st.executeStep()) out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString()});
  return out;
}

std::vector<StoredSweep> Store::stored_sweeps() {
  std::vector<StoredSweep> out;
  SQLite::Statement sweeps(*db_, "SELECT sweep_id, name FROM sweeps ORDER BY sweep_id");
  while (sweeps.executeStep()) out.push_back({sweeps.getColumn(0).getString(), sweeps.getColumn(1).getString(), {}});
  SQLite::Statement members(*db_, "SELECT run_id FROM sweep_runs WHERE sweep_id = ? ORDER BY run_id");
  for (auto& sweep : out) {
    members.bind(1, sweep.sweep_id);
    while (members.executeStep()) sweep.run_ids.push_back(members.getColumn(0).getString());
    members.reset();
  }
  return out;
}

void Store::rekey(const RekeyPlan& plan) {
  transaction([&] {
    for (const auto& change : plan.runs)
      if (change.old_id != change.new_id) move_run(*db_, change);
    for (const auto& change : plan.sweeps)
      if (change.old_id != change.new_id) move_sweep(*db_, change);
  });
}

}  // namespace gatelab::results
