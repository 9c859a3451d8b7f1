// The table output format aligns columns by display width, so names with wide characters line up.
#include <catch2/catch.hpp>
#include <sstream>

#include "analysis/formats/output_format.h"
#include "harness/util/text_width.h"

using namespace gatelab;

TEST_CASE("the table format aligns columns with wide characters by display width", "[query][format]") {
  analysis::Table table;
  table.columns = {"name", "loss"};
  auto text = [](const std::string& s) {
    analysis::Cell c;
    c.type = analysis::Cell::Type::Text;
    c.text = s;
    return c;
  };
  auto real = [](double v) {
    analysis::Cell c;
    c.type = analysis::Cell::Type::Real;
    c.real = v;
    return c;
  };
  table.rows = {{text("\u65e5\u672c\u8a9e-run"), real(2.5)}, {text("gla"), real(10.25)}};
  std::ostringstream out;
  analysis::output_format_registry().get("table").make()->write(table, out);
  std::istringstream lines(out.str());
  std::vector<size_t> widths;
  for (std::string line; std::getline(lines, line);) widths.push_back(display_width(line));
  REQUIRE(widths.size() == 4);  // header, rule, two rows
  for (size_t w : widths) CHECK(w == widths[0]);
}
