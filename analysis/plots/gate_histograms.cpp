// Gate-value histograms: for each run, the distribution of gate values (decays alpha of linear gates, g and F
// of refining gates, softmax gate scores) per layer at three evaluations: the first (the init, step 0), the one
// nearest the middle of training and the last, so a reader sees whether saturated gates leave saturation.
// Saturation shows up as mass piled into the first or last bin. One picture per run.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "analysis/plots/gnuplot.h"
#include "analysis/plots/plot.h"
#include "harness/util/file_names.h"

namespace gatelab::analysis {

namespace {

// The steps drawn for one run: its first evaluation with histograms, the one nearest the middle of training and its
// last (fewer when the run has fewer), in order.
std::vector<std::string> drawn_steps(const Table& all, const std::string& run) {
  std::vector<long long> steps;
  for (const auto& row : all.rows)
    if (row[all.column("run_id")].str() == run) steps.push_back(std::stoll(row[all.column("step")].str()));
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  const double middle = (steps.front() + steps.back()) / 2.0;
  const long long nearest = *std::min_element(steps.begin(), steps.end(), [&](long long a, long long b) {
    return std::abs(a - middle) < std::abs(b - middle);
  });
  std::vector<long long> chosen{steps.front(), nearest, steps.back()};
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  std::vector<std::string> out;
  for (long long step : chosen) out.push_back(std::to_string(step));
  return out;
}

// One curve per layer and quantity (its colour) and drawn step (its dash: dotted at the start, dashed in the
// middle, solid at the end).
std::string script(const Figure& figure, const std::string& metric, const std::vector<std::string>& steps,
                   const PlotRequest& request) {
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
  s += gp::user_axes(request.axes) + "plot ";
  const int dash_of_last = 1, dash_of_middle = 2, dash_of_first = 3;
  bool first_clause = true;
  for (size_t i = 0; i < series.size(); ++i)
    for (size_t k = 0; k < steps.size(); ++k) {
      const int dash = k + 1 == steps.size() ? dash_of_last : k == 0 ? dash_of_first : dash_of_middle;
      // 0 cannot sit on a log axis: empty bins are left out of the curve (the CSV keeps them).
      s += fmt::format(
          "{}{} using 'center':(column('series_index') == {} && column('step') == {} && column({}) > 0 ? "
          "column({}) : NaN) with histeps lw 2 dt {} lc rgb {} title {}",
          first_clause ? "" : ", \\\n     ", first_clause ? gp::quote(figure.stem + ".csv") : "''", i, steps[k],
          gp::quote(metric), gp::quote(metric), dash, gp::quote(gp::colour(i)),
          gp::quote(series[i] + ", step " + steps[k]));
      first_clause = false;
    }
  return s + "\n";
}

class GateHistograms : public Plot {
 public:
  std::vector<Figure> figures(const PlotRequest& request) const override {
    std::vector<std::string> params;
    const std::string in = request.runs.sql_in("h.run_id", params);
    // Each bin's share of the values in its layer, quantity and step, so layers and runs with different evaluation
    // sizes compare directly.
    Table all = select(*request.db,
                       fmt::format(R"sql(
        SELECT h.step, h.layer, h.bin, h.lo, h.hi, (h.lo + h.hi) / 2 AS center, h.count,
               CAST(h.count AS REAL) / sum(h.count) OVER (PARTITION BY h.run_id, h.step, h.layer, h.quantity) AS share,
               h.run_id, h.run_name, h.variant, h.quantity, 'layer ' || h.layer || ' ' || h.quantity AS series
        FROM gate_histogram_rows h
        WHERE {}
        ORDER BY h.run_name, h.run_id, h.layer, h.quantity, h.step, h.bin)sql",
                                   in),
                       params);
    // --metric count draws raw counts; the default, share, compares runs of different evaluation sizes.
    const std::string chosen = chosen_metric(*this, "gate_histograms", request);
    const std::string metric = chosen.empty() ? "share" : chosen;
    std::vector<Figure> out;
    for (const auto& run : gp::distinct(all, "run_id")) {
      Figure figure;
      figure.data.columns = all.columns;
      const std::vector<std::string> steps = drawn_steps(all, run);
      for (const auto& row : all.rows)
        if (row[all.column("run_id")].str() == run &&
            std::count(steps.begin(), steps.end(), row[all.column("step")].str()))
          figure.data.rows.push_back(row);
      gp::prepend_index(figure.data, "series", "series_index");  // see gnuplot.h
      const auto& first = figure.data.rows.front();
      const std::string name = first[figure.data.column("run_name")].str();
      figure.stem = "gate_histograms_" + (metric == "share" ? "" : metric + "_") + safe_file_name(name);
      figure.title = fmt::format("gate values at steps {}: {} ({})", fmt::join(steps, ", "), name,
                                 first[figure.data.column("variant")].str());
      figure.script = script(figure, metric, steps, request);
      const size_t entries = gp::distinct(figure.data, "series").size() * steps.size();
      figure.height = 540 + 20 * static_cast<int>((entries + 2) / 3);
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
