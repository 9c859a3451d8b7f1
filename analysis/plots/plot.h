// `gatelab plot` kinds: one interface, one file per kind, one registration line in analysis/plots/builtin.cpp.
// A plot reads the results views and returns Figures: the data (written as <stem>.csv) and a gnuplot script
// that reads that CSV (written as <stem>.gp); render.h turns them into PNG and SVG. Keeping the CSV and the
// script beside each picture lets a user restyle it without gatelab.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <string>
#include <vector>

#include "analysis/plots/gnuplot.h"
#include "analysis/selection.h"
#include "analysis/table.h"
#include "harness/util/registry.h"

namespace gatelab::analysis {

struct PlotRequest {
  SQLite::Database* db = nullptr;
  RunSelection runs;                 // the runs to draw
  std::string group_by = "variant";  // loss_curves: the ablation axis (a run_axes column) that colours the curves
  std::string metric;                // what to draw: one of the kind's metrics(), "" for its default
  std::string split = "valid";       // loss_curves: train | valid
  std::string x = "step";            // loss_curves: step | tokens | time (see x_axes())
  gp::AxisOptions axes;              // --logx/--logy/--xlim/--ylim: applied to every panel of every kind
};

// The x axes of curves over training (loss_curves --x): step, tokens (step x batch x sequence length) and time
// (training seconds from the run's mean throughput; metric_rows).
const std::vector<std::string>& x_axes();

struct Figure {
  std::string stem;    // file name without extension, e.g. "loss_curves" or "gate_histograms_run3"
  std::string title;   // shown above the picture in the report
  Table data;          // written as <stem>.csv (tidy: one observation per row)
  std::string script;  // gnuplot commands reading '<stem>.csv'; no terminal or output (the renderer sets them)
  int width = 900;     // picture size in pixels
  int height = 540;
};

class Plot {
 public:
  virtual ~Plot() = default;
  // The figures for the selected runs; empty when they recorded none of the data this plot needs.
  virtual std::vector<Figure> figures(const PlotRequest& request) const = 0;
  // What the plot needs, for "nothing to plot" messages: e.g. "gate statistics (gated runs)".
  virtual std::string needs() const = 0;
  // The values --metric takes for this kind (without --metric it draws all of them, a panel each, or its one
  // natural measure); empty: any recorded metric key, default loss (loss_curves).
  virtual std::vector<std::string> metrics() const = 0;
};

using PlotFactory = std::unique_ptr<Plot> (*)();
const Registry<PlotFactory>& plot_registry();

// The metric a request draws with `plot`: the request's, checked against the kind's metrics() (UserError naming
// them); without one, "loss" for a kind taking any metric key and "" (its default picture) for the others.
std::string chosen_metric(const Plot& plot, const std::string& kind, const PlotRequest& request);

// The run_axes columns a plot may group by (loss_curves --by).
const std::vector<std::string>& groupable_axes();

}  // namespace gatelab::analysis
