// The HTML of `gatelab report`: one self-contained page that opens from disk without a server or network. The
// tables and charts are Debian's packaged JavaScript (jQuery, DataTables, Chart.js), read from
// /usr/share/javascript at report time and inlined; the page's own script is the glue between them and the
// report's data (embedded as JSON).
#pragma once

#include <string>
#include <vector>

#include "analysis/table.h"

namespace gatelab::analysis::html {

// Escapes & < > " ' for text and attribute values.
std::string escape(const std::string& text);

// A number for a table cell, short and readable: 4 significant digits (2.303, 0.02734), thousands and up with an
// SI suffix (13.9k, 1.25M), tiny values in exponent form (3.1e-05). The exact value stays in the cell's title.
std::string compact_number(double value);
std::string compact_number(const Cell& cell);

// A <table class="results"> of `table` for DataTables: numbers right-aligned in compact form, their exact value
// in data-order (sorting) and title; NULL as an empty cell; columns that are NULL in every row are left out. The
// first column is sticky (it stays in view when the table scrolls sideways); with `pick_column`, each row's
// first cell also holds a checkbox carrying that column's value (the report's "compare selected runs").
std::string results_table(const Table& table, const std::string& id, const std::string& pick_column = "");

// Makes an SVG file's text embeddable: drops the XML prolog and prefixes every id (and its references) with
// `prefix`, so several gnuplot pictures on one page do not share ids.
std::string inline_svg(const std::string& svg_text, const std::string& prefix);

// `json` made safe inside <script type="application/json">: "</" becomes "<\/" (still the same JSON).
std::string script_safe(const std::string& json);

// The Debian packages the page inlines, with the file each provides: what `gatelab report` needs installed.
struct PackagedScript {
  std::string package, path;
};
const std::vector<PackagedScript>& packaged_scripts();

// The page around `body`: <head> with styles and the error recorder (first script on the page, so any later
// error is kept in #gatelab-errors and counted in body[data-errors]); at the end the packaged scripts and the
// glue. Throws Error naming the Debian package when one of the packaged scripts is not installed.
std::string page(const std::string& title, const std::string& body);

}  // namespace gatelab::analysis::html
