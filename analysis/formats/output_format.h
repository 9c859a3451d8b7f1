// How `gatelab query` (and export) print a Table: one interface, one file per format, one registration line in
// analysis/formats/builtin.cpp.
#pragma once

#include <memory>
#include <ostream>

#include "analysis/table.h"
#include "harness/util/registry.h"

namespace gatelab::analysis {

class OutputFormat {
 public:
  virtual ~OutputFormat() = default;
  // Writes the whole table (header included, even when there are no rows).
  virtual void write(const Table& table, std::ostream& out) const = 0;
  // True for formats meant for people (an empty result then prints "no rows" in place of the table); false for
  // formats meant for programs (they get a valid empty document, and "no rows" goes to stderr).
  virtual bool for_people() const = 0;
};

using OutputFormatFactory = std::unique_ptr<OutputFormat> (*)();
const Registry<OutputFormatFactory>& output_format_registry();

// RFC 4180 field quoting, shared by the CSV format and the exports.
std::string csv_field(const std::string& text);

}  // namespace gatelab::analysis
