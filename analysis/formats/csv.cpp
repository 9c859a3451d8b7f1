// RFC 4180 CSV: what spreadsheets, pandas and R read without options. Reals are written in their shortest
// round-trip form, so reading the file back gives the stored doubles exactly.
#include "analysis/formats/output_format.h"

namespace gatelab::analysis {

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char ch : text) {
    if (ch == '"') quoted += '"';
    quoted += ch;
  }
  return quoted + "\"";
}

namespace {

class CsvFormat : public OutputFormat {
 public:
  void write(const Table& table, std::ostream& out) const override {
    for (size_t c = 0; c < table.columns.size(); ++c) out << (c ? "," : "") << csv_field(table.columns[c]);
    out << "\n";
    for (const auto& row : table.rows) {
      for (size_t c = 0; c < row.size(); ++c) out << (c ? "," : "") << csv_field(row[c].str());
      out << "\n";
    }
  }
  bool for_people() const override { return false; }
};

}  // namespace

std::unique_ptr<OutputFormat> make_csv_format() { return std::make_unique<CsvFormat>(); }

}  // namespace gatelab::analysis
