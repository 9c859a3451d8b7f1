// The committed studies (analysis/studies/<study>/): every table a study README quotes is a query
// (tables/<name>.sql, its first line naming the study's DB: "-- db: <file>.db.zst") with its committed result
// (tables/<name>.csv). Running each query on its committed DB with today's gatelab must give the committed result,
// so a schema or view change that would orphan a study's numbers fails here. Loops over whatever is committed.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <regex>
#include <set>

#include "tests/analysis/csv_reader.h"
#include "tests/support/test_support.h"

using namespace gatelab::test;
namespace fs = std::filesystem;

namespace {

struct StudyTable {
  fs::path sql;       // analysis/studies/<study>/tables/<name>.sql
  fs::path expected;  // the same name, .csv
  fs::path db;        // the compressed DB its first line names
};

std::vector<StudyTable> committed_tables() {
  std::vector<StudyTable> out;
  const fs::path studies = fs::path(source_dir()) / "analysis" / "studies";
  const std::regex db_line(R"(^-- db: ([A-Za-z0-9_.-]+\.db\.zst)\s*$)");
  for (const auto& entry : fs::recursive_directory_iterator(studies)) {
    if (entry.path().extension() != ".sql" || entry.path().parent_path().filename() != "tables") continue;
    const std::string text = read_file(entry.path().string());
    std::smatch m;
    const std::string first = text.substr(0, text.find('\n'));
    INFO(entry.path().string());
    REQUIRE(std::regex_match(first, m, db_line));
    out.push_back({entry.path(), fs::path(entry.path()).replace_extension(".csv"),
                   entry.path().parent_path().parent_path() / m[1].str()});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.sql < b.sql; });
  return out;
}

// Numbers agree to 1e-9 (relative); everything else exactly.
bool same_cell(const std::string& got, const std::string& want) {
  if (got == want) return true;
  char* end_got = nullptr;
  char* end_want = nullptr;
  const double a = std::strtod(got.c_str(), &end_got), b = std::strtod(want.c_str(), &end_want);
  if (got.empty() || want.empty() || *end_got != '\0' || *end_want != '\0') return false;
  return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b));
}

}  // namespace

TEST_CASE("every committed study table equals its query on the committed study DB", "[studies][slow]") {
  REQUIRE(run_shell("command -v zstd").exit_code == 0);  // scripts/setup.sh installs it
  const auto tables = committed_tables();
  // The studies of issues 14 and 19 each publish at least one table: a folder losing its tables fails here.
  std::set<std::string> studies;
  for (const auto& t : tables) studies.insert(t.sql.parent_path().parent_path().filename().string());
  for (const char* study : {"gated_attention", "regla", "gate_saturation", "mqar"}) {
    INFO("study " << study);
    CHECK(studies.count(study) == 1);
  }
  TempDir dir("studies");
  for (const auto& t : tables) {
    INFO(t.sql.string());
    REQUIRE(fs::exists(t.db));
    REQUIRE(fs::exists(t.expected));
    const std::string db = dir.file(t.db.stem().string());  // <name>.db
    if (!fs::exists(db)) REQUIRE(run_shell("zstd -q -d '" + t.db.string() + "' -o '" + db + "'").exit_code == 0);
    // The SQL travels through the shell as a file's contents ("$(cat ...)" is not re-read by the shell).
    auto r = run_gatelab("query --format csv --db '" + db + "' --sql \"$(cat '" + t.sql.string() + "')\"");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto got = parse_csv(r.output);
    const auto want = parse_csv(read_file(t.expected.string()));
    REQUIRE(want.size() > 1);  // a header and at least one row
    REQUIRE(got.size() == want.size());
    CHECK(got[0] == want[0]);
    for (size_t i = 1; i < want.size(); ++i) {
      REQUIRE(got[i].size() == want[i].size());
      for (size_t j = 0; j < want[i].size(); ++j) {
        INFO("row " << i << ", column " << want[0][j]);
        CHECK(same_cell(got[i][j], want[i][j]));
      }
    }
  }
}

// The README's generated tables (markers "<!-- generated from <study>/tables/<name>.sql -->") are exactly what
// scripts/readme_tables.py writes from the committed study DBs, so no README figure is typed by hand.
TEST_CASE("the README tables generated from study DBs are up to date", "[studies][slow]") {
  REQUIRE(run_shell("command -v zstd && command -v python3").exit_code == 0);
  const std::string gatelab = gatelab_binary();
  auto r = run_shell("python3 '" + source_dir() + "/scripts/readme_tables.py' --gatelab '" + gatelab + "' --check '" +
                     source_dir() + "/README.md'");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("generated tables up to date") != std::string::npos);
  // A stale table is found: the same README with one figure changed fails the check.
  TempDir dir("readme_tables");
  std::string text = read_file(source_dir() + "/README.md");
  const auto at = text.find("| gla_d512_l6 | torch_eager | ");
  REQUIRE(at != std::string::npos);
  text.replace(at, 30, "| gla_d512_l6 | torch_eager | 1");
  write_file(dir.file("README.md"), text);
  auto stale = run_shell("python3 '" + source_dir() + "/scripts/readme_tables.py' --gatelab '" + gatelab +
                         "' --check '" + dir.file("README.md") + "'");
  CHECK(stale.exit_code == 1);
  CHECK(stale.output.find("stale generated tables") != std::string::npos);
}
