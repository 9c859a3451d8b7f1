// Gate-value histograms: for each run, the distribution of gate values (decays alpha of linear gates, g and F
// of refining gates, softmax gate scores) per layer at its last evaluation. Saturation shows up as mass piled
// into the first or last bin. One picture per run.
#include <fmt/format.h>

#include "analysis/plots/gnuplot.h"
#include "analysis/plots/plot.h"
#include "harness/util/file_names.h"

namespace gatelab::analysis {

namespace {

class GateHistograms : public Plot {
 public:
  std::vector<Figure> figures(const PlotRequest& request) const override {
    std::vector<std::string> params;
    const std::string in = request.runs.sql_in("h.run_id", params);
    // Each bin's share of the values in its layer and quantity (gate_histogram_by_layer), so layers and runs with
    // different evaluation sizes compare directly.
    Table all = select(*request.db,
                       fmt::format(R"sql(
        SELECT h.step, h.layer, h.bin, h.lo, h.hi, (h.lo + h.hi) / 2 AS center, h.count, h.share,
               h.run_id, h.name AS run_name, h.variant, h.quantity, 'layer ' || h.layer || ' ' || h.quantity AS series
        FROM gate_histogram_by_layer h
        WHERE {}
        ORDER BY h.name, h.run_id, h.layer, h.quantity, h.bin)sql",
                                   in),
                       params);
    // --metric count draws raw counts; the default, share, compares runs of different evaluation sizes.
    const std::string chosen = chosen_metric(*this, "gate_histograms", request);
    const std::string metric = chosen.empty() ? "share" : chosen;
    std::vector<Figure> out;
    for (const auto& run : gp::distinct(all, "run_id")) {
      Figure figure;
      figure.data.columns = all.columns;
      for (const auto& row : all.rows)
        if (row[all.column("run_id")].str() == run) figure.data.rows.push_back(row);
      gp::prepend_index(figure.data, "series", "series_index");  // see gnuplot.h
      const auto& first = figure.data.rows.front();
      const std::string name = first[figure.data.column("run_name")].str();
      figure.stem = "gate_histograms_" + (metric == "share" ? "" : metric + "_") + safe_file_name(name);
      figure.title = fmt::format("gate values at step {}: {} ({})", first[figure.data.column("step")].str(), name,
                                 first[figure.data.column("variant")].str());
      std::string s = gp::preamble();
      s += fmt::format("set title {}\n", gp::quote(figure.title));
      s += "set xlabel 'gate value (bins over [0, 1])'\nset ylabel " +
           gp::quote(metric == "share" ? "share of gate values per bin" : "gate values per bin (count)") + "\n";
      s += "set xrange [0:1]\n";
      std::vector<double> shares;
      for (double v : gp::numbers(figure.data, metric))
        if (v > 0) shares.push_back(v);
      // Saturated gates put nearly everything in one bin: a log axis keeps the other bins visible.
      s += gp::log_scale_if_wide(shares, "y", 100);
      const auto series = gp::distinct(figure.data, "series");
      // The legend below the plot, three entries a row: it never narrows the plot area.
      s += "set key below left maxcols 3 box\n";
      figure.height = 540 + 20 * static_cast<int>((series.size() + 2) / 3);
      s += gp::user_axes(request.axes) + "plot ";
      for (size_t i = 0; i < series.size(); ++i) {
        // 0 cannot sit on a log axis: empty bins are left out of the curve (the CSV keeps them).
        s += fmt::format(
            "{}{} using 'center':(column('series_index') == {} && column({}) > 0 ? column({}) : NaN) "
            "with histeps lw 2 lc rgb {} title {}",
            i ? ", \\\n     " : "", i ? "''" : gp::quote(figure.stem + ".csv"), i, gp::quote(metric), gp::quote(metric),
            gp::quote(gp::colour(i)), gp::quote(series[i]));
      }
      s += "\n";
      figure.script = s;
      out.push_back(std::move(figure));
    }
    return out;
  }
  std::string needs() const override { return "gate histograms (runs with a linear decay gate or a softmax gate)"; }
  std::vector<std::string> metrics() const override { return {"share", "count"}; }
};

}  // namespace

std::unique_ptr<Plot> make_gate_histograms_plot() { return std::make_unique<GateHistograms>(); }

}  // namespace gatelab::analysis
