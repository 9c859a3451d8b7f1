// Text as a terminal shows it: display width in columns (wide CJK characters take 2, combining marks 0), from
// Debian's libutf8proc. Tables (gatelab query, the live sweep block) align and truncate by it.
#pragma once

#include <cstddef>
#include <string>

namespace gatelab {

// Columns `utf8` takes on a terminal; a byte that is not valid UTF-8 counts as one column.
size_t display_width(const std::string& utf8);

// `utf8` cut to at most `columns` columns, never inside a character; a cut line ends in "…".
std::string fit_width(const std::string& utf8, size_t columns);

}  // namespace gatelab
