// Loss curves: one metric (default: validation loss) against step, one curve per run, coloured by the value of
// one ablation axis (--by), so "which gate position learns fastest" is one picture.
#include <fmt/format.h>

#include <algorithm>

#include "analysis/datasets.h"
#include "analysis/plots/gnuplot.h"
#include "analysis/plots/plot.h"
#include "harness/util/errors.h"
#include "harness/util/file_names.h"

namespace gatelab::analysis {

namespace {

class LossCurves : public Plot {
 public:
  std::vector<Figure> figures(const PlotRequest& request) const override {
    const auto& axes = groupable_axes();
    if (std::find(axes.begin(), axes.end(), request.group_by) == axes.end())
      throw UserError(unknown_name_message("ablation axis", request.group_by, axes));
    check_metric_key(*request.db, request.metric);
    std::vector<std::string> params{request.metric, request.split};
    const std::string in = request.runs.sql_in("m.run_id", params);
    Table all = select(*request.db,
                       fmt::format(R"sql(
        SELECT m.step, m.value AS "{1}", m.run_id, a.name AS run_name, a.variant,
               coalesce(CAST(a.{0} AS TEXT), 'n/a') AS {0}, coalesce(a.task, 'n/a') AS task
        FROM metric_rows m JOIN run_axes a ON a.run_id = m.run_id
        WHERE m.key = ?1 AND m.split = ?2 AND {2}
        ORDER BY {0}, a.name, m.run_id, m.step)sql",
                                   request.group_by, request.metric, in),
                       params);
    // Losses of different tasks are not comparable (nats per MQAR answer vs per byte): one figure per task.
    const auto tasks = gp::distinct(all, "task");
    std::vector<Figure> out;
    for (const auto& task : tasks) {
      Figure figure;
      figure.data.columns = all.columns;
      for (const auto& row : all.rows)
        if (row[all.column("task")].str() == task) figure.data.rows.push_back(row);
      out.push_back(draw(request, std::move(figure), tasks.size() > 1 ? task : ""));
    }
    return out;
  }

  // One figure: a curve per run, coloured by its group; `task` names the task when the selection has several.
  static Figure draw(const PlotRequest& request, Figure figure, const std::string& task) {
    gp::prepend_index(figure.data, "run_id", "run_index");  // curves are selected by index (see gnuplot.h)
    const std::string split_word = request.split == "valid" ? "validation" : "training";
    figure.stem = "loss_curves";
    if (request.metric != "loss" || request.split != "valid")
      figure.stem += "_" + request.split + "_" + safe_file_name(request.metric);
    if (request.group_by != "variant") figure.stem += "_by_" + request.group_by;
    if (!task.empty()) figure.stem += "_" + safe_file_name(task);
    figure.title = fmt::format("{} {} by {}{}", split_word, request.metric, request.group_by,
                               task.empty() ? "" : " (task " + task + ")");

    std::string s = gp::preamble();
    s += fmt::format("set title {}\n", gp::quote(figure.title));
    s += "set xlabel 'step (optimizer steps)'\n";
    s += fmt::format("set ylabel {}\n", gp::quote(split_word + " " + gp::metric_label(request.metric)));
    s += gp::log_scale_if_wide(gp::numbers(figure.data, request.metric), "y");
    s += gp::log_scale_if_wide(gp::numbers(figure.data, "step"), "x", 100);
    s += fmt::format("set key outside right top title {} box\n", gp::quote(request.group_by));
    const auto groups = gp::distinct(figure.data, request.group_by);
    std::vector<std::string> clauses;
    std::vector<std::string> titled;
    const size_t run_col = figure.data.column("run_id"), group_col = figure.data.column(request.group_by);
    std::vector<std::string> seen_runs;
    for (const auto& row : figure.data.rows) {
      const std::string run = row[run_col].str(), group = row[group_col].str();
      if (std::find(seen_runs.begin(), seen_runs.end(), run) != seen_runs.end()) continue;
      const size_t run_index = seen_runs.size();
      seen_runs.push_back(run);
      size_t g = static_cast<size_t>(std::find(groups.begin(), groups.end(), group) - groups.begin());
      bool first_of_group = std::find(titled.begin(), titled.end(), group) == titled.end();
      if (first_of_group) titled.push_back(group);
      clauses.push_back(fmt::format("{} using 'step':{} with linespoints lw 1.5 pt {} ps 0.6 lc rgb {} {}",
                                    clauses.empty() ? gp::quote(figure.stem + ".csv") : "''",
                                    gp::where("run_index", run_index, request.metric), 7 + static_cast<int>(g % 6),
                                    gp::quote(gp::colour(g)),
                                    first_of_group ? "title " + gp::quote(group) : std::string("notitle")));
    }
    s += "plot ";
    for (size_t i = 0; i < clauses.size(); ++i) s += (i ? ", \\\n     " : "") + clauses[i];
    s += "\n";
    figure.script = s;
    figure.width = 960;
    return figure;
  }
  std::string needs() const override { return "values of the chosen metric (see --metric and --split)"; }
};

}  // namespace

std::unique_ptr<Plot> make_loss_curves_plot() { return std::make_unique<LossCurves>(); }

}  // namespace gatelab::analysis
