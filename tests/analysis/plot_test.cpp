// gatelab plot: every plot kind renders valid, non-trivial PNG and SVG files with their CSV and gnuplot script.
#include "analysis/plots/plot.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "tests/analysis/csv_reader.h"
#include "tests/analysis/sweep_fixture.h"
#include "tests/support/test_support.h"

using namespace gatelab::test;
namespace fs = std::filesystem;

namespace {

std::string db_arg() { return "--db '" + sweep_fixture_db() + "'"; }

bool gnuplot_installed() { return run_shell("command -v gnuplot").exit_code == 0; }

void check_png(const std::string& path) {
  INFO(path);
  REQUIRE(fs::exists(path));
  const std::string bytes = read_file(path);
  CHECK(bytes.size() > 5000);  // axes, labels and curves; an empty canvas is ~1-2 kB
  CHECK(bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  CHECK(bytes.find("IHDR") == 12);
  CHECK(bytes.find("IEND") == bytes.size() - 8);
}

void check_svg(const std::string& path) {
  INFO(path);
  REQUIRE(fs::exists(path));
  const std::string text = read_file(path);
  CHECK(text.size() > 5000);
  CHECK(text.find("<svg") != std::string::npos);
  CHECK(text.rfind("</svg>") != std::string::npos);
  CHECK(text.find("<path") != std::string::npos);  // curves were drawn
  // The xmllint check is stronger when available (it is in libxml2-utils).
  if (run_shell("command -v xmllint").exit_code == 0) CHECK(run_shell("xmllint --noout '" + path + "'").exit_code == 0);
}

}  // namespace

TEST_CASE("plot all renders every kind to PNG and SVG with CSV and script beside each", "[plot][slow]") {
  if (!gnuplot_installed()) {
    WARN("skipped: gnuplot not installed (Debian: gnuplot-nox)");
    return;
  }
  TempDir dir("plot");
  auto r = run_gatelab("plot all --sweep fixture -o '" + dir.path() + "' " + db_arg());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  // Every registered plot kind wrote at least one picture, and every picture has its SVG, CSV and script beside it.
  std::set<std::string> stems;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    if (entry.path().extension() == ".png") stems.insert(entry.path().stem().string());
  for (const auto& kind : gatelab::analysis::plot_registry().names()) {
    INFO("plot kind " << kind);
    CHECK(std::any_of(stems.begin(), stems.end(), [&](const std::string& stem) { return stem.rfind(kind, 0) == 0; }));
  }
  for (const std::string& stem : stems) {
    check_png(dir.file(stem + ".png"));
    check_svg(dir.file(stem + ".svg"));
    CHECK(parse_csv(read_file(dir.file(stem + ".csv"))).size() > 1);
    CHECK_THAT(read_file(dir.file(stem + ".gp")), Catch::Contains(stem + ".csv") && Catch::Contains("set title"));
  }
  // Gate histograms: one picture per gated run of the fixture.
  CHECK(fs::exists(dir.file("gate_histograms_soft_g1.png")));
  CHECK(fs::exists(dir.file("gate_histograms_gla_lr3.png")));
  // The ungated baseline has no gate, so no histogram.
  CHECK_FALSE(fs::exists(dir.file("gate_histograms_soft_base.png")));
  // Titles, axis labels with units and legends are in the picture.
  const std::string loss = read_file(dir.file("loss_curves.svg"));
  CHECK_THAT(loss, Catch::Contains("validation loss by variant") && Catch::Contains("step (optimizer steps)") &&
                       Catch::Contains("nats/token") && Catch::Contains("softmax G1/headwise/sigmoid"));
  const std::string sinks = read_file(dir.file("sinks.svg"));
  CHECK_THAT(sinks, Catch::Contains("first-token attention share") && Catch::Contains("ungated baseline"));
}

TEST_CASE("a plot's script re-renders from its folder with the command written in it", "[plot][slow]") {
  if (!gnuplot_installed()) {
    WARN("skipped: gnuplot not installed (Debian: gnuplot-nox)");
    return;
  }
  TempDir dir("plot-gp");
  REQUIRE(
      run_gatelab("plot loss_curves --by gate_position --format svg -o '" + dir.path() + "' " + db_arg()).exit_code ==
      0);
  const std::string stem = "loss_curves_by_gate_position";
  REQUIRE(fs::exists(dir.file(stem + ".svg")));
  CHECK_FALSE(fs::exists(dir.file(stem + ".png")));
  // Restyle: change the title in the script, rerun the SVG command written at its top, get the new title.
  std::string script = read_file(dir.file(stem + ".gp"));
  const size_t svg_terminal = script.find("set terminal svg");
  REQUIRE(svg_terminal != std::string::npos);
  const size_t svg_line = script.find("gnuplot -e", script.rfind('\n', svg_terminal));
  REQUIRE(svg_line != std::string::npos);
  const std::string command = script.substr(svg_line, script.find('\n', svg_line) - svg_line);
  CHECK_THAT(command, Catch::Contains(stem + ".svg"));
  const size_t title = script.find("\nset title '");
  REQUIRE(title != std::string::npos);
  script = script.substr(0, title) + "\nset title 'restyled by hand'" + script.substr(script.find('\n', title + 1));
  write_file(dir.file(stem + ".gp"), script);
  fs::remove(dir.file(stem + ".svg"));
  auto rerun = run_shell("cd '" + dir.path() + "' && " + command);
  INFO(command << "\n" << rerun.output);
  CHECK(rerun.exit_code == 0);
  CHECK_THAT(read_file(dir.file(stem + ".svg")), Catch::Contains("restyled by hand"));
}

TEST_CASE("plots handle run names with commas and split loss curves by task", "[plot][slow]") {
  if (!gnuplot_installed()) {
    WARN("skipped: gnuplot not installed (Debian: gnuplot-nox)");
    return;
  }
  TempDir dir("plot-commas");
  const std::string db = copy_sweep_fixture(dir.path());
  // Sweep run names like "task=mqar,kind=linear" hold commas; gnuplot splits CSV fields at every comma, quoted or
  // not, so the plots must not depend on text columns. And a second task gets its own loss-curve figure.
  {
    SQLite::Database edit(db, SQLite::OPEN_READWRITE);
    edit.exec("UPDATE runs SET name = 'gla,lr3' WHERE name = 'gla_lr3'");
    edit.exec("UPDATE runs SET config_json = json_set(config_json, '$.task.name', 'bytes') WHERE name = 'gla_d16'");
  }
  auto r = run_gatelab("plot all -o '" + dir.file("plots") + "' --db '" + db + "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(read_file(dir.file("plots/gate_saturation.csv")), Catch::Contains("\"gla,lr3\""));
  CHECK_THAT(read_file(dir.file("plots/gate_saturation.svg")), Catch::Contains("gla,lr3: alpha"));
  check_svg(dir.file("plots/sinks.svg"));
  check_png(dir.file("plots/loss_curves_mqar.png"));
  check_png(dir.file("plots/loss_curves_bytes.png"));
  CHECK_FALSE(fs::exists(dir.file("plots/loss_curves.png")));
  CHECK_THAT(read_file(dir.file("plots/loss_curves_bytes.svg")), Catch::Contains("(task bytes)"));
}

