// Aligned columns for a terminal, like the sqlite3 shell's ".mode column" but numbers right-aligned.
#include <algorithm>

#include "analysis/formats/output_format.h"
#include "harness/util/text_width.h"

namespace gatelab::analysis {

namespace {

class TableFormat : public OutputFormat {
 public:
  void write(const Table& table, std::ostream& out) const override {
    std::vector<size_t> width(table.columns.size());
    std::vector<bool> numeric(table.columns.size(), true);
    for (size_t c = 0; c < table.columns.size(); ++c) width[c] = display_width(table.columns[c]);
    for (const auto& row : table.rows)
      for (size_t c = 0; c < row.size(); ++c) {
        width[c] = std::max(width[c], display_width(row[c].str()));
        if (!row[c].is_null() && !row[c].is_number()) numeric[c] = false;
      }
    auto cell = [&](const std::string& text, size_t c, bool right) {
      std::string pad(width[c] - std::min(width[c], display_width(text)), ' ');
      out << (c ? "  " : "") << (right ? pad + text : (c + 1 == width.size() ? text : text + pad));
    };
    for (size_t c = 0; c < table.columns.size(); ++c) cell(table.columns[c], c, numeric[c] && !table.rows.empty());
    out << "\n";
    for (size_t c = 0; c < table.columns.size(); ++c) cell(std::string(width[c], '-'), c, false);
    out << "\n";
    for (const auto& row : table.rows) {
      for (size_t c = 0; c < row.size(); ++c) cell(row[c].str(), c, numeric[c]);
      out << "\n";
    }
  }
  bool for_people() const override { return true; }
};

}  // namespace

std::unique_ptr<OutputFormat> make_table_format() { return std::make_unique<TableFormat>(); }

}  // namespace gatelab::analysis
