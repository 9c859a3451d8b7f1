// The subcommands analysis/ owns: the one place each is named. One line per subcommand: COMPONENT(function, name,
// summary), the function defined in its own *_command.cpp (harness/util/registry.h explains the list).
#include "harness/util/subcommand.h"

#define GATELAB_ANALYSIS_SUBCOMMANDS(COMPONENT) \
  COMPONENT(query_command, "query", \
            "run one read-only SQL statement on a results DB; print a table, CSV, JSON or Markdown") \
  COMPONENT(export_command, "export", \
            "write tidy CSV of metrics, run summaries and per-layer statistics, filtered by sweep/run/variant") \
  COMPONENT(plot_command, "plot", \
            "render loss curves, gate histograms and saturation, sinks and MQAR accuracy with gnuplot (PNG, SVG, PDF)") \
  COMPONENT(report_command, "report", \
            "write one self-contained HTML page for a sweep: results table, seeds, interactive curves, plots, config") \
  COMPONENT(tag_command, "tag", \
            "label a run or a sweep with key=value tags, stored in the results DB (view run_tags)") \
  COMPONENT(note_command, "note", \
            "attach a free-text note to a run or a sweep, stored in the results DB (view run_notes)") \
  COMPONENT(diff_command, "diff", "print the config keys and final metrics in which two runs differ") \
  /* one COMPONENT line per component above this line */

namespace gatelab::cli {

using ComponentType = std::remove_pointer_t<SubcommandFn>;
GATELAB_ANALYSIS_SUBCOMMANDS(GATELAB_DECLARE_COMPONENT)

SubcommandList analysis_subcommands() { return {GATELAB_ANALYSIS_SUBCOMMANDS(GATELAB_REGISTRY_ENTRY)}; }

}  // namespace gatelab::cli
