#include "analysis/plots/gnuplot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "harness/util/errors.h"
#include "results/metric_registry.h"

namespace gatelab::analysis::gp {

std::string quote(const std::string& text) {
  std::string out = "'";
  for (char ch : text) {
    if (ch == '\'') out += "''";
    else if (ch == '\n') out += ' ';
    else out += ch;
  }
  return out + "'";
}

std::string log_scale_if_wide(const std::vector<double>& values, const std::string& axis, double ratio, int base) {
  double lo = INFINITY, hi = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    if (v <= 0) return "";
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!(hi > 0) || hi / lo < ratio) return "";
  return fmt::format("set logscale {} {}\n", axis, base);
}

void check_limits(const std::string& option, const std::string& limits) {
  const auto colon = limits.find(':');
  auto number_or_empty = [](const std::string& text) {
    if (text.empty()) return true;
    size_t used = 0;
    try {
      std::stod(text, &used);
    } catch (const std::exception&) {
      return false;
    }
    return used == text.size();
  };
  if (colon == std::string::npos || limits.find(':', colon + 1) != std::string::npos ||
      !number_or_empty(limits.substr(0, colon)) || !number_or_empty(limits.substr(colon + 1)) || limits == ":")
    throw UserError(fmt::format("{} '{}': give LO:HI with numbers, either side may be left out (e.g. 0:1, 100:, :5)",
                                option, limits));
}

std::string user_axes(const AxisOptions& axes) {
  std::string s;
  if (axes.logx) s += "set logscale x\n";
  if (axes.logy) s += "set logscale y\n";
  auto range = [](const std::string& limits) {
    const auto colon = limits.find(':');
    const std::string lo = limits.substr(0, colon), hi = limits.substr(colon + 1);
    return fmt::format("[{}:{}]", lo.empty() ? "*" : lo, hi.empty() ? "*" : hi);
  };
  if (!axes.xlim.empty()) s += "set xrange " + range(axes.xlim) + "\n";
  if (!axes.ylim.empty()) s += "set yrange " + range(axes.ylim) + "\n";
  return s;
}

std::string dodge(const std::string& x_column, size_t i, size_t n, double width) {
  const double offset = n > 1 ? width * (static_cast<double>(i) / static_cast<double>(n - 1) - 0.5) : 0.0;
  return fmt::format("(column({}) + {:.4f})", quote(x_column), offset);
}

std::string colour(size_t i) {
  static const char* palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
                                  "#56B4E9", "#000000", "#F0E442", "#8C564B", "#7F7F7F"};
  return palette[i % (sizeof(palette) / sizeof(palette[0]))];
}

std::string preamble() {
  return "set datafile separator comma\n"
         "set datafile columnheaders\n"
         "set datafile missing ''\n"
         "set termoption noenhanced\n"
         "set grid lc rgb '#dddddd'\n"
         "set border lc rgb '#555555'\n";
}

std::vector<std::string> distinct(const Table& table, const std::string& column) {
  size_t c = table.column(column);
  std::vector<std::string> out;
  for (const auto& row : table.rows) {
    std::string v = row[c].str();
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

std::vector<double> numbers(const Table& table, const std::string& column) {
  size_t c = table.column(column);
  std::vector<double> out;
  for (const auto& row : table.rows) out.push_back(row[c].number());
  return out;
}

std::string metric_label(const std::string& key) {
  return results::metric_registry().contains(key) ? results::axis_label(key) : key;
}

void prepend_index(Table& table, const std::string& label_column, const std::string& index_column) {
  const auto labels = distinct(table, label_column);
  const size_t c = table.column(label_column);
  for (auto& row : table.rows) {
    Cell index;
    index.type = Cell::Type::Integer;
    index.integer = std::find(labels.begin(), labels.end(), row[c].str()) - labels.begin();
    row.insert(row.begin(), index);
  }
  table.columns.insert(table.columns.begin(), index_column);
}

std::string where(const std::string& index_column, size_t index, const std::string& value_column) {
  return fmt::format("(column({}) == {} ? column({}) : NaN)", quote(index_column), index, quote(value_column));
}

}  // namespace gatelab::analysis::gp
