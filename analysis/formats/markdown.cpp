// A GitHub-flavoured Markdown table, for pasting results into notes, issues and READMEs.
#include "analysis/formats/output_format.h"

namespace gatelab::analysis {

namespace {

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '|') out += "\\|";
    else if (ch == '\n') out += "<br>";
    else out += ch;
  }
  return out;
}

class MarkdownFormat : public OutputFormat {
 public:
  void write(const Table& table, std::ostream& out) const override {
    std::vector<bool> numeric(table.columns.size(), !table.rows.empty());
    for (const auto& row : table.rows)
      for (size_t c = 0; c < row.size(); ++c)
        if (!row[c].is_null() && !row[c].is_number()) numeric[c] = false;
    out << "|";
    for (const auto& name : table.columns) out << " " << markdown_cell(name) << " |";
    out << "\n|";
    for (size_t c = 0; c < table.columns.size(); ++c) out << (numeric[c] ? " ---: |" : " --- |");
    out << "\n";
    for (const auto& row : table.rows) {
      out << "|";
      for (const auto& cell : row) out << " " << markdown_cell(cell.str()) << " |";
      out << "\n";
    }
  }
  bool for_people() const override { return true; }
};

}  // namespace

std::unique_ptr<OutputFormat> make_markdown_format() { return std::make_unique<MarkdownFormat>(); }

}  // namespace gatelab::analysis
