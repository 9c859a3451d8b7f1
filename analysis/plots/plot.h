// `gatelab plot` kinds: one interface, one file per kind, one registration line in analysis/plots/builtin.cpp.
// A plot reads the results views and returns Figures: the data (written as <stem>.csv) and a gnuplot script
// that reads that CSV (written as <stem>.gp); render.h turns them into PNG and SVG. Keeping the CSV and the
// script beside each picture lets a user restyle it without gatelab.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <string>
#include <vector>

#include "analysis/selection.h"
#include "analysis/table.h"
#include "harness/util/registry.h"

namespace gatelab::analysis {

struct PlotRequest {
  SQLite::Database* db = nullptr;
  RunSelection runs;                 // the runs to draw
  std::string group_by = "variant";  // loss_curves: the ablation axis (a run_axes column) that colours the curves
  std::string metric = "loss";       // loss_curves: the metrics key
  std::string split = "valid";       // loss_curves: train | valid
};

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
};

using PlotFactory = std::unique_ptr<Plot> (*)();
const Registry<PlotFactory>& plot_registry();

// The run_axes columns a plot may group by (loss_curves --by).
const std::vector<std::string>& groupable_axes();

}  // namespace gatelab::analysis
