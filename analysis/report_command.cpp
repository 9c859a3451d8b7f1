// `gatelab report SWEEP`: one self-contained HTML page for a sweep — results table (search, group-by, compare),
// seeds collapsed, comparison with the baseline, interactive curves, MQAR best-lr table, every plot inline as
// SVG, and the sweep's config.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/plots/plot.h"
#include "analysis/plots/render.h"
#include "analysis/report_html.h"
#include "analysis/selection.h"
#include "harness/util/build_info.h"
#include "harness/util/cli_options.h"
#include "harness/util/file_names.h"
#include "harness/util/subcommand.h"

namespace gatelab::cli {

namespace {

namespace fs = std::filesystem;
using analysis::Table;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh folder for the pictures when the user does not ask to keep them; removed on scope exit.
struct ScratchDir {
  fs::path path;
  bool keep;
  ~ScratchDir() {
    std::error_code ignored;
    if (!keep) fs::remove_all(path, ignored);
  }
};

// The config keys whose values differ between the sweep's runs, with the values seen: "what this sweep varies".
Table varying_keys(SQLite::Database& db, const std::string& sweep_id) {
  auto configs =
      analysis::select(db, R"sql(SELECT c.config_json FROM sweep_members s JOIN run_configs c ON c.run_id = s.run_id
                                           WHERE s.sweep_id = ?1 ORDER BY s.run_name)sql",
                       {sweep_id});
  std::map<std::string, std::vector<std::string>> values;  // dotted key -> distinct values in order
  std::map<std::string, size_t> present;
  for (const auto& row : configs.rows) {
    auto flat = nlohmann::json::parse(row[0].str()).flatten();
    for (auto it = flat.begin(); it != flat.end(); ++it) {
      std::string key = it.key().substr(1);
      for (auto& ch : key)
        if (ch == '/') ch = '.';
      std::string value = it.value().dump();
      auto& seen = values[key];
      if (std::find(seen.begin(), seen.end(), value) == seen.end()) seen.push_back(value);
      ++present[key];
    }
  }
  Table table;
  table.columns = {"config key", "values in this sweep"};
  for (const auto& [key, seen] : values) {
    if (seen.size() < 2 && present[key] == configs.rows.size()) continue;
    std::string joined;
    for (const auto& v : seen) joined += (joined.empty() ? "" : ", ") + v;
    analysis::Cell k, v;
    k.type = v.type = analysis::Cell::Type::Text;
    k.text = key;
    v.text = joined;
    table.rows.push_back({k, v});
  }
  return table;
}

nlohmann::ordered_json number_or_null(const analysis::Cell& cell) {
  if (cell.type == analysis::Cell::Type::Integer) return cell.integer;
  if (cell.type == analysis::Cell::Type::Real) return cell.real;
  return nullptr;
}

// What the page's script draws and compares (#report-data): per run its name, final metrics and flattened config;
// per metric ("valid loss", ...) each run's curve and each case's mean and 95% band over seeds, as points
// [step, tokens, time_s, value] and [step, tokens, time_s, mean, ci95_low, ci95_high]. ordered_json keeps the
// table's order, so the chart's legend follows the table.
nlohmann::ordered_json report_data(SQLite::Database& db, const std::string& sweep_id) {
  nlohmann::ordered_json data = {{"runs", nlohmann::ordered_json::object()},
                                 {"curves", nlohmann::ordered_json::object()}};
  Table runs = analysis::select(db, R"sql(
      SELECT m.run_id, m.run_name, c.case_id, r.config_json FROM sweep_members m
      JOIN run_cases c ON c.run_id = m.run_id JOIN run_configs r ON r.run_id = m.run_id
      WHERE m.sweep_id = ?1 ORDER BY m.is_baseline DESC, m.run_name)sql",
                                {sweep_id});
  for (const auto& row : runs.rows) {
    nlohmann::ordered_json config = nlohmann::ordered_json::object();
    auto flat = nlohmann::ordered_json::parse(row[3].str()).flatten();
    for (auto it = flat.begin(); it != flat.end(); ++it) {
      std::string key = it.key().substr(1);
      std::replace(key.begin(), key.end(), '/', '.');
      config[key] = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
    }
    data["runs"][row[0].str()] = {{"name", row[1].str()},
                                  {"case_id", row[2].str()},
                                  {"final", nlohmann::ordered_json::object()},
                                  {"config", config}};
  }
  Table finals = analysis::select(db, R"sql(
      SELECT f.run_id, f.split || ' ' || f.key, f.value FROM final_metrics f JOIN sweep_members m ON m.run_id = f.run_id
      WHERE m.sweep_id = ?1 AND f.value IS NOT NULL)sql",
                                  {sweep_id});
  for (const auto& row : finals.rows) data["runs"][row[0].str()]["final"][row[1].str()] = row[2].real;
  Table points = analysis::select(db, R"sql(
      SELECT p.split || ' ' || p.key AS metric, p.run_id, p.step, p.tokens, p.time_s, p.value
      FROM metric_rows p JOIN sweep_members m ON m.run_id = p.run_id WHERE m.sweep_id = ?1
      ORDER BY p.split DESC, p.key = 'loss' DESC, p.key, m.is_baseline DESC, m.run_name, p.step)sql",
                                  {sweep_id});
  std::vector<std::string> metrics;
  for (const auto& row : points.rows) {
    const std::string metric = row[0].str();
    if (std::find(metrics.begin(), metrics.end(), metric) == metrics.end()) metrics.push_back(metric);
    data["curves"][metric]["runs"][row[1].str()].push_back(
        {row[2].integer, number_or_null(row[3]), number_or_null(row[4]), number_or_null(row[5])});
  }
  data["metrics"] = metrics;
  Table cases = analysis::select(db, R"sql(
      SELECT b.split || ' ' || b.key AS metric, b.case_id, b.case_name, b.step, b.tokens, b.time_s, b.mean,
             b.ci95_low, b.ci95_high, b.n_seeds
      FROM metric_by_case b WHERE b.case_id IN (SELECT c.case_id FROM run_cases c JOIN sweep_members m
                                                ON m.run_id = c.run_id WHERE m.sweep_id = ?1)
      ORDER BY b.case_name, b.case_id, b.step)sql",
                                 {sweep_id});
  for (const auto& row : cases.rows) {
    auto& c = data["curves"][row[0].str()]["cases"][row[1].str()];
    if (c.is_null()) c = {{"name", row[2].str()}, {"n", 0}, {"points", nlohmann::ordered_json::array()}};
    c["n"] = std::max<int64_t>(c["n"].get<int64_t>(), row[9].integer);
    c["points"].push_back({row[3].integer, number_or_null(row[4]), number_or_null(row[5]), number_or_null(row[6]),
                           number_or_null(row[7]), number_or_null(row[8])});
  }
  for (auto& [metric, curves] : data["curves"].items()) {
    if (!curves.contains("runs")) curves["runs"] = nlohmann::ordered_json::object();
    if (!curves.contains("cases")) curves["cases"] = nlohmann::ordered_json::object();
  }
  return data;
}

}  // namespace

