// gatelab plot: every plot kind renders valid, non-trivial PNG and SVG files with their CSV and gnuplot script.
#include "analysis/plots/plot.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

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
  // Each histogram picture shows the run's first evaluation (the init), the one nearest the middle and the last.
  {
    auto span = run_gatelab("query \"SELECT group_concat(step, ' ') AS steps FROM (SELECT DISTINCT step FROM "
                            "gate_histogram_rows WHERE run_name = 'gla_lr3' ORDER BY step)\" --format csv " +
                            db_arg());
    REQUIRE(span.exit_code == 0);
    std::vector<long long> steps;
    std::istringstream in(parse_csv(span.output).at(1).at(0));
    for (long long s; in >> s;) steps.push_back(s);
    REQUIRE(steps.size() >= 3);
    const double middle = (steps.front() + steps.back()) / 2.0;
    const long long nearest = *std::min_element(steps.begin(), steps.end(), [&](long long a, long long b) {
      return std::abs(a - middle) < std::abs(b - middle);
    });
    const auto rows = parse_csv(read_file(dir.file("gate_histograms_gla_lr3.csv")));
    const auto step_col = std::find(rows[0].begin(), rows[0].end(), "step") - rows[0].begin();
    std::set<long long> drawn;
    for (size_t i = 1; i < rows.size(); ++i) drawn.insert(std::stoll(rows[i][step_col]));
    CHECK(drawn == std::set<long long>{steps.front(), nearest, steps.back()});
    const std::string script = read_file(dir.file("gate_histograms_gla_lr3.gp"));
    for (long long s : drawn) CHECK_THAT(script, Catch::Contains(", step " + std::to_string(s) + "'"));
  }
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

