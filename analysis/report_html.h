// The HTML of `gatelab report`: one self-contained page (inline CSS, inline JS, plots inline as SVG) that opens
// from disk without a server.
#pragma once

#include <string>
#include <vector>

#include "analysis/table.h"

namespace gatelab::analysis::html {

// Escapes & < > " ' for text and attribute values.
std::string escape(const std::string& text);

// A <table class="sortable"> of `table`: numbers right-aligned and shown to 4 significant digits (the full value
// kept in data-value for sorting and in the title attribute); NULL as an empty cell. Columns that are NULL in
// every row are left out. `id` becomes the element id.
std::string sortable_table(const Table& table, const std::string& id);

// Makes an SVG file's text embeddable: drops the XML prolog and prefixes every id (and its references) with
// `prefix`, so several gnuplot pictures on one page do not share ids.
std::string inline_svg(const std::string& svg_text, const std::string& prefix);

// The page around `body`: <head> with styles, the error recorder (first script on the page, so any later
// error is kept in #gatelab-errors and counted in body[data-errors]) and the column sorter.
std::string page(const std::string& title, const std::string& body);

}  // namespace gatelab::analysis::html