int report_command(const std::vector<std::string>& args) {
  using namespace gatelab::analysis;
  po::options_description options("gatelab report options");
  options.add_options()("sweep", po::value<std::string>(), "the sweep (name or id)")(
      "db", po::value<std::string>()->default_value("results.db"), "results database")(
      "output,o", po::value<std::string>(), "HTML file to write (default: report-<sweep name>.html)")(
      "plots-dir", po::value<std::string>(),
      "also keep the pictures (PNG, SVG), their CSVs and gnuplot scripts in this folder");
  po::positional_options_description positional;
  positional.add("sweep", 1);
  po::variables_map vm;
  if (!parse_options("report", "gatelab report SWEEP [--db FILE] [-o report.html] [--plots-dir DIR]", args, options,
                     positional, vm))
    return 0;
  if (!vm.count("sweep"))
    throw UserError("gatelab report: say which sweep (gatelab query \"SELECT name FROM sweep_summary\")");
  auto store = open_results(vm["db"].as<std::string>());
  auto& db = store->db();
  const SweepInfo sweep = resolve_sweep(db, vm["sweep"].as<std::string>());
  RunFilter filter;
  filter.sweeps = {sweep.sweep_id};
  const RunSelection runs = select_runs(db, filter);
  const std::string output =
      vm.count("output") ? vm["output"].as<std::string>() : "report-" + safe_file_name(sweep.name) + ".html";

  std::string body;
  body += fmt::format("<h1>gatelab sweep <code>{}</code></h1>\n", html::escape(sweep.name));
  body += fmt::format(
      "<p class=\"meta\">sweep id <code>{}</code> · created {} · {} runs · grid file <code>{}</code><br>database "
      "<code>{}</code> · report written {} by gatelab {}</p>\n",
      html::escape(sweep.sweep_id), html::escape(sweep.created_at), runs.run_ids.size(),
      html::escape(sweep.source_path.empty() ? "(not recorded)" : sweep.source_path),
      html::escape(fs::absolute(vm["db"].as<std::string>()).string()), html::escape(utc_now()),
      html::escape(git_commit()));
  body +=
      "<nav><a href=\"#summary\">results</a> · <a href=\"#seeds\">across seeds</a> · <a href=\"#baseline\">versus "
      "baseline</a> · <a href=\"#curves\">curves</a> · <a href=\"#mqar\">MQAR best lr</a> · <a "
      "href=\"#plots\">plots</a> · <a href=\"#config\">config</a></nav>\n";

  // Results: run_summary for the sweep's runs — the run's name in the sweep (sticky), the final metrics, then
  // progress, then the config axes.
  Table summary = select(db, R"sql(
      SELECT sr.run_name AS run, s.final_valid_loss, s.best_valid_loss, s.final_ppl, s.best_ppl, s.final_bpb,
             s.final_accuracy, s.best_accuracy, CASE WHEN sr.is_baseline THEN 'baseline' ELSE '' END AS role,
             s.status, s.steps_done, s.tokens_done, s.tokens_per_s, s.n_params, s.variant, s.attn_kind,
             s.feature_map, s.norm, s.gate, s.gate_position, s.gate_granularity, s.gate_activation, s.gated, s.task,
             s.seq_len, s.num_kv, s.d_model, s.n_layers, s.lr, s.seed, s.status_reason, s.run_id
      FROM sweep_members sr JOIN run_summary s ON s.run_id = sr.run_id
      WHERE sr.sweep_id = ?1 ORDER BY sr.is_baseline DESC, sr.run_name)sql",
                         {sweep.sweep_id});
  body += "<h2 id=\"summary\">Results</h2>\n";
  body +=
      "<p>One row per run: click a header to sort, type in the search box to filter, group by an ablation axis, "
      "check runs and compare them. Final = last evaluation, best = best evaluation; axes that do not apply to a "
      "run are empty. Hover a number for its exact value.</p>\n";
  body += "<div class=\"controls\"><label>group by <select id=\"group-by\"><option value=\"\">none</option>";
  for (const auto& axis : groupable_axes()) {
    const auto at = std::find(summary.columns.begin(), summary.columns.end(), axis);
    if (at == summary.columns.end()) continue;
    const size_t c = static_cast<size_t>(at - summary.columns.begin());
    if (std::any_of(summary.rows.begin(), summary.rows.end(), [&](const auto& row) { return !row[c].is_null(); }))
      body += fmt::format("<option>{}</option>", html::escape(axis));
  }
  body += "</select></label> <button type=\"button\" id=\"compare-button\">compare checked runs</button></div>\n";
  body += html::results_table(summary, "summary-table", "run_id");
  body += "<div id=\"compare\"></div>\n";

  // Across seeds: each case (a config without its seed) of the sweep, its final metrics over its seeds.
  std::vector<std::string> case_params{sweep.sweep_id};
  Table seeds = select(db, R"sql(
      SELECT case_name AS "case", key, n_seeds, mean, ci95_half AS "+- 95%", std, ci95_low, ci95_high, min_value,
             max_value, seeds, variant, case_id
      FROM seed_summary WHERE split = 'valid' AND key IN ('loss', 'accuracy', 'ppl', 'bpb')
        AND case_id IN (SELECT c.case_id FROM run_cases c JOIN sweep_members m ON m.run_id = c.run_id
                        WHERE m.sweep_id = ?1)
      ORDER BY key, mean)sql",
                       case_params);
  body += "<h2 id=\"seeds\">Across seeds</h2>\n";
  body +=
      "<p>Runs that differ only in the seed are one case: the mean of their final validation metrics, the "
      "half-width of its 95% interval (t-based: mean ± t(0.975, n − 1) · std / √n, wide for few seeds), the "
      "standard deviation and the range. A case with one seed has no interval.</p>\n";
  body += seeds.empty() ? "<p>No final validation metrics yet.</p>\n" : html::results_table(seeds, "seeds-table");

  Table versus = select(db, R"sql(
      SELECT case_name AS "case", variant, key, n_seeds, value_mean, baseline_mean, delta_mean, delta_ci95_low,
             delta_ci95_high, improved, improved_beyond_noise, value_std, baseline_std, baseline_variant
      FROM versus_baseline_by_case WHERE sweep_id = ?1 AND key IN ('loss', 'accuracy', 'ppl', 'bpb')
      ORDER BY key, is_baseline DESC, delta_mean)sql",
                        {sweep.sweep_id});
  Table versus_runs = select(db, R"sql(
      SELECT run_name AS run, variant, key, value, baseline_value, delta, relative_delta, baseline_variant
      FROM versus_baseline WHERE sweep_id = ?1 AND key IN ('loss', 'accuracy', 'ppl', 'bpb')
      ORDER BY key, is_baseline DESC, delta)sql",
                             {sweep.sweep_id});
  body += "<h2 id=\"baseline\">Versus baseline</h2>\n";
  if (versus_runs.empty())
    body += "<p>This sweep marks no baseline run (sweep_runs.is_baseline), so there is nothing to compare with.</p>\n";
  else
    body +=
        "<p>Final validation metrics minus the baseline's, seeds collapsed: each seed is paired with the baseline "
        "of the same seed, delta_mean is the mean of those deltas and [delta_ci95_low, delta_ci95_high] their "
        "paired 95% t interval (delta &lt; 0: lower than the baseline, better for loss and perplexity, worse for "
        "accuracy). improved_beyond_noise is 1 when the whole interval is on the better side.</p>\n" +
        html::results_table(versus, "baseline-table") + "<details><summary>Per run</summary>\n" +
        html::results_table(versus_runs, "baseline-runs-table") + "</details>\n";

  body += "<h2 id=\"curves\">Curves</h2>\n";
  body += R"html(<div class="controls">
