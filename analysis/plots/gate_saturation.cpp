// Gate saturation by layer (docs/RESEARCH.md 2.1): the share of gate values below eps or above 1 - eps, and the mean
// gate value with its 5%-95% band, per layer at each run's last evaluation. Two panels, one line per run and
// gate quantity.
#include <fmt/format.h>

#include <algorithm>

#include "analysis/plots/gnuplot.h"
#include "analysis/plots/plot.h"

namespace gatelab::analysis {

namespace {

class GateSaturation : public Plot {
 public:
  std::vector<Figure> figures(const PlotRequest& request) const override {
    std::vector<std::string> params;
    const std::string in = request.runs.sql_in("g.run_id", params);
    Figure figure;
    figure.data = select(*request.db,
                         fmt::format(R"sql(
        SELECT g.step, g.layer, g.saturation, g.sat_low, g.sat_high, g.max_head_saturation, g.mean, g.q05, g.q95,
               g.eps, g.run_id, g.name AS run_name, g.variant, g.quantity,
               CASE WHEN g.name = g.run_id THEN g.variant || ' [' || substr(g.run_id, 1, 6) || ']' ELSE g.name END
                 || ': ' || g.quantity AS series
        FROM gate_saturation_by_layer g WHERE {}
        ORDER BY g.name, g.run_id, g.quantity, g.layer)sql",
                                     in),
                         params);
    if (figure.data.empty()) return {};
    gp::prepend_index(figure.data, "series", "series_index");  // see gnuplot.h
    const std::string metric = chosen_metric(*this, "gate_saturation", request);
    const bool show_saturation = metric != "mean", show_mean = metric != "saturation";
    figure.stem = "gate_saturation" + (metric.empty() ? "" : "_" + metric);
    figure.title = show_saturation && show_mean ? "gate saturation and mean gate value by layer"
                   : show_saturation            ? "gate saturation by layer"
                                                : "mean gate value by layer";
    figure.width = show_saturation && show_mean ? 1200 : 800;
    figure.height = 520;
    const auto series = gp::distinct(figure.data, "series");
    const std::string eps = figure.data.rows.front()[figure.data.column("eps")].str();
    std::string s = gp::preamble();
    s += fmt::format("set multiplot layout 1,{} title {}\n", show_saturation && show_mean ? 2 : 1,
                     gp::quote(figure.title + " (last evaluation)"));
    s += "set xlabel 'layer (0 = first block)'\nset xtics 1\n";
    double last_layer = 0;
    for (double layer : gp::numbers(figure.data, "layer")) last_layer = std::max(last_layer, layer);
    s += fmt::format("set xrange [-0.3:{}]\n", last_layer + 0.3);
    // The legend sits below the panels, one run per line; the margin grows with it so it clears the x label.
    // One legend, under the first panel (both panels show the same runs); the bottom margin is set for both
    // so their plot areas line up.
    s += fmt::format("set key below left maxcols 1 box\nset bmargin {}\n", 4 + series.size());
    auto panel = [&](const std::string& title, const std::string& ylabel, const std::string& using_y,
                     const std::string& style) {
      s += fmt::format("set title {}\nset ylabel {}\n", gp::quote(title), gp::quote(ylabel));
      s += gp::user_axes(request.axes) + "plot ";
      // Series are dodged sideways around their layer, so a single-layer model's series stay apart.
      for (size_t i = 0; i < series.size(); ++i)
        s += fmt::format("{}{} using {}:{} with {} lw 2 pt 7 lc rgb {} title {}", i ? ", \\\n     " : "",
                         i ? "''" : gp::quote(figure.stem + ".csv"), gp::dodge("layer", i, series.size()),
                         fmt::format(fmt::runtime(using_y), i), style, gp::quote(gp::colour(i)), gp::quote(series[i]));
      s += "\n";
    };
    s += "set yrange [0:1]\n";
    if (show_saturation) {
      panel(fmt::format("saturated share (values < {0} or > 1 - {0})", eps), "share of gate values",
            "(column('series_index') == {} ? column('saturation') : NaN)", "linespoints");
      s += "unset key\n";
    }
    if (show_mean)
      panel("mean gate value, bars: 5% to 95% quantiles", "gate value",
            "(column('series_index') == {0} ? column('mean') : NaN):'q05':'q95'", "yerrorlines");
    s += "unset multiplot\n";
    figure.script = s;
    figure.height = 520 + 18 * static_cast<int>(series.size());
    return {figure};
  }
  std::string needs() const override { return "gate statistics (runs with a linear decay gate or a softmax gate)"; }
  std::vector<std::string> metrics() const override { return {"saturation", "mean"}; }
};

}  // namespace

std::unique_ptr<Plot> make_gate_saturation_plot() { return std::make_unique<GateSaturation>(); }

}  // namespace gatelab::analysis