TEST_CASE("loss curves draw the mean over seeds with a shaded 95 percent band", "[plot][seeds][slow]") {
  if (!gnuplot_installed()) {
    WARN("skipped: gnuplot not installed (Debian: gnuplot-nox)");
    return;
  }
  TempDir dir("plot-seeds");
  const std::string db = copy_sweep_fixture(dir.path());
  add_seed_copies(db, "gla_lr3", 2);  // gla_lr3 now has seeds 0, 1, 2
  auto r = run_gatelab("plot loss_curves --sweep fixture --format svg -o '" + dir.path() + "' --db '" + db + "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto rows = parse_csv(read_file(dir.file("loss_curves.csv")));
  const auto& header = rows.front();
  auto col = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  // One curve per case: the six fixture runs are six cases, the copies join gla_lr3's.
  std::set<std::string> cases;
  bool banded = false;
  for (size_t i = 1; i < rows.size(); ++i) {
    cases.insert(rows[i][col("case_id")]);
    if (rows[i][col("case_name")] != "gla_lr3") {
      CHECK(rows[i][col("n_seeds")] == "1");
      CHECK(rows[i][col("ci95_low")].empty());  // one seed: no band
      continue;
    }
    CHECK(rows[i][col("n_seeds")] == "3");
    // The mean of v, 1.03 v and 1.06 v is 1.03 v, inside its band.
    const double mean = std::stod(rows[i][col("loss")]);
    CHECK(std::stod(rows[i][col("ci95_low")]) < mean);
    CHECK(std::stod(rows[i][col("ci95_high")]) > mean);
    banded = true;
  }
  CHECK(cases.size() == 6);
  CHECK(banded);
  const std::string script = read_file(dir.file("loss_curves.gp"));
  CHECK_THAT(script, Catch::Contains("filledcurves") && Catch::Contains("mean over seeds with 95% band"));
  check_svg(dir.file("loss_curves.svg"));
}

TEST_CASE("plot axes options and x axes and metrics apply to every kind and PDF renders", "[plot][slow]") {
  if (!gnuplot_installed()) {
    WARN("skipped: gnuplot not installed (Debian: gnuplot-nox)");
    return;
  }
  TempDir dir("plot-axes");
  // Log x from 0.5: the layer plots keep their layer-1 points (log cannot show layer 0), every kind draws.
  auto r = run_gatelab("plot all --sweep fixture --logx --xlim 0.5: --ylim :10 --format svg,pdf -o '" + dir.path() +
                       "' " + db_arg());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  size_t scripts = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().extension() != ".gp") continue;
    ++scripts;
    const std::string stem = entry.path().stem().string(), script = read_file(entry.path().string());
    INFO(stem);
    // Right before every plot command, so the plot's own ranges do not win.
    const std::string applied = "set logscale x\nset xrange [0.5:*]\nset yrange [*:10]\nplot ";
    size_t plots = 0, with_axes = 0;
    for (size_t at = script.find("\nplot "); at != std::string::npos; at = script.find("\nplot ", at + 1)) ++plots;
    for (size_t at = script.find(applied); at != std::string::npos; at = script.find(applied, at + 1)) ++with_axes;
    CHECK(plots > 0);
    CHECK(with_axes == plots);
    const std::string pdf = read_file(dir.file(stem + ".pdf"));
    CHECK(pdf.compare(0, 5, "%PDF-") == 0);
    CHECK(pdf.size() > 3000);
  }
  CHECK(scripts >= gatelab::analysis::plot_registry().entries().size());
  // The x axis ends where the data ends.
  CHECK_THAT(read_file(dir.file("loss_curves.gp")), Catch::Contains("set autoscale xfix"));
  auto logy = run_gatelab("plot loss_curves --logy --format png -o '" + dir.file("logy") + "' " + db_arg());
  REQUIRE(logy.exit_code == 0);
  CHECK_THAT(read_file(dir.file("logy/loss_curves.gp")), Catch::Contains("set logscale y\nplot "));
  check_png(dir.file("logy/loss_curves.png"));

  // --x tokens and time: the CSV's x column is step x batch x seq_len and the training seconds.
  auto tokens =
      run_gatelab("plot loss_curves --run gla_lr3 --x tokens --format svg -o '" + dir.path() + "' " + db_arg());
  REQUIRE(tokens.exit_code == 0);
  const auto rows = parse_csv(read_file(dir.file("loss_curves_vs_tokens.csv")));
  const auto& header = rows.front();
  auto col = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  REQUIRE(rows.size() > 2);
  for (size_t i = 1; i < rows.size(); ++i) {
    CHECK(std::stod(rows[i][col("tokens")]) == std::stod(rows[i][col("step")]) * 16 * 32);  // fixture: B 16, L 32
    // No training time has passed at step 0 (the evaluation of the init); after it, some has.
    if (std::stod(rows[i][col("step")]) == 0) CHECK(std::stod(rows[i][col("time_s")]) == 0);
    else CHECK(std::stod(rows[i][col("time_s")]) > 0);
  }
  CHECK_THAT(read_file(dir.file("loss_curves_vs_tokens.gp")),
             Catch::Contains("using 'tokens'") && Catch::Contains("training tokens"));
  auto time = run_gatelab("plot loss_curves --x time --format svg -o '" + dir.path() + "' " + db_arg());
  REQUIRE(time.exit_code == 0);
  CHECK_THAT(read_file(dir.file("loss_curves_vs_time.gp")), Catch::Contains("using 'time_s'"));

  // --metric for each kind that offers one: a single panel, named in the file and the title.
  struct Choice {
    std::string kind, metric, stem, title;
  };
  for (const auto& c : std::vector<Choice>{
           {"sinks", "max_activation", "sinks_max_activation", "max activation by layer: ungated vs gated"},
           {"sinks", "first_token_share", "sinks_first_token_share", "first-token attention share by layer"},
           {"gate_saturation", "mean", "gate_saturation_mean", "mean gate value by layer"},
           {"mqar_accuracy", "final_accuracy", "mqar_final_accuracy", "final-evaluation accuracy"},
           {"gate_histograms", "count", "gate_histograms_count_gla_lr3", "gate values per bin (count)"},
           {"loss_curves", "accuracy", "loss_curves_valid_accuracy", "validation accuracy"}}) {
    INFO(c.kind << " --metric " << c.metric);
    auto m = run_gatelab("plot " + c.kind + " --metric " + c.metric + " --sweep fixture --format svg -o '" +
                         dir.path() + "' " + db_arg());
    INFO(m.output);
    REQUIRE(m.exit_code == 0);
    const std::string script = read_file(dir.file(c.stem + ".gp"));
    CHECK_THAT(script, Catch::Contains(c.title));
    if (c.kind == "sinks" || c.kind == "gate_saturation") CHECK_THAT(script, Catch::Contains("layout 1,1"));
  }
  // The sinks title says what it shows: with only ungated runs, no "ungated vs gated".
  auto ungated = run_gatelab("plot sinks --run soft_base --format svg -o '" + dir.file("ungated") + "' " + db_arg());
  REQUIRE(ungated.exit_code == 0);
  const std::string sinks = read_file(dir.file("ungated/sinks.gp"));
  CHECK_THAT(sinks, Catch::Contains("by layer (ungated runs)") && !Catch::Contains("ungated vs gated"));
}

