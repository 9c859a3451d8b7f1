// The output formats of `gatelab query`: the one place a format is named. One line per format: COMPONENT(factory,
// name, summary), the factory defined in the format's own file (harness/util/registry.h explains the list).
#include "analysis/formats/output_format.h"

#define GATELAB_OUTPUT_FORMATS(COMPONENT) \
  COMPONENT(make_table_format, "table", "columns aligned for a terminal; numbers right-aligned, NULL shown as empty") \
  COMPONENT(make_csv_format, "csv", "RFC 4180 CSV with a header row; NULL is an empty field") \
  COMPONENT(make_json_format, "json", "a JSON array of objects, one per row; NULL is null, numbers stay numbers") \
  COMPONENT(make_markdown_format, "markdown", "a GitHub-flavoured Markdown table") \
  /* one COMPONENT line per component above this line */

namespace gatelab::analysis {

using ComponentType = std::remove_pointer_t<OutputFormatFactory>;
GATELAB_OUTPUT_FORMATS(GATELAB_DECLARE_COMPONENT)

const Registry<OutputFormatFactory>& output_format_registry() {
  static const Registry<OutputFormatFactory> registry("output format",
                                                      {GATELAB_OUTPUT_FORMATS(GATELAB_REGISTRY_ENTRY)});
  return registry;
}

}  // namespace gatelab::analysis
