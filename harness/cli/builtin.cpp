// The table of gatelab subcommands: the one place a subcommand is named.
#include "harness/cli/subcommand.h"

namespace gatelab::cli {

// Each defined in the folder that owns the work.
int run_command(const std::vector<std::string>&);       // harness/run_command.cpp
int variants_command(const std::vector<std::string>&);  // harness/variants_command.cpp
int examples_command(const std::vector<std::string>&);  // harness/examples_command.cpp
int bench_command(const std::vector<std::string>&);     // harness/bench_command.cpp
int sweep_command(const std::vector<std::string>&);     // sweeps/sweep_command.cpp
int query_command(const std::vector<std::string>&);     // analysis/query_command.cpp
int export_command(const std::vector<std::string>&);    // analysis/export_command.cpp
int plot_command(const std::vector<std::string>&);      // analysis/plot_command.cpp
int report_command(const std::vector<std::string>&);    // analysis/report_command.cpp

const Registry<SubcommandFn>& subcommands() {
  static const Registry<SubcommandFn> registry(
      "command",
      {
          {"run", "train one model from a config and record it in the results DB", run_command},
          {"variants", "list every registered feature map, gate, norm, softmax gate and kernel", variants_command},
          {"examples", "print a task's examples: tokens as text, labels beside them", examples_command},
          {"sweep", "plan, run (resume, retry) and check a YAML grid of runs on local GPUs or CPU", sweep_command},
          {"query", "run one read-only SQL statement on a results DB; print a table, CSV, JSON or Markdown",
           query_command},
          {"export", "write tidy CSV of metrics, run summaries and per-layer statistics, filtered by sweep/run/variant",
           export_command},
          {"plot",
           "render loss curves, gate histograms and saturation, sinks and MQAR accuracy with gnuplot (PNG, SVG)",
           plot_command},
          {"report", "write one self-contained HTML page for a sweep: sortable summary, plots, config", report_command},
          {"bench", "time the CUDA linear-attention kernels, the chunked form and SDPA flash, and training throughput",
           bench_command},
      });
  return registry;
}

}  // namespace gatelab::cli
