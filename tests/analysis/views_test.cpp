// The results views (results/views/*.sql) against a small real sweep; every expected value is computed here
// from the raw tables in C++, not with the view's SQL.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <optional>
#include <set>

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

// The fixture opened read-only: views come as TEMP views (results::Store's read-only mode).
results::Store& fixture() {
  static results::Store store(sweep_fixture_db(), true);
  return store;
}

}  // namespace

TEST_CASE("run_summary: one row per run with its axes and final/best results", "[views]") {
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

TEST_CASE("final_metrics: the last value of every (run, split, key) and its range", "[views]") {
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

TEST_CASE("gate_saturation_by_layer: all-head statistics at the last step, most saturated head", "[views]") {
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

TEST_CASE("sink_by_layer: first-token share and max activation per layer and their means", "[views]") {
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

TEST_CASE("mqar_best_lr: the best accuracy over learning rates per model and (L, D)", "[views]") {
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

TEST_CASE("versus_baseline: final validation metrics minus the sweep baseline's", "[views]") {
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

TEST_CASE("versus_baseline: with several baselines a run pairs with the one of equal context", "[views]") {
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