TEST_CASE("plot: bad input is a clear error with exit code 2", "[plot][slow]") {
  auto kind = run_gatelab("plot histogram " + db_arg());
  CHECK(kind.exit_code == 2);
  CHECK_THAT(kind.output, Catch::Contains("unknown plot 'histogram'") && Catch::Contains("gate_histograms"));
  auto axis = run_gatelab("plot loss_curves --by colour " + db_arg());
  CHECK(axis.exit_code == 2);
  CHECK_THAT(axis.output, Catch::Contains("unknown ablation axis 'colour'") && Catch::Contains("gate_position"));
  auto metric = run_gatelab("plot loss_curves --metric perplexity " + db_arg());
  CHECK(metric.exit_code == 2);
  CHECK_THAT(metric.output, Catch::Contains("unknown metric 'perplexity'"));
  auto sweep = run_gatelab("plot all --sweep nope " + db_arg());
  CHECK(sweep.exit_code == 2);
  CHECK_THAT(sweep.output, Catch::Contains("unknown sweep 'nope'"));
  auto nothing = run_gatelab("plot gate_histograms --run soft_base " + db_arg());
  CHECK(nothing.exit_code == 2);
  CHECK_THAT(nothing.output, Catch::Contains("nothing to plot for gate_histograms"));
}
