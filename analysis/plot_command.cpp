// `gatelab plot KIND`: renders a plot kind (or all of them) through gnuplot to PNG and SVG, keeping the CSV and
// the .gp script beside each picture.
#include <fmt/format.h>

#include <iostream>

#include "analysis/datasets.h"
#include "analysis/plots/plot.h"
#include "analysis/plots/render.h"
#include "analysis/selection.h"
#include "harness/util/cli_options.h"
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

}  // namespace

int plot_command(const std::vector<std::string>& args) {
  using namespace gatelab::analysis;
  po::options_description options("gatelab plot options");
  RunFilter filter;
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
      "metric", po::value<std::string>()->default_value("loss"), "loss_curves: the metrics key to draw")(
      "split", po::value<std::string>()->default_value("valid"), "loss_curves: train or valid")(
      "out-dir,o", po::value<std::string>()->default_value("plots"), "folder for the pictures, CSVs and scripts")(
      "format", po::value<std::string>()->default_value("png,svg"), "picture formats, comma-separated: png, svg");
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
  if (formats.empty()) throw UserError("gatelab plot: --format names no format (png, svg)");
  for (const auto& f : formats)
    if (f != "png" && f != "svg") throw UserError(unknown_name_message("picture format", f, picture_formats()));
  const std::string split = vm["split"].as<std::string>();
  if (split != "train" && split != "valid") throw UserError(unknown_name_message("split", split, {"train", "valid"}));

  auto store = open_results(vm["db"].as<std::string>());
  PlotRequest request;
  request.db = &store->db();
  request.runs = select_runs(store->db(), filter);
  request.group_by = vm["by"].as<std::string>();
  request.metric = vm["metric"].as<std::string>();
  request.split = split;
  const std::string dir = vm["out-dir"].as<std::string>();
  size_t drawn = 0;
  for (const auto& k : kinds) {
    auto plot = plot_registry().get(k).make();
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
