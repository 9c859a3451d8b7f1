// gatelab report: one self-contained HTML page, opened in headless Chromium without console errors and with
// every plot present.
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <set>

#include "analysis/plots/plot.h"
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
  const std::string page = read_file(page_path);
  // Self-contained: nothing loaded from elsewhere.
  CHECK(page.find("src=\"http") == std::string::npos);
  CHECK(page.find("href=\"http") == std::string::npos);
  CHECK(page.find("<link rel=\"stylesheet\"") == std::string::npos);
  // Summary: one row per run of the sweep, sortable.
  CHECK(count(page, "<table class=\"sortable\" id=\"summary-table\">") == 1);
  const auto summary = page.substr(page.find("id=\"summary-table\""));
  const auto summary_body = summary.substr(0, summary.find("</tbody>"));
  CHECK(count(summary_body, "<tr>") == 1 + sweep_fixture_runs().size());  // header + one row per run
  for (const auto& [name, id] : sweep_fixture_runs()) CHECK(summary_body.find(id) != std::string::npos);
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

TEST_CASE("the report loads in headless Chromium without errors and shows every plot", "[report][chromium][slow]") {
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
  const std::string page_path = dir.file("fixture.html");
  REQUIRE(run_gatelab("report fixture -o '" + page_path + "' " + db_arg()).exit_code == 0);
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
