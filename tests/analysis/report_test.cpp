// gatelab report: one self-contained HTML page, opened in headless Chromium without console errors and with
// every plot present.
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <set>

#include "analysis/plots/plot.h"
#include "analysis/report_html.h"
#include "tests/analysis/sweep_fixture.h"
#include "tests/support/test_support.h"

using namespace gatelab::test;
namespace fs = std::filesystem;

namespace {

std::string db_arg() { return "--db '" + sweep_fixture_db() + "'"; }

std::string chromium_binary() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
    if (run_shell(std::string("command -v ") + name).exit_code == 0) return name;
  return "";
}

// The figures the report holds are the pictures `gatelab plot all` draws for the same sweep (every registered plot
// kind, some with one picture per run): computed from the plot registry's own output, not a hard-coded count.
size_t plot_all_pictures(const std::string& dir) {
  auto r = run_gatelab("plot all --sweep fixture --format svg -o '" + dir + "' " + db_arg());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) n += entry.path().extension() == ".svg";
  return n;
}

// The page without the contents of its <script> elements (the inlined libraries hold markup-like strings).
std::string without_scripts(const std::string& page) {
  std::string out;
  size_t at = 0;
  for (size_t open = page.find("<script", at); open != std::string::npos; open = page.find("<script", at)) {
    const size_t body = page.find('>', open) + 1, close = page.find("</script>", body);
    out += page.substr(at, body - at);
    at = close;
  }
  return out + page.substr(at);
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("report writes one self-contained page with the summary and plots and config", "[report][slow]") {
  if (run_shell("command -v gnuplot").exit_code != 0) {
    WARN("skipped: gnuplot not installed (Debian: gnuplot-nox)");
    return;
  }
  TempDir dir("report");
  const std::string page_path = dir.file("fixture.html");
  auto r = run_gatelab("report fixture -o '" + page_path + "' " + db_arg());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string full_page = read_file(page_path), page = without_scripts(full_page);
  // Self-contained: nothing loaded from elsewhere; the packaged libraries are inlined.
  CHECK(full_page.find("src=\"http") == std::string::npos);
  CHECK(full_page.find("href=\"http") == std::string::npos);
  CHECK(page.find("<link rel=\"stylesheet\"") == std::string::npos);
  CHECK(page.find(" src=") == std::string::npos);
  for (const auto& script : gatelab::analysis::html::packaged_scripts())
    CHECK(full_page.find("<script data-package=\"" + script.package + "\">") != std::string::npos);
  // Results first: one row per run of the sweep, the run's name first, final metrics before the config axes.
  CHECK(count(page, "<table class=\"results\" id=\"summary-table\">") == 1);
  const auto header = page.substr(page.find("id=\"summary-table\""), 2000);
  CHECK(header.find("<th>run</th>") < header.find("<th>final_valid_loss</th>"));
  CHECK(header.find("<th>final_valid_loss</th>") < header.find("<th>variant</th>"));
  CHECK(page.find("id=\"summary\"") < page.find("id=\"plots\""));
  const auto summary = page.substr(page.find("id=\"summary-table\""));
  const auto summary_body = summary.substr(0, summary.find("</tbody>"));
  CHECK(count(summary_body, "<tr>") == 1 + sweep_fixture_runs().size());  // header + one row per run
  for (const auto& [name, id] : sweep_fixture_runs()) CHECK(summary_body.find(id) != std::string::npos);
  // Compact numbers: tokens_done (15,360 = 30 steps x 16 x 32) shows as 15.4k, the exact value in its title.
  CHECK_THAT(summary_body, Catch::Contains("data-order=\"15360\" title=\"15360\">15.4k</td>"));
  CHECK_FALSE(std::regex_search(summary_body, std::regex(R"(>-?[0-9.]+e\+[0-9]+<)")));  // no 1.394e+04
  // Plots inline as SVG, one figure per picture of `plot all` (at least one per registered plot kind).
  const size_t pictures = plot_all_pictures(dir.file("plots"));
  CHECK(pictures >= gatelab::analysis::plot_registry().entries().size());
  CHECK(count(page, "<figure class=\"plot\"") == pictures);
  CHECK(count(page, "<svg") == pictures);
  CHECK(page.find("<?xml") == std::string::npos);
  // Ids are unique across the inlined pictures.
  std::regex id_attr(R"re(\bid=['"]([^'"]+)['"])re");
  std::set<std::string> ids;
  size_t id_count = 0;
  for (std::sregex_iterator it(page.begin(), page.end(), id_attr), end; it != end; ++it, ++id_count)
    ids.insert((*it)[1].str());
  CHECK(ids.size() == id_count);
  // The sweep's config.
  CHECK(page.find("baseline: soft_base") != std::string::npos);
  CHECK(page.find("model.attn.gate_position") != std::string::npos);  // in "what the runs differ in"
  CHECK(page.find("id=\"baseline-table\"") != std::string::npos);
}

namespace {

// Drives the page's controls after it loads, as a reader would, and writes what it saw into body[data-test-*]:
// the search box, group-by, the metric, x-axis, log, smoothing and seed-band controls, and the comparison.
const char* kDriver = R"js(<script>
window.addEventListener('load', function () {
  function mark(name, value) { document.body.setAttribute('data-test-' + name, String(value)); }
  var table = $('#summary-table').DataTable();
  table.search('gla').draw();
  mark('filtered', table.rows({search: 'applied'}).count());
  table.search('').draw();
  $('#group-by').val('attn_kind').trigger('change');
  mark('groups', $('#summary-table tr.group').map(function () { return $(this).text(); }).get().join('|'));
  $('#metric').val('valid accuracy').trigger('change');
  mark('metric', $('#chart-box').attr('data-metric') + ' ' + chart.options.scales.y.title.text);
  mark('series', $('#chart-box').attr('data-series') + ' ' + $('#chart-box').attr('data-bands'));
  $('#bands').prop('checked', false).trigger('change');
  mark('run-series', $('#chart-box').attr('data-series') + ' ' + $('#chart-box').attr('data-bands'));
  $('#x-axis').val('1').trigger('change');
  $('#log-y').prop('checked', true).trigger('change');
  mark('axes', $('#chart-box').attr('data-x') + ' ' + chart.options.scales.y.type);
  var raw = chart.data.datasets[0].data.map(function (p) { return p.y; });
  $('#smooth').val('0.9').trigger('change');
  var smoothed = chart.data.datasets[0].data.map(function (p) { return p.y; });
  mark('smoothed', raw[0] === smoothed[0] && raw[raw.length - 1] !== smoothed[smoothed.length - 1]);
  $('input.pick').filter(function () { return GATELAB_PICKS.indexOf(this.value) >= 0; }).prop('checked', true);
  $('#compare-button').trigger('click');
  mark('compared', $('#compare table thead th').length);
  mark('diff', $('#compare tr.config-diff td:first-child').map(function () { return $(this).text(); }).get().join('|'));
  gatelabMark();
});
</script>
)js";

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

}  // namespace

TEST_CASE("the report loads in headless Chromium without errors and its controls work", "[report][chromium][slow]") {
  const std::string chromium = chromium_binary();
  if (chromium.empty()) {
    WARN("skipped: chromium not installed (Debian: chromium)");
    return;
  }
  if (run_shell("command -v gnuplot").exit_code != 0) {
    WARN("skipped: gnuplot not installed (Debian: gnuplot-nox)");
    return;
  }
  TempDir dir("report-chromium");
  // The fixture with gla_lr3 run at three seeds: 8 runs, 6 cases, one with a band.
  const std::string db = copy_sweep_fixture(dir.path());
  add_seed_copies(db, "gla_lr3", 2);
  const std::string page_path = dir.file("fixture.html");
  REQUIRE(run_gatelab("report fixture -o '" + page_path + "' --db '" + db + "'").exit_code == 0);
  const std::string page = read_file(page_path);
  const size_t figures = count(page, "<figure class=\"plot\"");
  REQUIRE(figures == plot_all_pictures(dir.file("plots")));
  // --dump-dom prints the DOM after the load event; the page's first script records uncaught errors, failed
  // loads, rejected promises and console.error calls into it (body[data-errors], #gatelab-errors).
  auto open_in_chromium = [&](const std::string& file, const std::string& profile) {
    // Braces keep chromium's own stderr (its logging) out of the DOM on stdout: run_shell appends 2>&1.
    return run_shell("{ timeout 120 " + chromium +
                     " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                     "--disable-background-networking --disable-component-update --disable-sync --disable-extensions "
                     "--user-data-dir='" +
                     dir.file(profile) + "' --dump-dom 'file://" + file + "' 2>'" + dir.file(profile + ".stderr") +
                     "'; }");
  };
  auto result = open_in_chromium(page_path, "profile");
  INFO("chromium stderr:\n" << read_file(dir.file("profile.stderr")));
  REQUIRE(result.exit_code == 0);
  const std::string& dom = result.output;
  CHECK_THAT(dom, Catch::Contains("data-errors=\"0\""));
  CHECK_THAT(dom, Catch::Contains("data-plots-rendered=\"" + std::to_string(figures) + "\""));
  CHECK(count(dom, "<figure class=\"plot\"") == figures);
  CHECK(dom.find("<pre id=\"gatelab-errors\"></pre>") != std::string::npos);
  // Every results table became a DataTable (search box and sorting).
  CHECK_THAT(dom, Catch::Contains("data-tables=\"" + std::to_string(count(page, "<table class=\"results\"")) + "\""));
  CHECK_THAT(dom, Catch::Contains("id=\"summary-table_filter\""));

  // The controls, driven after load.
  const auto& runs = sweep_fixture_runs();
  size_t gla_runs = 0;
  for (const auto& [name, id] : runs) gla_runs += name.find("gla") != std::string::npos;
  std::string driver =
      replace_all(kDriver, "GATELAB_PICKS", "['" + runs.at("gla_lr1") + "', '" + runs.at("gla_lr3") + "']");
  std::string driven = page;
  driven.insert(driven.rfind("</body>"), driver);
  write_file(dir.file("driven.html"), driven);
  auto controls = open_in_chromium(dir.file("driven.html"), "profile3");
  INFO("chromium stderr:\n" << read_file(dir.file("profile3.stderr")));
  REQUIRE(controls.exit_code == 0);
  const std::string& after = controls.output;
  CHECK_THAT(after, Catch::Contains("data-errors=\"0\""));
  // Search: the gla runs and gla_lr3's two seed copies.
  CHECK_THAT(after, Catch::Contains("data-test-filtered=\"" + std::to_string(gla_runs + 2) + "\""));
  // Group by attn_kind: one header row per kind, with its run count.
  CHECK_THAT(after,
             Catch::Contains("data-test-groups=\"attn_kind = softmax (3 runs)|attn_kind = linear (5 runs)\"") ||
                 Catch::Contains("data-test-groups=\"attn_kind = linear (5 runs)|attn_kind = softmax (3 runs)\""));
  // Metric switch: the chart and its axis title follow.
  CHECK_THAT(after, Catch::Contains("data-test-metric=\"valid accuracy valid accuracy\""));
  // Seed bands: 6 cases, one (gla_lr3, three seeds) with its band's two edges; per run: 8 curves, no band.
  CHECK_THAT(after, Catch::Contains("data-test-series=\"6 2\""));
  CHECK_THAT(after, Catch::Contains("data-test-run-series=\"8 0\""));
  CHECK_THAT(after, Catch::Contains("data-test-axes=\"training tokens logarithmic\""));
  CHECK_THAT(after, Catch::Contains("data-test-smoothed=\"true\""));
  // Compare: two runs side by side (plus the label column); they differ in the learning rate only.
  CHECK_THAT(after, Catch::Contains("data-test-compared=\"3\""));
  CHECK_THAT(after, Catch::Contains("data-test-diff=\"train.lr\""));

  // The checks above can fail: the same page with an uncaught exception and a console.error call reports both.
  std::string broken = page;
  broken.insert(broken.rfind("<pre id=\"gatelab-errors\">"),
                "<script>console.error('gatelabLoggedError');</script>\n<script>gatelabNoSuchFunction();</script>\n");
  write_file(dir.file("broken.html"), broken);
  auto broken_result = open_in_chromium(dir.file("broken.html"), "profile2");
  REQUIRE(broken_result.exit_code == 0);
  CHECK_THAT(broken_result.output, Catch::Contains("data-errors=\"2\"") && Catch::Contains("gatelabNoSuchFunction") &&
                                       Catch::Contains("console.error: gatelabLoggedError"));
}

TEST_CASE("report: unknown sweep is a clear error with exit code 2", "[report][slow]") {
  auto r = run_gatelab("report nosuchsweep " + db_arg());
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Contains("unknown sweep 'nosuchsweep'") && Catch::Contains("fixture"));
  auto missing = run_gatelab("report fixture --db /nonexistent.db");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.output, Catch::Contains("no results database at '/nonexistent.db'"));
}
