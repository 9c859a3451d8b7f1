// Small helpers for writing gnuplot scripts: quoting, scales, colours and the settings every plot shares.
#pragma once

#include <string>
#include <vector>

#include "analysis/table.h"

namespace gatelab::analysis::gp {

// What the user asks of the axes (`gatelab plot --logx --logy --xlim LO:HI --ylim LO:HI`); empty limits and
// false flags leave each plot's own choice (a log axis when the values span decades, the data's range).
struct AxisOptions {
  bool logx = false, logy = false;
  std::string xlim, ylim;  // "LO:HI", either side may be empty ("0:" = from 0)
};

// Checks a --xlim/--ylim value: two numbers (either may be empty) around one ':'; UserError otherwise.
void check_limits(const std::string& option, const std::string& limits);

// The commands that apply `axes` ("set logscale x", "set xrange [LO:HI]", ...); put right before each "plot" so
// they win over the plot's own settings.
std::string user_axes(const AxisOptions& axes);

// A gnuplot single-quoted string literal (only ' needs escaping, as '').
std::string quote(const std::string& text);

// "set logscale y" (or x) when the positive finite values span at least a factor `decades_ratio`, else "".
// Values <= 0 force a linear scale (a log axis cannot show them).
std::string log_scale_if_wide(const std::vector<double>& values, const std::string& axis, double ratio = 10.0,
                              int base = 10);

// The i-th colour of a palette that stays distinguishable for colour-blind readers (Okabe-Ito + extras).
std::string colour(size_t i);

// Settings every script starts with: CSV input with a header row, literal text (no enhanced-text markup, so
// run names with '_' print as written), a light grid.
std::string preamble();

// x + a small offset for the i-th of n series, so series measured at the same x (one layer, say) stay apart:
// the offsets span `width` around x. A gnuplot expression of column `x_column`.
std::string dodge(const std::string& x_column, size_t i, size_t n, double width = 0.3);

// Distinct values of a column in row order (first appearance).
std::vector<std::string> distinct(const Table& table, const std::string& column);

// The numbers of a column (NaN for NULL).
std::vector<double> numbers(const Table& table, const std::string& column);

// Label with units for a metrics key, from the metric registry (loss -> "cross-entropy loss (nats/token)"); the key
// itself when it is not registered (a DB written by another gatelab).
std::string metric_label(const std::string& key);

// Gnuplot splits CSV rows at every comma, even inside quotes, so a text field holding a comma (run names like
// "task=mqar,kind=linear") shifts the fields after it. Plots therefore select curves by an integer index column
// and put every text column after the numeric ones gnuplot reads.

// Inserts an integer column `index_column` at the front: the position of each row's `label_column` value among
// the distinct values in row order (0, 1, ...).
void prepend_index(Table& table, const std::string& label_column, const std::string& index_column);

// "using" expression that takes `value_column` only on rows whose `index_column` equals `index` (NaN elsewhere),
// so one tidy CSV feeds every curve.
std::string where(const std::string& index_column, size_t index, const std::string& value_column);

}  // namespace gatelab::analysis::gp