TEST_CASE("saturation series are dodged apart at each layer and legends sit below the plot", "[plot][slow]") {
  if (!gnuplot_installed()) {
    WARN("skipped: gnuplot not installed (Debian: gnuplot-nox)");
    return;
  }
  TempDir dir("plot-dodge");
  auto r = run_gatelab("plot gate_saturation --sweep fixture --format svg -o '" + dir.path() + "' " + db_arg());
  REQUIRE(r.exit_code == 0);
  const std::string script = read_file(dir.file("gate_saturation.gp"));
  // Each series sits at its own offset from the layer (so a single-layer model's series do not overlap): no two
  // series of a panel share an x expression.
  std::set<std::string> offsets;
  size_t series = 0;
  for (size_t at = script.find("(column('layer') + "); at != std::string::npos;
       at = script.find("(column('layer') + ", at + 1), ++series)
    offsets.insert(script.substr(at, script.find(')', at + 19) - at));
  CHECK(series >= 4);  // both panels, two or more series each
  CHECK(offsets.size() * 2 == series);
  // Legends below the plot area, never beside it.
  for (const auto& entry : fs::directory_iterator(dir.path()))
    if (entry.path().extension() == ".gp")
      CHECK(read_file(entry.path().string()).find("key outside right") == std::string::npos);
  auto loss = run_gatelab("plot loss_curves --sweep fixture --format svg -o '" + dir.path() + "' " + db_arg());
  REQUIRE(loss.exit_code == 0);
  CHECK_THAT(read_file(dir.file("loss_curves.gp")), Catch::Contains("set key below"));
}

TEST_CASE("plot: bad axis options and metrics are clear errors with exit code 2", "[plot][slow]") {
  auto x = run_gatelab("plot loss_curves --x epochs " + db_arg());
  CHECK(x.exit_code == 2);
  CHECK_THAT(x.output, Catch::Contains("'epochs'") && Catch::Contains("tokens"));
  auto lim = run_gatelab("plot loss_curves --xlim 5 " + db_arg());
  CHECK(lim.exit_code == 2);
  CHECK_THAT(lim.output, Catch::Contains("--xlim '5'") && Catch::Contains("LO:HI"));
  auto word = run_gatelab("plot loss_curves --ylim a:b " + db_arg());
  CHECK(word.exit_code == 2);
  auto metric = run_gatelab("plot sinks --metric loss " + db_arg());
  CHECK(metric.exit_code == 2);
  CHECK_THAT(metric.output, Catch::Contains("unknown sinks metric 'loss'") && Catch::Contains("max_activation"));
  auto format = run_gatelab("plot sinks --format eps " + db_arg());
  CHECK(format.exit_code == 2);
  CHECK_THAT(format.output, Catch::Contains("pdf"));
}

TEST_CASE("plot without -o writes one sweep's figures into plots/<sweep> and the unfiltered ones into plots",
          "[plot][slow]") {
  if (!gnuplot_installed()) {
    WARN("skipped: gnuplot not installed (Debian: gnuplot-nox)");
    return;
  }
  TempDir dir("plot-default-dir");
  const std::string plot = "cd '" + dir.path() + "' && '" + gatelab_binary() + "' plot loss_curves --format svg ";
  auto one = run_shell(plot + "--sweep fixture " + db_arg());
  INFO(one.output);
  REQUIRE(one.exit_code == 0);
  check_svg(dir.file("plots/fixture/loss_curves.svg"));
  CHECK_FALSE(fs::exists(dir.file("plots/loss_curves.svg")));
  auto all = run_shell(plot + db_arg());
  REQUIRE(all.exit_code == 0);
  check_svg(dir.file("plots/loss_curves.svg"));
}
