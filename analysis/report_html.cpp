#include "analysis/report_html.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <pugixml.hpp>
#include <set>
#include <sstream>

#include "harness/util/errors.h"

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

std::string compact_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  const double a = std::fabs(v);
  if (a == 0) return "0";
  if (a >= 1e4) {
    static const char* suffixes[] = {"k", "M", "G", "T", "P"};
    double scaled = v / 1e3;
    size_t i = 0;
    while (std::fabs(scaled) >= 999.5 && i + 1 < sizeof(suffixes) / sizeof(suffixes[0])) {
      scaled /= 1e3;
      ++i;
    }
    return fmt::format("{:.3g}{}", scaled, suffixes[i]);
  }
  if (a >= 1e-3) return fmt::format("{:.4g}", v);
  return fmt::format("{:.2g}", v);
}

std::string compact_number(const Cell& cell) {
  if (cell.type == Cell::Type::Integer)
    return std::llabs(cell.integer) < 10000 ? cell.str() : compact_number(static_cast<double>(cell.integer));
  return compact_number(cell.real);
}

std::string results_table(const Table& table, const std::string& id, const std::string& pick_column) {
  std::vector<size_t> shown;
  for (size_t c = 0; c < table.columns.size(); ++c) {
    bool any = false;
    for (const auto& row : table.rows) any = any || !row[c].is_null();
    if (any || table.rows.empty()) shown.push_back(c);
  }
  const size_t pick = pick_column.empty() ? table.columns.size() : table.column(pick_column);
  std::string out = fmt::format("<div class=\"scroll\"><table class=\"results\" id=\"{}\">\n<thead><tr>", escape(id));
  for (size_t c : shown) out += fmt::format("<th>{}</th>", escape(table.columns[c]));
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (size_t c : shown) {
      const Cell& cell = row[c];
      const std::string checkbox =
          c == shown.front() && pick < table.columns.size()
              ? fmt::format("<input type=\"checkbox\" class=\"pick\" value=\"{}\" title=\"compare\"> ",
                            escape(row[pick].str()))
              : "";
      if (cell.is_number())
        out += fmt::format("<td class=\"num\" data-order=\"{0}\" title=\"{0}\">{2}{1}</td>", escape(cell.str()),
                           escape(compact_number(cell)), checkbox);
      else out += fmt::format("<td>{}{}</td>", checkbox, escape(cell.str()));
    }
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
  return out;
}

std::string script_safe(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    if (json[i] == '<' && i + 1 < json.size() && json[i + 1] == '/') out += "<\\";
    else out += json[i];
  }
  return out;
}

const std::vector<PackagedScript>& packaged_scripts() {
  static const std::vector<PackagedScript> scripts = {
      {"libjs-jquery", "/usr/share/javascript/jquery/jquery.min.js"},
      {"libjs-jquery-datatables", "/usr/share/javascript/jquery-datatables/jquery.dataTables.min.js"},
      {"libjs-chart.js", "/usr/share/javascript/chart.js/chart.min.js"},
  };
  return scripts;
}

namespace {

// `value` with every reference to an id of `ids` ("#x" as a whole attribute, or "url(#x)" inside one) prefixed.
std::string prefix_references(const std::string& value, const std::set<std::string>& ids, const std::string& prefix) {
  if (!value.empty() && value[0] == '#' && ids.count(value.substr(1))) return "#" + prefix + value.substr(1);
  std::string out;
  size_t at = 0;
  for (size_t url = value.find("url(#"); url != std::string::npos; url = value.find("url(#", at)) {
    const size_t start = url + 5, end = value.find(')', start);
    if (end == std::string::npos) break;
    const std::string id = value.substr(start, end - start);
    out += value.substr(at, start - at) + (ids.count(id) ? prefix : "") + id;
    at = end;
  }
  return out + value.substr(at);
}

void collect_ids(const pugi::xml_node& node, std::set<std::string>& ids) {
  if (auto id = node.attribute("id")) ids.insert(id.value());
  for (const auto& child : node.children()) collect_ids(child, ids);
}

void rename_ids(pugi::xml_node node, const std::set<std::string>& ids, const std::string& prefix) {
  for (auto attribute : node.attributes()) {
    const std::string name = attribute.name(), value = attribute.value();
    attribute.set_value((name == "id" ? prefix + value : prefix_references(value, ids, prefix)).c_str());
  }
  for (auto child : node.children()) rename_ids(child, ids, prefix);
}

}  // namespace

std::string inline_svg(const std::string& svg_text, const std::string& prefix) {
  pugi::xml_document doc;
  const auto parsed = doc.load_string(svg_text.c_str(), pugi::parse_default | pugi::parse_ws_pcdata);
  if (!parsed)
    throw Error(fmt::format("cannot read a gnuplot SVG: {} at byte {}", parsed.description(), parsed.offset));
  std::set<std::string> ids;
  collect_ids(doc.document_element(), ids);
  rename_ids(doc.document_element(), ids, prefix);
  // The <svg> element alone: no XML declaration or doctype inside HTML.
  std::ostringstream out;
  doc.document_element().print(out, "", pugi::format_raw);
  return out.str();
}

