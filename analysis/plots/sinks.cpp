// Attention sinks by layer (docs/RESEARCH.md 2.1): first-token attention share (F-Attn) and max activation (M-Act)
// per layer at each run's last evaluation, ungated baselines dashed, gated runs solid — the picture of "gating
// removes the sink and the massive activations".
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "analysis/plots/gnuplot.h"
#include "analysis/plots/plot.h"

namespace gatelab::analysis {

namespace {

class Sinks : public Plot {
 public:
  std::vector<Figure> figures(const PlotRequest& request) const override {
    std::vector<std::string> params;
    const std::string in = request.runs.sql_in("l.run_id", params);
    Figure figure;
    figure.data = select(*request.db,
                         fmt::format(R"sql(
        SELECT l.step, l.layer, l.gated, l.first_token_share, l.max_activation, l.run_id, l.name AS run_name,
               l.variant, l.attn_kind,
               CASE WHEN l.name = l.run_id THEN l.variant || ' [' || substr(l.run_id, 1, 6) || ']' ELSE l.name END
                 || CASE WHEN l.gated THEN '' ELSE ' (ungated baseline)' END AS series
        FROM sink_by_layer l WHERE {}
        ORDER BY l.gated, l.name, l.run_id, l.layer)sql",
                                     in),
                         params);
    if (figure.data.empty()) return {};
    gp::prepend_index(figure.data, "series", "series_index");  // see gnuplot.h
    figure.stem = "sinks";
    const std::string metric = chosen_metric(*this, "sinks", request);
    if (!metric.empty()) figure.stem += "_" + metric;
    const auto series = gp::distinct(figure.data, "series");
    std::vector<bool> gated;
    for (const auto& name : series)
      for (const auto& row : figure.data.rows)
        if (row[figure.data.column("series")].str() == name) {
          gated.push_back(row[figure.data.column("gated")].integer != 0);
          break;
        }
    bool any_share = false;
    for (double v : gp::numbers(figure.data, "first_token_share")) any_share = any_share || std::isfinite(v);
    const bool show_share = any_share && metric != "max_activation", show_act = metric != "first_token_share";
    if (!show_share && !show_act) return {};  // --metric first_token_share without softmax layers
    const int panels = show_share && show_act ? 2 : 1;
    // The title says what the picture holds: its panels, and "ungated vs gated" only when it has both.
    const bool any_gated = std::count(gated.begin(), gated.end(), true) > 0,
               any_ungated = std::count(gated.begin(), gated.end(), false) > 0;
    figure.title = std::string(show_share && show_act ? "first-token attention share and max activation"
                               : show_share           ? "first-token attention share"
                                                      : "max activation") +
                   " by layer" +
                   (any_gated && any_ungated ? ": ungated vs gated"
                    : any_gated              ? " (gated runs)"
                                             : " (ungated runs)");
    figure.width = panels == 2 ? 1200 : 800;
    figure.height = 520 + 18 * static_cast<int>(series.size());
    std::string s = gp::preamble();
    s += fmt::format("set multiplot layout 1,{} title {}\n", panels, gp::quote(figure.title + " (last evaluation)"));
    s += "set xlabel 'layer (0 = first block)'\nset xtics 1\n";
    double last_layer = 0;
    for (double layer : gp::numbers(figure.data, "layer")) last_layer = std::max(last_layer, layer);
    s += fmt::format("set xrange [-0.3:{}]\n", last_layer + 0.3);
    // The legend sits below the panels, one run per line; the margin grows with it so it clears the x label.
    // One legend, under the first panel (both panels show the same runs); the bottom margin is set for both
    // so their plot areas line up.
    s += fmt::format("set key below left maxcols 1 box\nset bmargin {}\n", 4 + series.size());
    auto panel = [&](const std::string& title, const std::string& ylabel, const std::string& column) {
      s += fmt::format("set title {}\nset ylabel {}\n", gp::quote(title), gp::quote(ylabel));
      s += gp::user_axes(request.axes) + "plot ";
      // Series are dodged sideways around their layer, so runs with equal values (or one layer) stay apart.
      for (size_t i = 0; i < series.size(); ++i)
        s += fmt::format("{}{} using {}:{} with linespoints lw 2 pt {} dt {} lc rgb {} title {}",
                         i ? ", \\\n     " : "", i ? "''" : gp::quote(figure.stem + ".csv"),
                         gp::dodge("layer", i, series.size()), gp::where("series_index", i, column), gated[i] ? 7 : 6,
                         gated[i] ? 1 : 2, gp::quote(gp::colour(i)), gp::quote(series[i]));
      s += "\n";
    };
    if (show_share) {
      s += "set yrange [0:*]\n";
      panel("first-token attention share (F-Attn; softmax layers)", "mean attention on token 0 (queries i >= 1)",
            "first_token_share");
      s += "set autoscale y\nunset key\n";
    }
    // Massive activations span decades (1e2..1e3 in the paper vs ~1 elsewhere): log axis when they do.
    s += gp::log_scale_if_wide(gp::numbers(figure.data, "max_activation"), "y");
    if (show_act)
      panel("max activation (M-Act) of the residual stream", "max |h_l| over tokens and channels", "max_activation");
    s += "unset multiplot\n";
    figure.script = s;
    return {figure};
  }
  std::string needs() const override { return "per-layer statistics (layer_stats rows)"; }
  std::vector<std::string> metrics() const override { return {"first_token_share", "max_activation"}; }
};

}  // namespace

std::unique_ptr<Plot> make_sinks_plot() { return std::make_unique<Sinks>(); }

}  // namespace gatelab::analysis
