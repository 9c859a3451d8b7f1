// `gatelab plot KIND`: renders a plot kind (or all of them) through gnuplot to PNG and SVG, keeping the CSV and
// the .gp script beside each picture.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "analysis/datasets.h"
#include "analysis/plots/plot.h"
#include "analysis/plots/render.h"
#include "analysis/selection.h"
#include "harness/util/cli_options.h"
#include "harness/util/file_names.h"
#include "harness/util/subcommand.h"

namespace gatelab::cli {

namespace {

std::string kinds_help() {
  std::string s = "plot kind: all (every kind that has data)";
  for (const auto& [name, summary] : analysis::plot_registry().summaries()) s += "; " + name + ": " + summary;
  return s;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  for (char ch : text + ",") {
    if (ch == ',') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else if (ch != ' ') {
      item += ch;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

std::string metrics_help() {
  std::string s = "what to draw, per kind (default: loss for loss_curves, every panel for the others): ";
  for (const auto& entry : analysis::plot_registry().entries()) {
    const auto metrics = entry.make()->metrics();
    s += entry.name + ": " + (metrics.empty() ? "any recorded metric key" : join(metrics)) + "; ";
  }
  return s.substr(0, s.size() - 2);
}

// Whether `plot all --metric M` draws this kind: any kind without --metric, or one that offers M (a kind taking
// any metric key: when the DB records M).
bool offers_metric(const analysis::Plot& plot, const std::string& metric, SQLite::Database& db) {
  auto metrics = plot.metrics();
  if (metrics.empty()) metrics = analysis::metric_keys(db);
  return metric.empty() || std::find(metrics.begin(), metrics.end(), metric) != metrics.end();
}

}  // namespace

int plot_command(const std::vector<std::string>& args) {
  using namespace gatelab::analysis;
  po::options_description options("gatelab plot options");
  RunFilter filter;
  PlotRequest request;
  options.add_options()("kind", po::value<std::string>(), kinds_help().c_str())(
      "db", po::value<std::string>()->default_value("results.db"), "results database")(
      "sweep", po::value<std::vector<std::string>>(&filter.sweeps)->composing(),
      "only runs of this sweep (name or id; repeatable)")(
      "run", po::value<std::vector<std::string>>(&filter.runs)->composing(), "only this run (repeatable)")(
      "variant", po::value<std::vector<std::string>>(&filter.variants)->composing(),
      "only runs of this variant (exact or glob; repeatable)")(
      "by", po::value<std::string>()->default_value("variant"),
      "loss_curves: the ablation axis that colours the curves (a run_summary column: variant, attn_kind, "
      "feature_map, norm, gate, gate_position, gate_granularity, gate_activation, gated, d_model, lr, ...)")(
      "metric", po::value<std::string>()->default_value(""), metrics_help().c_str())(
      "split", po::value<std::string>()->default_value("valid"), "loss_curves: train or valid")(
      "x", po::value<std::string>()->default_value("step"),
      "loss_curves: the x axis: step, tokens (step x batch x sequence length) or time (training seconds, from the "
      "run's mean throughput)")("logx", po::bool_switch(&request.axes.logx),
                                "log-scale x axis (every kind; default: log when values span decades)")(
      "logy", po::bool_switch(&request.axes.logy), "log-scale y axis (every kind)")(
      "xlim", po::value<std::string>(&request.axes.xlim), "x range LO:HI, either side may be left out (every kind)")(
      "ylim", po::value<std::string>(&request.axes.ylim), "y range LO:HI, either side may be left out (every kind)")(
      "out-dir,o", po::value<std::string>()->default_value("plots"),
      "folder for the pictures, CSVs and scripts (default: plots, or plots/<sweep> for one --sweep, so the figures "
      "of two sweeps do not overwrite each other)")(
      "format", po::value<std::string>()->default_value("png,svg,pdf"),
      "picture formats, comma-separated: png, svg, pdf");
  po::positional_options_description positional;
  positional.add("kind", 1);
  po::variables_map vm;
  if (!parse_options("plot", "gatelab plot KIND|all [--sweep S] [--run R] [--variant V] [--by AXIS] [-o DIR]", args,
                     options, positional, vm))
    return 0;
  if (!vm.count("kind"))
    throw UserError("gatelab plot: say which plot: all, " + [] {
      std::string s;
      for (const auto& n : plot_registry().names()) s += (s.empty() ? "" : ", ") + n;
      return s;
    }());
  const std::string kind = vm["kind"].as<std::string>();
  std::vector<std::string> kinds = kind == "all" ? plot_registry().names() : std::vector<std::string>{kind};
  for (const auto& k : kinds) plot_registry().get(k);  // unknown kind: UserError before any work
  const auto formats = split_list(vm["format"].as<std::string>());
  if (formats.empty()) throw UserError("gatelab plot: --format names no format (png, svg, pdf)");
  for (const auto& f : formats)
    if (std::find(picture_formats().begin(), picture_formats().end(), f) == picture_formats().end())
      throw UserError(unknown_name_message("picture format", f, picture_formats()));
  const std::string x = vm["x"].as<std::string>();
  if (std::find(x_axes().begin(), x_axes().end(), x) == x_axes().end())
    throw UserError(unknown_name_message("x axis (--x)", x, x_axes()));
  if (!request.axes.xlim.empty()) gp::check_limits("--xlim", request.axes.xlim);
  if (!request.axes.ylim.empty()) gp::check_limits("--ylim", request.axes.ylim);
  const std::string split = vm["split"].as<std::string>();
  if (split != "train" && split != "valid") throw UserError(unknown_name_message("split", split, {"train", "valid"}));

  auto store = open_results(vm["db"].as<std::string>());
  request.db = &store->db();
  request.runs = select_runs(store->db(), filter);
  request.group_by = vm["by"].as<std::string>();
  request.metric = vm["metric"].as<std::string>();
  request.split = split;
  request.x = x;
  // Figure names say what is drawn, not which runs: one default folder per sweep keeps sweeps apart.
  std::string dir = vm["out-dir"].as<std::string>();
  if (vm["out-dir"].defaulted() && filter.sweeps.size() == 1) dir += "/" + safe_file_name(filter.sweeps.front());
  size_t drawn = 0;
  for (const auto& k : kinds) {
    auto plot = plot_registry().get(k).make();
    if (kind == "all" && !offers_metric(*plot, request.metric, store->db())) {
      std::cerr << fmt::format("{}: skipped, it draws no --metric {} (it draws: {})\n", k, request.metric,
                               plot->metrics().empty() ? "the recorded metric keys" : join(plot->metrics()));
      continue;
    }
    auto figures = plot->figures(request);
    if (figures.empty()) {
      if (kind != "all")
        throw UserError(fmt::format("nothing to plot for {}: the selected runs have no {}", k, plot->needs()));
      std::cerr << fmt::format("{}: skipped, the selected runs have no {}\n", k, plot->needs());
      continue;
    }
    for (const auto& figure : figures) {
      for (const auto& picture : render(figure, dir, formats)) std::cout << picture << "\n";
      ++drawn;
    }
  }
  if (drawn == 0) throw UserError("nothing to plot: the selected runs have no data any plot needs");
  return 0;
}

}  // namespace gatelab::cli