namespace {

std::string read_packaged(const PackagedScript& script) {
  std::ifstream in(script.path, std::ios::binary);
  if (!in)
    throw Error(
        fmt::format("gatelab report inlines {} from the Debian package {}; it is not installed (apt-get "
                    "install {})",
                    script.path, script.package, script.package));
  std::stringstream text;
  text << in.rdbuf();
  // Inlined as is: a "</script" inside would end the element early.
  if (text.str().find("</script") != std::string::npos || text.str().find("</SCRIPT") != std::string::npos)
    throw Error(fmt::format("{} holds '</script': it cannot be inlined into the report", script.path));
  return text.str();
}

// The page's own script: the glue between the packaged libraries and the report's data (#report-data). Tables:
// DataTables (search box, sorting) with group-by rows; the chart: Chart.js with metric, x axis, log, smoothing and
// seed-band controls; the comparison of the checked runs with their config differences.
const char* kGlue = R"js(
$.fn.dataTable.ext.errMode = 'throw';  // DataTables reports errors with alert() by default: make them errors
var reportData = JSON.parse(document.getElementById('report-data').textContent);
var groupColumn = -1;
function cellText(d) { return (d !== null && typeof d === 'object') ? String(d.display) : String(d); }
function stripTags(html) { var e = document.createElement('div'); e.innerHTML = html; return e.textContent.trim(); }
var tables = {};
$('table.results').each(function () {
  var id = this.id;
  tables[id] = $(this).DataTable({
    paging: false, info: true, autoWidth: false, order: [],
    drawCallback: id !== 'summary-table' ? undefined : function () {
      if (groupColumn < 0) return;
      var api = this.api(), rows = api.rows({page: 'current'}).nodes(), values = [], counts = {};
      api.column(groupColumn, {page: 'current'}).data().each(function (d) {
        var v = stripTags(cellText(d)) || '(none)';
        values.push(v);
        counts[v] = (counts[v] || 0) + 1;
      });
      var name = $(api.column(groupColumn).header()).text(), span = api.columns(':visible').count(), last = null;
      values.forEach(function (v, i) {
        if (v === last) return;
        $(rows).eq(i).before($('<tr class="group"></tr>').append(
          $('<td></td>').attr('colspan', span).text(name + ' = ' + v + ' (' + counts[v] + (counts[v] === 1 ? ' run)' : ' runs)'))));
        last = v;
      });
    }
  });
});
$('#group-by').on('change', function () {
  var table = tables['summary-table'], wanted = this.value;
  groupColumn = -1;
  table.columns().every(function (i) { if ($(this.header()).text() === wanted) groupColumn = i; });
  table.order.fixed(groupColumn >= 0 ? {pre: [[groupColumn, 'asc']]} : {}).draw();
});

// Chart: one metric against step, tokens or time; per case (mean over seeds, with its 95% band) or per run.
var chart = null;
var palette = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8C564B', '#7F7F7F', '#F0E442'];
function rgba(hex, alpha) {
  var n = parseInt(hex.slice(1), 16);
  return 'rgba(' + (n >> 16) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + alpha + ')';
}
function smooth(values, weight) {
  var out = [], s = null;
  values.forEach(function (v) {
    if (v === null) { out.push(null); return; }
    s = s === null ? v : weight * s + (1 - weight) * v;
    out.push(s);
  });
  return out;
}
function series(points, xi, yi, weight) {
  var ys = smooth(points.map(function (p) { return p[yi]; }), weight);
  return points.map(function (p, i) { return {x: p[xi], y: ys[i]}; }).filter(function (p) { return p.x !== null && p.y !== null; });
}
function drawChart() {
  var metric = $('#metric').val(), xi = +$('#x-axis').val(), weight = +$('#smooth').val();
  var bands = $('#bands').prop('checked'), curves = reportData.curves[metric] || {runs: {}, cases: {}};
  var datasets = [], colour = 0;
  if (bands) {
    Object.keys(curves.cases).forEach(function (id) {
      var c = curves.cases[id], hex = palette[colour++ % palette.length];
      if (c.n > 1) {
        datasets.push({label: '\u200b', data: series(c.points, xi, 4, weight), borderWidth: 0, pointRadius: 0, fill: false});
        datasets.push({label: '\u200b', data: series(c.points, xi, 5, weight), borderWidth: 0, pointRadius: 0,
                       fill: '-1', backgroundColor: rgba(hex, 0.18)});
      }
      datasets.push({label: c.name + (c.n > 1 ? ' (mean of ' + c.n + ' seeds)' : ''), data: series(c.points, xi, 3, weight),
                     borderColor: hex, backgroundColor: hex, pointRadius: 2, borderWidth: 1.5, fill: false});
    });
  } else {
    Object.keys(curves.runs).forEach(function (id) {
      var hex = palette[colour++ % palette.length];
      datasets.push({label: reportData.runs[id].name, data: series(curves.runs[id], xi, 3, weight),
                     borderColor: hex, backgroundColor: hex, pointRadius: 2, borderWidth: 1.5, fill: false});
    });
  }
  if (chart) chart.destroy();
  var xTitle = $('#x-axis option:selected').text();
  chart = new Chart(document.getElementById('chart'), {
    type: 'line', data: {datasets: datasets},
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, parsing: false, normalized: true,
      // bounds 'data': the x axis ends where the data ends, not at the next round tick
      scales: {x: {type: $('#log-x').prop('checked') ? 'logarithmic' : 'linear', bounds: 'data',
                   title: {display: true, text: xTitle}},
               y: {type: $('#log-y').prop('checked') ? 'logarithmic' : 'linear', title: {display: true, text: metric}}},
      plugins: {legend: {position: 'bottom', labels: {filter: function (item) { return item.text !== '\u200b'; }}}}
    }
  });
  var lines = datasets.filter(function (d) { return d.label !== '\u200b'; }).length;
  $('#chart-box').attr({'data-metric': metric, 'data-x': xTitle, 'data-series': lines,
                        'data-bands': datasets.length - lines});
}
$('#metric, #x-axis, #smooth, #log-x, #log-y, #bands').on('change', drawChart);
if (document.getElementById('chart')) drawChart();