<label>metric <select id="metric">)html";
  const auto data = report_data(db, sweep.sweep_id);
  for (const auto& metric : data["metrics"])
    body += fmt::format("<option>{}</option>", html::escape(metric.get<std::string>()));
  body += R"html(</select></label>
<label>x axis <select id="x-axis"><option value="0">step</option><option value="1">training tokens</option><option value="2">training time (s)</option></select></label>
<label><input type="checkbox" id="log-x"> log x</label>
<label><input type="checkbox" id="log-y"> log y</label>
<label>smoothing <select id="smooth"><option value="0">none</option><option value="0.6">0.6</option><option value="0.8">0.8</option><option value="0.9">0.9</option></select></label>
<label><input type="checkbox" id="bands" checked> seeds as mean and 95% band</label>
</div>
<div id="chart-box"><canvas id="chart"></canvas></div>
<p class="meta">Training time is estimated from each run's mean throughput; smoothing is an exponential moving
average with the given weight.</p>
)html";
  body += "<script type=\"application/json\" id=\"report-data\">" + html::script_safe(data.dump()) + "</script>\n";

  std::vector<std::string> params;
  Table mqar = select(db,
                      fmt::format(R"sql(
      SELECT variant, d_model, n_layers, seq_len AS L, num_kv AS D, best_lr, best_accuracy, final_accuracy, n_lrs,
             lrs_tried, n_seeds FROM mqar_best_lr WHERE {} ORDER BY seq_len, num_kv, variant, d_model)sql",
                                  runs.sql_in("best_run_id", params)),
                      params);
  body += "<h2 id=\"mqar\">MQAR: accuracy at the best learning rate</h2>\n";
  body += mqar.empty() ? "<p>No MQAR runs with accuracy in this sweep.</p>\n" : html::results_table(mqar, "mqar-table");

  // Plots: every kind that has data, rendered to SVG and inlined.
  ScratchDir scratch{vm.count("plots-dir")
                         ? fs::path(vm["plots-dir"].as<std::string>())
                         : fs::temp_directory_path() / fmt::format("gatelab-report-{}-{}", getpid(), sweep.sweep_id),
                     vm.count("plots-dir") > 0};
  std::vector<std::string> formats = {"svg"};
  if (scratch.keep) formats = {"png", "svg"};
  PlotRequest request;
  request.db = &db;
  request.runs = runs;
  body += "<h2 id=\"plots\">Plots</h2>\n";
  body += fmt::format(
      "<p>Each picture's data and gnuplot script: <code>gatelab plot all --sweep {} --db {}</code> "
      "writes them beside PNG and SVG copies.</p>\n",
      html::escape(sweep.name), html::escape(vm["db"].as<std::string>()));
  size_t n_plots = 0;
  for (const auto& kind : plot_registry().names()) {
    auto plot = plot_registry().get(kind).make();
    auto figures = plot->figures(request);
    if (figures.empty()) {
      body += fmt::format("<p class=\"meta\">{}: no plot, the sweep's runs have no {}.</p>\n", html::escape(kind),
                          html::escape(plot->needs()));
      continue;
    }
    for (const auto& figure : figures) {
      render(figure, scratch.path.string(), formats);
      std::string svg = read_text(scratch.path / (figure.stem + ".svg"));
      body += fmt::format(
          "<figure class=\"plot\" id=\"plot-{0}\" data-plot=\"{0}\">\n<figcaption>{1}</figcaption>\n{2}\n"
          "</figure>\n",
          html::escape(figure.stem), html::escape(figure.title), html::inline_svg(svg, fmt::format("p{}_", n_plots)));
      ++n_plots;
    }
  }

  body += "<h2 id=\"config\">Config</h2>\n";
  Table varying = varying_keys(db, sweep.sweep_id);
  if (!varying.empty()) body += "<p>What the runs differ in:</p>\n" + html::results_table(varying, "varying-table");
  body += sweep.source_yaml.empty()
              ? "<p>The sweep's grid file was not recorded.</p>\n"
              : fmt::format("<p>The grid file{}:</p>\n<pre>{}</pre>\n",
                            sweep.source_path.empty() ? "" : " <code>" + html::escape(sweep.source_path) + "</code>",
                            html::escape(sweep.source_yaml));
  body += "<details><summary>Every run's resolved config</summary>\n";
  Table configs = select(db, R"sql(SELECT sr.run_name, c.run_id, c.config_json FROM sweep_members sr
                                   JOIN run_configs c ON c.run_id = sr.run_id WHERE sr.sweep_id = ?1
                                   ORDER BY sr.run_name)sql",
                         {sweep.sweep_id});
  for (const auto& row : configs.rows)
    body += fmt::format("<h3>{} <code>{}</code></h3>\n<pre>{}</pre>\n", html::escape(row[0].str()),
                        html::escape(row[1].str()), html::escape(nlohmann::json::parse(row[2].str()).dump(2)));
  body += "</details>\n";

  std::string page = html::page("gatelab report: " + sweep.name, body);
  std::ofstream out(output, std::ios::binary);
  if (!out) throw UserError(fmt::format("cannot write '{}'", output));
  out << page;
  out.close();
  if (!out) throw Error(fmt::format("writing '{}' failed", output));
  std::cout << fmt::format("wrote {} ({} runs, {} plots)\n", output, runs.run_ids.size(), n_plots);
  return 0;
}

}  // namespace gatelab::cli
