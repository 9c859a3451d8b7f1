// The results views (results/views/*.sql) against a small real sweep; every expected value is computed here
// from the raw tables in C++, not with the view's SQL.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "results/store.h"
#include "tests/analysis/sweep_fixture.h"
#include "tests/support/test_support.h"

using namespace gatelab;
using namespace gatelab::test;

namespace {

struct Observation {
  int64_t step;
  std::optional<double> value;
};

// Raw metric series of one run: (split, key) -> observations by step.
std::map<std::pair<std::string, std::string>, std::vector<Observation>> raw_metrics(SQLite::Database& db,
                                                                                    const std::string& run_id) {
  std::map<std::pair<std::string, std::string>, std::vector<Observation>> out;
  SQLite::Statement st(db, "SELECT split, key, step, value FROM metrics WHERE run_id = ?");
  st.bind(1, run_id);
  while (st.executeStep()) {
    Observation o{st.getColumn(2).getInt64(), std::nullopt};
    if (!st.getColumn(3).isNull()) o.value = st.getColumn(3).getDouble();
    out[{st.getColumn(0).getString(), st.getColumn(1).getString()}].push_back(o);
  }
  return out;
}

std::optional<double> final_of(const std::vector<Observation>& series) {
  auto last = std::max_element(series.begin(), series.end(),
                               [](const Observation& a, const Observation& b) { return a.step < b.step; });
  return last == series.end() ? std::nullopt : last->value;
}

std::optional<double> best_of(const std::vector<Observation>& series, bool lowest) {
  std::optional<double> best;
  for (const auto& o : series)
    if (o.value && (!best || (lowest ? *o.value < *best : *o.value > *best))) best = o.value;
  return best;
}

std::optional<double> column_or_null(SQLite::Statement& st, int i) {
  if (st.getColumn(i).isNull()) return std::nullopt;
  return st.getColumn(i).getDouble();
}

std::optional<std::string> text_or_null(SQLite::Statement& st, int i) {
  if (st.getColumn(i).isNull()) return std::nullopt;
  return st.getColumn(i).getString();
}

// A cell as comparable text: NULL, integers and text as they are, reals with 17 significant digits, so equal text
// means equal doubles.
std::string cell_text(const SQLite::Column& column) {
  if (column.isNull()) return "NULL";
  if (column.isFloat()) return fmt::format("{:.17g}", column.getDouble());
  return column.getString();
}

std::string real_text(std::optional<double> value) { return value ? fmt::format("{:.17g}", *value) : "NULL"; }

std::string join_cells(const std::vector<std::string>& cells) {
  std::string out;
  for (const auto& cell : cells) out += (out.empty() ? "" : "|") + cell;
  return out;
}

// Every row of `sql` as "cell|cell|...", sorted: a view and its expectation built in C++ compare as multisets.
std::vector<std::string> sorted_rows(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement st(db, sql);
  std::vector<std::string> rows;
  while (st.executeStep()) {
    std::vector<std::string> cells;
    for (int i = 0; i < st.getColumnCount(); ++i) cells.push_back(cell_text(st.getColumn(i)));
    rows.push_back(join_cells(cells));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Raw rows of a base table, each cell as text (see cell_text), in no particular order.
std::vector<std::vector<std::string>> raw_rows(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement st(db, sql);
  std::vector<std::vector<std::string>> rows;
  while (st.executeStep()) {
    rows.emplace_back();
    for (int i = 0; i < st.getColumnCount(); ++i) rows.back().push_back(cell_text(st.getColumn(i)));
  }
  return rows;
}

std::vector<std::string> sorted(std::vector<std::string> rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

// run_id -> "runs.name|variant": the name and label every data-set view carries beside the run id.
std::map<std::string, std::string> run_labels(SQLite::Database& db) {
  std::map<std::string, std::string> out;
  for (const auto& row : raw_rows(db, "SELECT run_id, name FROM runs")) {
    SQLite::Statement st(db, "SELECT variant FROM run_axes WHERE run_id = ?");
    st.bind(1, row[0]);
    REQUIRE(st.executeStep());
    out[row[0]] = row[1] + "|" + st.getColumn(0).getString();
  }
  return out;
}

// The fixture opened read-only: views come as TEMP views (results::Store's read-only mode).
results::Store& fixture() {
  static results::Store store(sweep_fixture_db(), true);
  return store;
}

}  // namespace

TEST_CASE("run_summary: one row per run with its axes and final/best results", "[views][slow]") {
  auto& db = fixture().db();
  const auto& ids = sweep_fixture_runs();
  REQUIRE(ids.size() == 6);
  REQUIRE(db.execAndGet("SELECT count(*) FROM run_summary").getInt() == 6);
  for (const auto& [name, id] : ids) {
    SQLite::Statement st(db, R"sql(SELECT attn_kind, feature_map, norm, gate, gate_position, gate_granularity,
        gate_activation, variant, status, steps_done, tokens_done, final_step, final_valid_loss, best_valid_loss,
        final_accuracy, best_accuracy, final_ppl, lr, d_model, seq_len, num_kv, tokens_per_s
        FROM run_summary WHERE run_id = ?)sql");
    st.bind(1, id);
    REQUIRE(st.executeStep());
    INFO("run " << name);
    auto raw = raw_metrics(db, id);
    const auto& loss = raw.at({"valid", "loss"});
    const auto& accuracy = raw.at({"valid", "accuracy"});
    int64_t last_step = 0;
    for (const auto& o : loss) last_step = std::max(last_step, o.step);
    CHECK(st.getColumn(11).getInt64() == last_step);
    CHECK(last_step == 30);
    CHECK(column_or_null(st, 12) == final_of(loss));
    CHECK(column_or_null(st, 13) == best_of(loss, true));
    CHECK(column_or_null(st, 14) == final_of(accuracy));
    CHECK(column_or_null(st, 15) == best_of(accuracy, false));
    CHECK(st.getColumn(16).isNull());  // no perplexity for MQAR
    CHECK(st.getColumn(8).getString() == "finished");
    CHECK(st.getColumn(9).getInt64() == 30);
    CHECK(st.getColumn(10).getInt64() == 30 * 16 * 32);
    CHECK(st.getColumn(18).getInt64() == (name == "gla_d16" ? 16 : 32));
    CHECK(st.getColumn(19).getInt64() == 32);
    CHECK(st.getColumn(20).getInt64() == 4);
    CHECK(st.getColumn(21).getDouble() > 0);
    const bool softmax = name.rfind("soft", 0) == 0;
    CHECK(st.getColumn(0).getString() == (softmax ? "softmax" : "linear"));
    if (softmax) {
      // Linear-only axes do not apply to softmax runs.
      CHECK_FALSE(text_or_null(st, 1));
      CHECK_FALSE(text_or_null(st, 3));
      CHECK(st.getColumn(4).getString() == (name == "soft_base" ? "none" : "G1"));
      if (name == "soft_base") {
        CHECK_FALSE(text_or_null(st, 5));
        CHECK(st.getColumn(7).getString() == "softmax ungated");
      } else {
        CHECK(st.getColumn(5).getString() == (name == "soft_g1" ? "elementwise" : "headwise"));
        CHECK(st.getColumn(6).getString() == "sigmoid");
        CHECK(st.getColumn(7).getString() ==
              (name == "soft_g1" ? "softmax G1/elementwise/sigmoid" : "softmax G1/headwise/sigmoid"));
      }
    } else {
      CHECK(st.getColumn(1).getString() == "identity");
      CHECK(st.getColumn(2).getString() == "layernorm");
      CHECK(st.getColumn(3).getString() == "gla");
      CHECK_FALSE(text_or_null(st, 4));
      CHECK(st.getColumn(7).getString() == "linear identity/layernorm/gla");
    }
    CHECK(st.getColumn(17).getDouble() == Approx(name == "gla_lr1" ? 1e-3 : 3e-3));
  }
}

TEST_CASE("final_metrics: the last value of every (run x split x key) and its range", "[views][slow]") {
  auto& db = fixture().db();
  size_t expected_rows = 0;
  for (const auto& [name, id] : sweep_fixture_runs()) {
    auto raw = raw_metrics(db, id);
    expected_rows += raw.size();
    for (const auto& [split_key, series] : raw) {
      SQLite::Statement st(db,
                           "SELECT step, value, min_value, max_value, n_values FROM final_metrics "
                           "WHERE run_id = ? AND split = ? AND key = ?");
      st.bind(1, id);
      st.bind(2, split_key.first);
      st.bind(3, split_key.second);
      REQUIRE(st.executeStep());
      INFO(name << " " << split_key.first << "/" << split_key.second);
      int64_t last = 0, finite = 0;
      for (const auto& o : series) {
        last = std::max(last, o.step);
        finite += o.value.has_value();
      }
      CHECK(st.getColumn(0).getInt64() == last);
      CHECK(column_or_null(st, 1) == final_of(series));
      CHECK(column_or_null(st, 2) == best_of(series, true));
      CHECK(column_or_null(st, 3) == best_of(series, false));
      CHECK(st.getColumn(4).getInt64() == finite);
      CHECK_FALSE(st.executeStep());
    }
  }
  CHECK(db.execAndGet("SELECT count(*) FROM final_metrics").getInt64() == static_cast<int64_t>(expected_rows));
}

TEST_CASE("gate_saturation_by_layer: all-head statistics at the last step and the most saturated head",
          "[views][slow]") {
  auto& db = fixture().db();
  size_t checked = 0;
  for (const auto& [name, id] : sweep_fixture_runs()) {
    // Independently: the last step with gate statistics, then per (layer, quantity) the head -1 row and the max
    // over heads >= 0 of sat_low + sat_high.
    int64_t last = -1;
    struct Row {
      double mean, saturation, max_head = -1;
      int heads = 0;
    };
    std::map<std::pair<int64_t, std::string>, Row> expected;
    {
      SQLite::Statement st(db,
                           "SELECT step, layer, head, quantity, mean, sat_low, sat_high FROM gate_stats "
                           "WHERE run_id = ?");
      st.bind(1, id);
      std::vector<std::tuple<int64_t, int64_t, int64_t, std::string, double, double>> all;
      while (st.executeStep())
        all.emplace_back(st.getColumn(0).getInt64(), st.getColumn(1).getInt64(), st.getColumn(2).getInt64(),
                         st.getColumn(3).getString(), st.getColumn(4).getDouble(),
                         st.getColumn(5).getDouble() + st.getColumn(6).getDouble());
      for (const auto& r : all) last = std::max(last, std::get<0>(r));
      for (const auto& [step, layer, head, quantity, mean, saturation] : all) {
        if (step != last) continue;
        auto& row = expected[{layer, quantity}];
        if (head < 0) {
          row.mean = mean;
          row.saturation = saturation;
        } else {
          row.max_head = std::max(row.max_head, saturation);
          ++row.heads;
        }
      }
    }
    const bool gated = name != "soft_base";
    INFO("run " << name);
    CHECK(expected.empty() == !gated);  // the ungated softmax baseline has no gate
    SQLite::Statement st(db,
                         "SELECT step, layer, quantity, mean, saturation, max_head_saturation, n_heads "
                         "FROM gate_saturation_by_layer WHERE run_id = ?");
    st.bind(1, id);
    size_t rows = 0;
    while (st.executeStep()) {
      ++rows;
      CHECK(st.getColumn(0).getInt64() == last);
      const auto& row = expected.at({st.getColumn(1).getInt64(), st.getColumn(2).getString()});
      CHECK(st.getColumn(3).getDouble() == row.mean);
      CHECK(st.getColumn(4).getDouble() == row.saturation);
      CHECK(st.getColumn(5).getDouble() == row.max_head);
      CHECK(st.getColumn(6).getInt() == row.heads);
      CHECK(row.heads == 4);
    }
    CHECK(rows == expected.size());
    checked += rows;
  }
  CHECK(checked >= 10);  // 5 gated runs x 2 layers
}

TEST_CASE("sink_by_layer: first-token share and max activation per layer and their means", "[views][slow]") {
  auto& db = fixture().db();
  for (const auto& [name, id] : sweep_fixture_runs()) {
    SQLite::Statement raw(db,
                          "SELECT step, layer, first_token_share, max_activation FROM layer_stats "
                          "WHERE run_id = ? ORDER BY layer");
    raw.bind(1, id);
    int64_t last = -1;
    std::vector<std::tuple<int64_t, int64_t, std::optional<double>, double>> rows;
    while (raw.executeStep()) {
      rows.emplace_back(raw.getColumn(0).getInt64(), raw.getColumn(1).getInt64(), column_or_null(raw, 2),
                        raw.getColumn(3).getDouble());
      last = std::max(last, raw.getColumn(0).getInt64());
    }
    std::map<int64_t, std::pair<std::optional<double>, double>> at_last;
    double share_sum = 0, act_sum = 0;
    int shares = 0;
    for (const auto& [step, layer, share, act] : rows)
      if (step == last) {
        at_last[layer] = {share, act};
        if (share) share_sum += *share, ++shares;
        act_sum += act;
      }
    INFO("run " << name);
    REQUIRE(at_last.size() == 2);
    const bool softmax = name.rfind("soft", 0) == 0;
    SQLite::Statement st(db,
                         "SELECT step, layer, first_token_share, max_activation, mean_first_token_share, "
                         "mean_max_activation, gated, attn_kind FROM sink_by_layer WHERE run_id = ?");
    st.bind(1, id);
    size_t n = 0;
    while (st.executeStep()) {
      ++n;
      CHECK(st.getColumn(0).getInt64() == last);
      const auto& expected = at_last.at(st.getColumn(1).getInt64());
      CHECK(column_or_null(st, 2) == expected.first);
      CHECK(st.getColumn(3).getDouble() == expected.second);
      if (softmax) {
        REQUIRE(shares == 2);
        CHECK(st.getColumn(4).getDouble() == Approx(share_sum / shares).epsilon(1e-12));
        // F-Attn is a share of attention: in (0, 1].
        CHECK(st.getColumn(2).getDouble() > 0);
        CHECK(st.getColumn(2).getDouble() <= 1);
      } else {
        CHECK(st.getColumn(4).isNull());
      }
      CHECK(st.getColumn(5).getDouble() == Approx(act_sum / 2).epsilon(1e-12));
      CHECK(st.getColumn(6).getInt() == (name == "soft_base" ? 0 : 1));
      CHECK(st.getColumn(7).getString() == (softmax ? "softmax" : "linear"));
    }
    CHECK(n == 2);
  }
}

TEST_CASE("mqar_best_lr: the best accuracy over learning rates per model and (L x D)", "[views][slow]") {
  auto& db = fixture().db();
  const auto& ids = sweep_fixture_runs();
  auto best_accuracy = [&](const std::string& name) {
    return *best_of(raw_metrics(db, ids.at(name)).at({"valid", "accuracy"}), false);
  };
  // Models: GLA d32 (lrs 1e-3 and 3e-3), GLA d16, and the three softmax variants: five rows.
  REQUIRE(db.execAndGet("SELECT count(*) FROM mqar_best_lr").getInt() == 5);
  SQLite::Statement st(db,
                       "SELECT best_lr, best_accuracy, n_lrs, lrs_tried, best_run_id, seq_len, num_kv "
                       "FROM mqar_best_lr WHERE variant = 'linear identity/layernorm/gla' AND d_model = 32");
  REQUIRE(st.executeStep());
  const double a1 = best_accuracy("gla_lr1"), a3 = best_accuracy("gla_lr3");
  // Ties go to the smaller learning rate.
  const bool lr3_wins = a3 > a1;
  CHECK(st.getColumn(0).getDouble() == Approx(lr3_wins ? 3e-3 : 1e-3));
  CHECK(st.getColumn(1).getDouble() == std::max(a1, a3));
  CHECK(st.getColumn(2).getInt() == 2);
  CHECK(st.getColumn(3).getString() == "0.001 0.003");
  CHECK(st.getColumn(4).getString() == ids.at(lr3_wins ? "gla_lr3" : "gla_lr1"));
  CHECK(st.getColumn(5).getInt() == 32);
  CHECK(st.getColumn(6).getInt() == 4);
  CHECK_FALSE(st.executeStep());
  SQLite::Statement one(db, "SELECT best_accuracy, n_lrs, best_run_id FROM mqar_best_lr WHERE d_model = 16");
  REQUIRE(one.executeStep());
  CHECK(one.getColumn(0).getDouble() == best_accuracy("gla_d16"));
  CHECK(one.getColumn(1).getInt() == 1);
  CHECK(one.getColumn(2).getString() == ids.at("gla_d16"));
}

TEST_CASE("versus_baseline: final validation metrics minus the sweep baseline's", "[views][slow]") {
  auto& db = fixture().db();
  const auto& ids = sweep_fixture_runs();
  auto final_valid = [&](const std::string& name, const std::string& key) {
    return *final_of(raw_metrics(db, ids.at(name)).at({"valid", key}));
  };
  // Every member of sweep "fixture" against soft_base (the only baseline); sweep "narrow" has none.
  CHECK(db.execAndGet("SELECT count(*) FROM versus_baseline WHERE sweep_name = 'narrow'").getInt() == 0);
  CHECK(db.execAndGet("SELECT count(DISTINCT run_id) FROM versus_baseline WHERE sweep_name = 'fixture'").getInt() == 6);
  for (const auto& name : {"soft_base", "soft_g1", "gla_lr1", "gla_d16"}) {
    for (const auto& key : {"loss", "accuracy"}) {
      SQLite::Statement st(db,
                           "SELECT value, baseline_value, delta, baseline_run_id, is_baseline, relative_delta "
                           "FROM versus_baseline WHERE sweep_name = 'fixture' AND run_id = ? AND key = ?");
      st.bind(1, ids.at(name));
      st.bind(2, key);
      REQUIRE(st.executeStep());
      INFO(name << " " << key);
      const double value = final_valid(name, key), base = final_valid("soft_base", key);
      CHECK(st.getColumn(0).getDouble() == value);
      CHECK(st.getColumn(1).getDouble() == base);
      CHECK(st.getColumn(2).getDouble() == Approx(value - base).margin(1e-15));
      CHECK(st.getColumn(3).getString() == ids.at("soft_base"));
      CHECK(st.getColumn(4).getInt() == (std::string(name) == "soft_base"));
      if (base != 0) CHECK(st.getColumn(5).getDouble() == Approx((value - base) / std::fabs(base)));
    }
  }
}

TEST_CASE("versus_baseline: with several baselines a run pairs with the one of equal context", "[views][slow]") {
  TempDir dir("views");
  const std::string path = copy_sweep_fixture(dir.path());
  const auto& ids = sweep_fixture_runs();
  {
    results::Store store(path);
    // Two baselines: soft_base (d 32, lr 3e-3) and gla_d16 (d 16). gla_d16 pairs with itself; soft_g1 (d 32,
    // lr 3e-3) with soft_base; gla_lr1 (lr 1e-3) matches neither context and, the baseline not being unique,
    // is left out.
    store.upsert_sweep({"b3b3b3b3b3b3b3b3", "two", "", ""});
    store.link_sweep_run("b3b3b3b3b3b3b3b3", ids.at("soft_base"), "soft_base", true);
    store.link_sweep_run("b3b3b3b3b3b3b3b3", ids.at("gla_d16"), "gla_d16", true);
    store.link_sweep_run("b3b3b3b3b3b3b3b3", ids.at("soft_g1"), "soft_g1", false);
    store.link_sweep_run("b3b3b3b3b3b3b3b3", ids.at("gla_lr1"), "gla_lr1", false);
  }
  results::Store store(path, true);
  auto baseline_of = [&](const std::string& name) {
    SQLite::Statement st(store.db(),
                         "SELECT DISTINCT baseline_run_id FROM versus_baseline WHERE sweep_name = 'two' "
                         "AND run_id = ?");
    st.bind(1, ids.at(name));
    return st.executeStep() ? st.getColumn(0).getString() : std::string("(none)");
  };
  CHECK(baseline_of("soft_g1") == ids.at("soft_base"));
  CHECK(baseline_of("gla_d16") == ids.at("gla_d16"));
  CHECK(baseline_of("gla_lr1") == "(none)");
}

TEST_CASE("run_configs: every run's name and config and provenance", "[views][slow]") {
  auto& db = fixture().db();
  std::vector<std::string> expected;
  for (const auto& r : raw_rows(db,
                                "SELECT run_id, name, config_json, seed, git_commit, device, versions_json, "
                                "data_json FROM runs"))
    expected.push_back(join_cells(r));
  REQUIRE(expected.size() == 6);
  CHECK(sorted_rows(db,
                    "SELECT run_id, name, config_json, seed, git_commit, device, versions_json, data_json "
                    "FROM run_configs") == sorted(expected));
}

TEST_CASE("sweep_summary and sweep_members: the sweeps with their grid files and their runs", "[views][slow]") {
  auto& db = fixture().db();
  std::map<std::string, std::string> sweep_names;
  std::map<std::string, std::pair<int, int>> counts;  // sweep_id -> (runs, baselines)
  std::vector<std::string> summary, members;
  for (const auto& w : raw_rows(db, "SELECT sweep_id, name FROM sweeps")) sweep_names[w[0]] = w[1];
  for (const auto& l : raw_rows(db, "SELECT sweep_id, run_id, run_name, is_baseline FROM sweep_runs")) {
    members.push_back(join_cells({l[0], sweep_names.at(l[0]), l[1], l[2], l[3]}));
    counts[l[0]].first += 1;
    counts[l[0]].second += l[3] == "1";
  }
  for (const auto& w : raw_rows(db, "SELECT sweep_id, name, source_path, source_yaml, created_at FROM sweeps"))
    summary.push_back(join_cells(
        {w[0], w[1], w[2], w[3], w[4], std::to_string(counts[w[0]].first), std::to_string(counts[w[0]].second)}));
  CHECK(sorted_rows(db,
                    "SELECT sweep_id, name, source_path, source_yaml, created_at, n_runs, n_baselines "
                    "FROM sweep_summary") == sorted(summary));
  CHECK(sorted_rows(db, "SELECT sweep_id, sweep_name, run_id, run_name, is_baseline FROM sweep_members") ==
        sorted(members));
  // The fixture's recipe: sweep "fixture" holds all six runs with soft_base its baseline, "narrow" gla_d16 alone.
  CHECK(sorted_rows(db, "SELECT name, n_runs, n_baselines FROM sweep_summary") ==
        std::vector<std::string>{"fixture|6|1", "narrow|1|0"});
  CHECK(sorted_rows(db, "SELECT run_name FROM sweep_members WHERE sweep_name = 'fixture' AND is_baseline = 1") ==
        std::vector<std::string>{"soft_base"});
}

TEST_CASE("metric_keys and metric_rows: every recorded metric observation", "[views][slow]") {
  auto& db = fixture().db();
  const auto labels = run_labels(db);
  std::set<std::string> keys;
  std::vector<std::string> expected;
  for (const auto& m : raw_rows(db, "SELECT run_id, step, split, key, value FROM metrics")) {
    keys.insert(m[3]);
    expected.push_back(join_cells({m[0], labels.at(m[0]), m[1], m[2], m[3], m[4]}));
  }
  CHECK(sorted_rows(db, "SELECT key FROM metric_keys") == std::vector<std::string>(keys.begin(), keys.end()));
  CHECK(keys.count("loss") == 1);
  CHECK(keys.count("accuracy") == 1);
  REQUIRE(expected.size() > 6 * 10);
  CHECK(sorted_rows(db, "SELECT run_id, run_name, variant, step, split, key, value FROM metric_rows") ==
        sorted(expected));
}

TEST_CASE("layer_measures: layer_stats in long format without the measures a layer lacks", "[views][slow]") {
  auto& db = fixture().db();
  const auto labels = run_labels(db);
  const std::vector<std::string> measures = {"first_token_share", "max_activation", "output_sparsity_1e2",
                                             "output_sparsity_1e3"};
  std::vector<std::string> expected;
  for (const auto& l : raw_rows(db,
                                "SELECT run_id, step, layer, attn_kind, first_token_share, max_activation, "
                                "output_sparsity_1e2, output_sparsity_1e3 FROM layer_stats"))
    for (size_t i = 0; i < measures.size(); ++i)
      if (l[4 + i] != "NULL")
        expected.push_back(join_cells({l[0], labels.at(l[0]), l[1], l[2], l[3], measures[i], l[4 + i]}));
  REQUIRE_FALSE(expected.empty());
  CHECK(
      sorted_rows(db, "SELECT run_id, run_name, variant, step, layer, attn_kind, measure, value FROM layer_measures") ==
      sorted(expected));
  // Linear layers have no first-token share: the measure is absent, not NULL.
  CHECK(db.execAndGet("SELECT count(*) FROM layer_measures WHERE value IS NULL").getInt() == 0);
}

TEST_CASE("gate_statistics: gate_stats in long format with saturation the sum of both tails", "[views][slow]") {
  auto& db = fixture().db();
  const auto labels = run_labels(db);
  std::vector<std::string> expected;
  SQLite::Statement raw(db,
                        "SELECT run_id, step, layer, head, quantity, mean, sat_low, sat_high, q05, q50, q95, eps "
                        "FROM gate_stats");
  while (raw.executeStep()) {
    auto text = [&](int i) { return cell_text(raw.getColumn(i)); };
    auto real = [&](int i) { return column_or_null(raw, i); };
    const std::string id = raw.getColumn(0).getString();
    std::optional<double> saturation;
    if (real(6) && real(7)) saturation = *real(6) + *real(7);
    const std::vector<std::pair<std::string, std::string>> statistics = {
        {"mean", text(5)}, {"sat_low", text(6)}, {"sat_high", text(7)}, {"saturation", real_text(saturation)},
        {"q05", text(8)},  {"q50", text(9)},     {"q95", text(10)}};
    for (const auto& [statistic, value] : statistics)
      expected.push_back(
          join_cells({id, labels.at(id), text(1), text(2), text(3), text(4), statistic, value, text(11)}));
  }
  REQUIRE(expected.size() >= 7 * 10);
  CHECK(sorted_rows(db,
                    "SELECT run_id, run_name, variant, step, layer, head, quantity, statistic, value, eps "
                    "FROM gate_statistics") == sorted(expected));
}

TEST_CASE("gate_histogram_rows and gate_histogram_by_layer: every bin and the last step's shares", "[views][slow]") {
  auto& db = fixture().db();
  const auto labels = run_labels(db);
  // run_id, step, layer, quantity, bin, lo, hi, count
  const auto raw = raw_rows(db, "SELECT run_id, step, layer, quantity, bin, lo, hi, count FROM gate_histograms");
  REQUIRE_FALSE(raw.empty());
  auto step_of = [](const std::vector<std::string>& h) { return std::stoll(h[1]); };
  auto count_of = [](const std::vector<std::string>& h) { return std::stoll(h[7]); };
  std::vector<std::string> every;
  std::map<std::string, long long> last_step;  // run_id -> last step with histograms
  for (const auto& h : raw) {
    every.push_back(join_cells({h[0], labels.at(h[0]), h[1], h[2], h[3], h[4], h[5], h[6], h[7]}));
    auto [it, fresh] = last_step.emplace(h[0], step_of(h));
    if (!fresh) it->second = std::max(it->second, step_of(h));
  }
  CHECK(sorted_rows(db,
                    "SELECT run_id, run_name, variant, step, layer, quantity, bin, lo, hi, count "
                    "FROM gate_histogram_rows") == sorted(every));
  // Shares at each run's last step: a bin's count over the counts of its (run, layer, quantity).
  std::map<std::string, long long> totals;
  auto group = [](const std::vector<std::string>& h) { return h[0] + "|" + h[2] + "|" + h[3]; };
  for (const auto& h : raw)
    if (step_of(h) == last_step.at(h[0])) totals[group(h)] += count_of(h);
  std::vector<std::string> at_last;
  for (const auto& h : raw) {
    if (step_of(h) != last_step.at(h[0])) continue;
    const double share = static_cast<double>(count_of(h)) / static_cast<double>(totals.at(group(h)));
    at_last.push_back(join_cells({h[0], labels.at(h[0]), h[1], h[2], h[3], h[4], h[5], h[6], h[7], real_text(share)}));
  }
  CHECK(sorted_rows(db,
                    "SELECT run_id, name, variant, step, layer, quantity, bin, lo, hi, count, share "
                    "FROM gate_histogram_by_layer") == sorted(at_last));
  CHECK(last_step.size() == 5);  // every gated run; the ungated softmax baseline has no gate values
}
