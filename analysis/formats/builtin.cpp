// The output formats of `gatelab query`: the one place a format is named.
#include "analysis/formats/output_format.h"

namespace gatelab::analysis {

std::unique_ptr<OutputFormat> make_table_format();     // formats/table.cpp
std::unique_ptr<OutputFormat> make_csv_format();       // formats/csv.cpp
std::unique_ptr<OutputFormat> make_json_format();      // formats/json.cpp
std::unique_ptr<OutputFormat> make_markdown_format();  // formats/markdown.cpp

const Registry<OutputFormatFactory>& output_format_registry() {
  static const Registry<OutputFormatFactory> registry(
      "output format",
      {
          {"table", "columns aligned for a terminal; numbers right-aligned, NULL shown as empty", make_table_format},
          {"csv", "RFC 4180 CSV with a header row; NULL is an empty field", make_csv_format},
          {"json", "a JSON array of objects, one per row; NULL is null, numbers stay numbers", make_json_format},
          {"markdown", "a GitHub-flavoured Markdown table", make_markdown_format},
      });
  return registry;
}

}  // namespace gatelab::analysis
