// Loss curves: one metric (default: validation loss) against training progress (step, tokens or time), one
// curve per case (a config without its seed), coloured by the value of one ablation axis (--by), so "which gate
// position learns fastest" is one picture. A case run with several seeds is drawn as the mean over its seeds
// with a shaded band, the 95% interval of the mean (metric_by_case: t-based, see results/views).
#include <fmt/format.h>

#include <algorithm>

#include "analysis/datasets.h"
#include "analysis/plots/gnuplot.h"
#include "analysis/plots/plot.h"
#include "harness/util/errors.h"
#include "harness/util/file_names.h"

namespace gatelab::analysis {

namespace {

struct XAxis {
  std::string column, label;
};

XAxis x_axis(const std::string& x) {
  if (x == "step") return {"step", "step (optimizer steps)"};
  if (x == "tokens") return {"tokens", "training tokens"};
  if (x == "time") return {"time_s", "training time (s, from mean throughput)"};
  throw UserError(unknown_name_message("x axis", x, x_axes()));
}

class LossCurves : public Plot {
 public:
  std::vector<Figure> figures(const PlotRequest& request) const override {
    const auto& axes = groupable_axes();
    if (std::find(axes.begin(), axes.end(), request.group_by) == axes.end())
      throw UserError(unknown_name_message("ablation axis", request.group_by, axes));
    const std::string metric = chosen_metric(*this, "loss_curves", request);
    const XAxis x = x_axis(request.x);
    std::vector<std::string> params{metric, request.split};
    const std::string in = request.runs.sql_in("r.run_id", params);
    // The cases of the selected runs, each with every seed the DB holds.
    Table all = select(*request.db,
                       fmt::format(R"sql(
        SELECT m.step, m.tokens, m.time_s, m.mean AS "{1}", m.ci95_low, m.ci95_high, m.n_seeds, m.case_id,
               m.case_name, a.variant, coalesce(CAST(a.{0} AS TEXT), 'n/a') AS {0}, coalesce(a.task, 'n/a') AS task
        FROM metric_by_case m JOIN run_axes a ON a.run_id = m.case_id
        WHERE m.key = ?1 AND m.split = ?2
          AND m.case_id IN (SELECT c.case_id FROM run_cases c JOIN run_axes r ON r.run_id = c.run_id WHERE {2})
        ORDER BY {0}, m.case_name, m.case_id, m.step)sql",
                                   request.group_by, metric, in),
                       params);
    // Losses of different tasks are not comparable (nats per MQAR answer vs per byte): one figure per task.
    const auto tasks = gp::distinct(all, "task");
    std::vector<Figure> out;
    for (const auto& task : tasks) {
      Figure figure;
      figure.data.columns = all.columns;
      for (const auto& row : all.rows)
        if (row[all.column("task")].str() == task) figure.data.rows.push_back(row);
      out.push_back(draw(request, metric, x, std::move(figure), tasks.size() > 1 ? task : ""));
    }
    return out;
  }

  // One figure: a curve (and band) per case, coloured by its group; `task` names the task when there are several.
  static Figure draw(const PlotRequest& request, const std::string& metric, const XAxis& x, Figure figure,
                     const std::string& task) {
    gp::prepend_index(figure.data, "case_id", "case_index");  // curves are selected by index (see gnuplot.h)
    const std::string split_word = request.split == "valid" ? "validation" : "training";
    figure.stem = "loss_curves";
    if (metric != "loss" || request.split != "valid") figure.stem += "_" + request.split + "_" + safe_file_name(metric);
    if (request.group_by != "variant") figure.stem += "_by_" + request.group_by;
    if (request.x != "step") figure.stem += "_vs_" + request.x;
    if (!task.empty()) figure.stem += "_" + safe_file_name(task);
    bool seeded = false;
    for (double n : gp::numbers(figure.data, "n_seeds")) seeded = seeded || n > 1;
    figure.title =
        fmt::format("{} {} by {}{}{}", split_word, metric, request.group_by, task.empty() ? "" : " (task " + task + ")",
                    seeded ? ", mean over seeds with 95% band" : "");

    std::string s = gp::preamble();
    s += fmt::format("set title {}\n", gp::quote(figure.title));
    s += fmt::format("set xlabel {}\n", gp::quote(x.label));
    s += fmt::format("set ylabel {}\n", gp::quote(split_word + " " + gp::metric_label(metric)));
    s += gp::log_scale_if_wide(gp::numbers(figure.data, metric), "y");
    s += gp::log_scale_if_wide(gp::numbers(figure.data, x.column), "x", 100);
    s += "set autoscale xfix\n";  // the x axis ends where the data ends, not at the next tic
    const auto groups = gp::distinct(figure.data, request.group_by);
    // The legend below the plot, two entries a row, so long variant names never squeeze the plot area.
    s += fmt::format("set key below left maxcols 2 box title {}\n", gp::quote(request.group_by));
    std::vector<std::string> bands, lines, titled;
    const size_t case_col = figure.data.column("case_id"), group_col = figure.data.column(request.group_by);
    std::vector<std::string> seen_cases;
    for (const auto& row : figure.data.rows) {
      const std::string id = row[case_col].str(), group = row[group_col].str();
      if (std::find(seen_cases.begin(), seen_cases.end(), id) != seen_cases.end()) continue;
      const size_t index = seen_cases.size();
      seen_cases.push_back(id);
      size_t g = static_cast<size_t>(std::find(groups.begin(), groups.end(), group) - groups.begin());
      bool first_of_group = std::find(titled.begin(), titled.end(), group) == titled.end();
      if (first_of_group) titled.push_back(group);
      // The band: 95% interval of the mean over seeds (empty for a single seed, so nothing is drawn).
      bands.push_back(
          fmt::format("'' using {}:{}:'ci95_high' with filledcurves fs transparent solid 0.18 noborder "
                      "lc rgb {} notitle",
                      gp::quote(x.column), gp::where("case_index", index, "ci95_low"), gp::quote(gp::colour(g))));
      lines.push_back(fmt::format("'' using {}:{} with linespoints lw 1.5 pt {} ps 0.6 lc rgb {} {}",
                                  gp::quote(x.column), gp::where("case_index", index, metric),
                                  7 + static_cast<int>(g % 6), gp::quote(gp::colour(g)),
                                  first_of_group ? "title " + gp::quote(group) : std::string("notitle")));
    }
    std::vector<std::string> clauses = bands;  // bands first, so every line is drawn over them
    clauses.insert(clauses.end(), lines.begin(), lines.end());
    clauses.front().replace(0, 2, gp::quote(figure.stem + ".csv"));
    s += gp::user_axes(request.axes) + "plot ";
    for (size_t i = 0; i < clauses.size(); ++i) s += (i ? ", \\\n     " : "") + clauses[i];
    s += "\n";
    figure.script = s;
    figure.width = 960;
    figure.height = 560 + 20 * static_cast<int>((groups.size() + 1) / 2);
    return figure;
  }
  std::string needs() const override { return "values of the chosen metric (see --metric and --split)"; }
  std::vector<std::string> metrics() const override { return {}; }
};

}  // namespace

std::unique_ptr<Plot> make_loss_curves_plot() { return std::make_unique<LossCurves>(); }

}  // namespace gatelab::analysis
