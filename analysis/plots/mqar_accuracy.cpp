// MQAR accuracy against model width (Zoology's figure): the accuracy at the best learning rate (mqar_best_lr)
// against d_model, one line per variant, one panel per (L, D).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "analysis/plots/gnuplot.h"
#include "analysis/plots/plot.h"

namespace gatelab::analysis {

namespace {

class MqarAccuracy : public Plot {
 public:
  std::vector<Figure> figures(const PlotRequest& request) const override {
    std::vector<std::string> params;
    const std::string in = request.runs.sql_in("b.best_run_id", params);
    Figure figure;
    figure.data = select(*request.db,
                         fmt::format(R"sql(
        SELECT b.seq_len, b.num_kv, b.n_layers, b.d_model, b.best_accuracy, b.final_accuracy, b.best_lr, b.n_lrs, b.variant,
               'L=' || b.seq_len || ', D=' || b.num_kv AS panel, b.best_run_id
        FROM mqar_best_lr b WHERE {}
        ORDER BY b.seq_len, b.num_kv, b.variant, b.n_layers, b.d_model)sql",
                                     in),
                         params);
    if (figure.data.empty()) return {};
    const std::string chosen = chosen_metric(*this, "mqar_accuracy", request);
    const std::string metric = chosen.empty() ? "best_accuracy" : chosen;
    figure.stem = metric == "best_accuracy" ? "mqar_accuracy" : "mqar_" + metric;
    figure.title = std::string("MQAR ") + (metric == "best_accuracy" ? "accuracy" : "final-evaluation accuracy") +
                   " at the best learning rate vs model width";
    // One line per variant; per (variant, depth) when the runs differ in depth.
    const bool several_depths = gp::distinct(figure.data, "n_layers").size() > 1;
    figure.data.columns.push_back("series");
    for (auto& row : figure.data.rows) {
      Cell series;
      series.type = Cell::Type::Text;
      series.text = row[figure.data.column("variant")].str() +
                    (several_depths ? ", " + row[figure.data.column("n_layers")].str() + " layers" : "");
      row.push_back(series);
    }
    const auto panels = gp::distinct(figure.data, "panel");
    const auto variants = gp::distinct(figure.data, "series");
    gp::prepend_index(figure.data, "series", "series_index");  // see gnuplot.h
    gp::prepend_index(figure.data, "panel", "panel_index");
    const int cols = std::min<int>(static_cast<int>(panels.size()), 2);
    const int rows = (static_cast<int>(panels.size()) + cols - 1) / cols;
    figure.width = 520 * cols + 200;
    figure.height = (420 + 18 * static_cast<int>(variants.size())) * rows + 40;
    std::string s = gp::preamble();
    s += fmt::format("set multiplot layout {},{} title {}\n", rows, cols, gp::quote(figure.title));
    s += "set xlabel 'd_model (hidden size)'\nset ylabel 'accuracy (fraction of queries)'\nset yrange [-0.03:1.03]\n";
    // Widths come in doublings (64..512): a log2 axis spaces them evenly.
    s += gp::log_scale_if_wide(gp::numbers(figure.data, "d_model"), "x", 3.9, 2);
    std::vector<double> widths = gp::numbers(figure.data, "d_model");
    std::sort(widths.begin(), widths.end());
    widths.erase(std::unique(widths.begin(), widths.end()), widths.end());
    s += "set autoscale xfix\n";  // the x axis ends at the widths measured (the offsets keep the end points visible)
    s += "set xtics (";
    for (size_t i = 0; i < widths.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", widths[i]);
    s += ")\nset offsets graph 0.05, graph 0.05, 0, 0\n";
    // Legend below each panel, one variant per line; the margin grows with it so it clears the x label.
    s += fmt::format("set key below maxcols 1 box\nset bmargin {}\n", 4 + variants.size());
    for (size_t p = 0; p < panels.size(); ++p) {
      const auto& panel = panels[p];
      s += fmt::format("set title {}\n", gp::quote("MQAR " + panel));
      s += gp::user_axes(request.axes) + "plot ";
      for (size_t i = 0; i < variants.size(); ++i)
        s += fmt::format(
            "{}{} using 'd_model':(column('panel_index') == {} && column('series_index') == {} ? "
            "column({}) : NaN) with linespoints lw 2 pt 7 lc rgb {} title {}",
            i ? ", \\\n     " : "", i ? "''" : gp::quote(figure.stem + ".csv"), p, i, gp::quote(metric),
            gp::quote(gp::colour(i)), gp::quote(variants[i]));
      s += "\n";
    }
    s += "unset multiplot\n";
    figure.script = s;
    return {figure};
  }
  std::string needs() const override { return "MQAR runs with validation accuracy"; }
  std::vector<std::string> metrics() const override { return {"best_accuracy", "final_accuracy"}; }
};

}  // namespace

std::unique_ptr<Plot> make_mqar_accuracy_plot() { return std::make_unique<MqarAccuracy>(); }

}  // namespace gatelab::analysis
