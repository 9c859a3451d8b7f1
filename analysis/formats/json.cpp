// A JSON array of row objects (keys in column order); numbers stay numbers, NULL is null. Non-finite reals,
// which JSON cannot hold, become null.
#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/formats/output_format.h"

namespace gatelab::analysis {

namespace {

class JsonFormat : public OutputFormat {
 public:
  void write(const Table& table, std::ostream& out) const override {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& row : table.rows) {
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      for (size_t c = 0; c < row.size(); ++c) {
        const Cell& cell = row[c];
        switch (cell.type) {
          case Cell::Type::Null: object[table.columns[c]] = nullptr; break;
          case Cell::Type::Integer: object[table.columns[c]] = cell.integer; break;
          case Cell::Type::Real:
            if (std::isfinite(cell.real)) object[table.columns[c]] = cell.real;
            else object[table.columns[c]] = nullptr;
            break;
          case Cell::Type::Text: object[table.columns[c]] = cell.text; break;
        }
      }
      rows.push_back(std::move(object));
    }
    out << rows.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  }
  bool for_people() const override { return false; }
};

}  // namespace

std::unique_ptr<OutputFormat> make_json_format() { return std::make_unique<JsonFormat>(); }

}  // namespace gatelab::analysis
