#include "analysis/report_html.h"

#include <fmt/format.h>

#include <cmath>
#include <regex>
#include <set>

namespace gatelab::analysis::html {

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

namespace {

std::string short_number(const Cell& cell) {
  if (cell.type == Cell::Type::Integer) return cell.str();
  double v = cell.real;
  if (!std::isfinite(v)) return cell.str();
  if (v != 0 && (std::fabs(v) >= 1e6 || std::fabs(v) < 1e-3)) return fmt::format("{:.3e}", v);
  return fmt::format("{:.4g}", v);
}

}  // namespace

std::string sortable_table(const Table& table, const std::string& id) {
  std::vector<size_t> shown;
  for (size_t c = 0; c < table.columns.size(); ++c) {
    bool any = false;
    for (const auto& row : table.rows) any = any || !row[c].is_null();
    if (any || table.rows.empty()) shown.push_back(c);
  }
  std::string out = fmt::format("<div class=\"scroll\"><table class=\"sortable\" id=\"{}\">\n<thead><tr>", escape(id));
  for (size_t c : shown)
    out += fmt::format("<th><button type=\"button\" title=\"sort by {0}\">{0}</button></th>", escape(table.columns[c]));
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (size_t c : shown) {
      const Cell& cell = row[c];
      if (cell.is_number())
        out += fmt::format("<td class=\"num\" data-value=\"{0}\" title=\"{0}\">{1}</td>", escape(cell.str()),
                           escape(short_number(cell)));
      else out += fmt::format("<td>{}</td>", escape(cell.str()));
    }
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
  return out;
}

std::string inline_svg(const std::string& svg_text, const std::string& prefix) {
  auto start = svg_text.find("<svg");
  std::string svg = start == std::string::npos ? svg_text : svg_text.substr(start);
  std::set<std::string> ids;
  static const std::regex id_attr(R"re(\bid=(['"])([^'"]+)\1)re");
  for (std::sregex_iterator it(svg.begin(), svg.end(), id_attr), end; it != end; ++it) ids.insert((*it)[2].str());
  // Rewrite definitions and references: id='x', href='#x', url(#x).
  static const std::regex any_ref(R"re((\bid=['"]|#)([A-Za-z_][A-Za-z0-9_.:-]*))re");
  std::string out;
  auto last = svg.cbegin();
  for (std::sregex_iterator it(svg.begin(), svg.end(), any_ref), end; it != end; ++it) {
    const auto& m = *it;
    out.append(last, m[0].first);
    if (ids.count(m[2].str())) out += m[1].str() + prefix + m[2].str();
    else out += m[0].str();  // colours like #ffffff
    last = m[0].second;
  }
  out.append(last, svg.cend());
  return out;
}

std::string page(const std::string& title, const std::string& body) {
  static const char* head = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<script>
// Records every error on the page — uncaught exceptions, failed resource loads, rejected promises and
// console.error calls — into #gatelab-errors and body[data-errors] (tests open the report in headless Chromium
// and read these back from the DOM).
window.gatelabErrors = [];
window.addEventListener('error', function (e) {{
  window.gatelabErrors.push(String(e.message || ('failed to load ' + ((e.target && (e.target.src || e.target.href)) || e.type)))
                            + (e.filename ? ' at ' + e.filename + ':' + e.lineno : ''));
}}, true);
window.addEventListener('unhandledrejection', function (e) {{
  window.gatelabErrors.push('unhandled rejection: ' + String(e.reason));
}});
(function () {{
  var consoleError = console.error;
  console.error = function () {{
    window.gatelabErrors.push('console.error: ' + Array.prototype.map.call(arguments, String).join(' '));
    return consoleError.apply(console, arguments);
  }};
}})();
</script>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto; max-width: 1400px;
       padding: 0 1rem; color: #222; }}
h1 {{ font-size: 1.5rem; }} h2 {{ font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }}
.meta {{ color: #555; }} .meta code {{ color: #222; }}
.scroll {{ overflow-x: auto; }}
table {{ border-collapse: collapse; font-size: 0.85rem; }}
th, td {{ border: 1px solid #ddd; padding: 0.2rem 0.45rem; white-space: nowrap; }}
th {{ background: #f4f4f4; position: sticky; top: 0; }}
th button {{ border: 0; background: none; font: inherit; font-weight: 600; cursor: pointer; padding: 0; }}
th[aria-sort="ascending"] button::after {{ content: " \25B2"; }}
th[aria-sort="descending"] button::after {{ content: " \25BC"; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
tbody tr:nth-child(even) {{ background: #fafafa; }}
figure.plot {{ margin: 1.5rem 0; }} figure.plot svg {{ max-width: 100%; height: auto; }}
figcaption {{ font-weight: 600; margin-bottom: 0.3rem; }}
pre {{ background: #f6f8fa; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }}
#gatelab-errors:empty {{ display: none; }} #gatelab-errors {{ color: #b00; }}
</style>
</head>
<body>
)html";
  static const char* tail = R"html(
<pre id="gatelab-errors"></pre>
<script>
// Sortable tables: click a column header to sort by it (numbers numerically, text alphabetically); click again
// to reverse.
document.querySelectorAll('table.sortable').forEach(function (table) {
  var headers = table.querySelectorAll('thead th');
  headers.forEach(function (th, column) {
    th.querySelector('button').addEventListener('click', function () {
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      headers.forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      function key(row) {
        var cell = row.cells[column];
        var v = cell.getAttribute('data-value');
        return v !== null ? parseFloat(v) : cell.textContent;
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), order;
        if (typeof x === 'number' && typeof y === 'number') order = (isNaN(x) ? Infinity : x) - (isNaN(y) ? Infinity : y);
        else order = String(x).localeCompare(String(y), undefined, {numeric: true});
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
// Counts for whoever checks the page (the headless-Chromium test): set now, the page being parsed, and again
// on load, so errors raised while loading are included too.
function gatelabMark() {
  document.body.setAttribute('data-plots-rendered', String(document.querySelectorAll('figure.plot svg').length));
  document.body.setAttribute('data-errors', String(window.gatelabErrors.length));
  document.getElementById('gatelab-errors').textContent = window.gatelabErrors.join('\n');
}
gatelabMark();
window.addEventListener('load', gatelabMark);
</script>
</body>
</html>
)html";
  return fmt::format(fmt::runtime(head), fmt::arg("title", escape(title))) + body + tail;
}

}  // namespace gatelab::analysis::html