// Compare: the checked runs side by side, their final metrics and the config keys where they differ.
$('#compare-button').on('click', function () {
  var ids = $('input.pick:checked').map(function () { return this.value; }).get();
  var box = $('#compare').empty();
  if (ids.length < 2) { box.text('Check two or more runs in the results table to compare them.'); return; }
  var runs = ids.map(function (id) { return reportData.runs[id]; });
  var table = $('<table class="compare"><thead><tr><th>run</th></tr></thead><tbody></tbody></table>');
  runs.forEach(function (r) { table.find('thead tr').append($('<th></th>').text(r.name)); });
  function row(label, values, cls) {
    var tr = $('<tr></tr>').addClass(cls).append($('<td></td>').text(label));
    values.forEach(function (v) { tr.append($('<td></td>').text(v === undefined || v === null ? '' : v)); });
    table.find('tbody').append(tr);
  }
  var metrics = {}, keys = {};
  runs.forEach(function (r) { Object.keys(r.final).forEach(function (k) { metrics[k] = 1; });
                               Object.keys(r.config).forEach(function (k) { keys[k] = 1; }); });
  Object.keys(metrics).sort().forEach(function (k) {
    row(k, runs.map(function (r) { return r.final[k] === undefined ? null : r.final[k].toPrecision(4); }), 'metric');
  });
  Object.keys(keys).sort().forEach(function (k) {
    var values = runs.map(function (r) { return r.config[k]; });
    if (values.some(function (v) { return v !== values[0]; })) row(k, values, 'config-diff');
  });
  box.append(table);
});
)js";

}  // namespace

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
/* DataTables' own stylesheet loads sort-arrow images: these few rules replace it, so nothing is fetched. */
th.sorting, th.sorting_asc, th.sorting_desc {{ cursor: pointer; }}
th.sorting_asc::after {{ content: " \25B2"; }} th.sorting_desc::after {{ content: " \25BC"; }}
table.results td:first-child, table.results th:first-child {{ position: sticky; left: 0; background: #fff;
  z-index: 1; border-right: 2px solid #ccc; }}
table.results th:first-child {{ background: #f4f4f4; z-index: 2; }}
tr.group td {{ background: #e8eef6 !important; font-weight: 600; position: static !important; }}
.dataTables_filter {{ margin: 0.4rem 0; }} .dataTables_info {{ color: #555; font-size: 0.8rem; margin: 0.3rem 0; }}
.controls {{ display: flex; flex-wrap: wrap; gap: 0.4rem 1.2rem; align-items: center; margin: 0.5rem 0; }}
#chart-box {{ position: relative; height: 480px; }}
table.compare td:first-child {{ font-weight: 600; }} table.compare tr.config-diff td {{ background: #fff7e0; }}
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
<script>
// Counts for whoever checks the page (the headless-Chromium test): set now, the page being parsed, and again
// on load, so errors raised while loading are included too.
function gatelabMark() {
  document.body.setAttribute('data-plots-rendered', String(document.querySelectorAll('figure.plot svg').length));
  document.body.setAttribute('data-tables', String(document.querySelectorAll('table.results.dataTable').length));
  document.body.setAttribute('data-errors', String(window.gatelabErrors.length));
  document.getElementById('gatelab-errors').textContent = window.gatelabErrors.join('\n');
}
gatelabMark();
window.addEventListener('load', gatelabMark);
</script>
</body>
</html>
)html";
  // Each packaged script in its own element, so an error in one names it; the glue last.
  std::string scripts;
  for (const auto& script : packaged_scripts())
    scripts += fmt::format("<script data-package=\"{}\">\n{}\n</script>\n", script.package, read_packaged(script));
  scripts += std::string("<script>") + kGlue + "</script>";
  return fmt::format(fmt::runtime(head), fmt::arg("title", escape(title))) + body +
         "\n<pre id=\"gatelab-errors\"></pre>\n" + scripts + tail;
}

}  // namespace gatelab::analysis::html
