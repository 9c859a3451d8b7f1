// The researcher's organisation of a results DB: tags and notes on runs and sweeps (stored, idempotent, visible
// in SQL through run_tags and run_notes), `query --sweep` scoping every table and view, `diff` of two runs, and
// run_summary's sweep column.
#include <catch2/catch.hpp>

#include "tests/analysis/sweep_fixture.h"
#include "tests/support/test_support.h"

using namespace gatelab::test;

namespace {

std::string csv(const std::string& db, const std::string& sql, const std::string& extra = "") {
  auto r = run_gatelab("query \"" + sql + "\" --format csv --db '" + db + "' " + extra);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return r.output;
}

}  // namespace

TEST_CASE("tag and note label runs and sweeps and SQL sees both", "[labels][slow]") {
  TempDir dir("labels");
  const std::string db = copy_sweep_fixture(dir.path());
  const std::string on = " --db '" + db + "'";
  REQUIRE(run_gatelab("tag gla_d16 idea=wide-gate lr=high" + on).exit_code == 0);
  REQUIRE(run_gatelab("tag gla_d16 idea=narrow" + on).exit_code == 0);  // replaces: one value per key
  auto sweep_tag = run_gatelab("tag fixture owner=me" + on);
  INFO(sweep_tag.output);
  REQUIRE(sweep_tag.exit_code == 0);
  CHECK_THAT(sweep_tag.output, Catch::Contains("owner=me  (sweep fixture)"));
  const std::string sql = "SELECT run_name, key, value, source FROM run_tags WHERE run_name = 'gla_d16' ORDER BY key";
  CHECK(csv(db, sql) ==
        "run_name,key,value,source\ngla_d16,idea,narrow,run\ngla_d16,lr,high,run\ngla_d16,owner,me,sweep fixture\n");
  REQUIRE(run_gatelab("tag gla_d16 lr=" + on).exit_code == 0);  // key= removes
  CHECK(csv(db, sql) == "run_name,key,value,source\ngla_d16,idea,narrow,run\ngla_d16,owner,me,sweep fixture\n");

  REQUIRE(run_gatelab("note soft_base the baseline, as in the paper" + on).exit_code == 0);
  REQUIRE(run_gatelab("note sweep:fixture first try" + on).exit_code == 0);
  CHECK(csv(db, "SELECT note, source FROM run_notes WHERE run_name = 'soft_base' ORDER BY source") ==
        "note,source\n\"the baseline, as in the paper\",run\nfirst try,sweep fixture\n");
  auto shown = run_gatelab("note soft_base" + on);
  CHECK_THAT(shown.output, Catch::Contains("the baseline, as in the paper"));

  auto bad = run_gatelab("tag gla_d16 novalue" + on);
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Catch::Contains("'novalue' is not key=value"));
  const auto before = read_file(db);
  auto unknown = run_gatelab("tag gla_d61 a=b" + on);
  CHECK(read_file(db) == before);  // a target that matches nothing writes nothing
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.output, Catch::Contains("neither a run nor a sweep"));
  CHECK_THAT(unknown.output, Catch::Contains("did you mean 'gla_d16'?"));
}

TEST_CASE("query --sweep scopes every table and view to the sweep's runs", "[labels][query][slow]") {
  const std::string db = sweep_fixture_db();
  CHECK(csv(db, "SELECT count(*) AS n FROM run_summary") == "n\n6\n");
  CHECK(csv(db, "SELECT count(*) AS n FROM run_summary", "--sweep narrow") == "n\n1\n");
  CHECK(csv(db, "SELECT count(DISTINCT run_id) AS n FROM metrics", "--sweep narrow") == "n\n1\n");
  CHECK(csv(db, "SELECT count(*) AS n FROM runs", "--sweep fixture") == "n\n6\n");
  // run_summary names each run's sweeps.
  CHECK(csv(db, "SELECT sweep FROM run_summary WHERE name = 'gla_d16'") == "sweep\n\"fixture, narrow\"\n");
  CHECK(csv(db, "SELECT sweep FROM run_summary WHERE name = 'gla_d16'", "--sweep narrow") == "sweep\nnarrow\n");
  auto unknown = run_gatelab("query \"SELECT 1\" --sweep narow --db '" + db + "'");
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.output, Catch::Contains("did you mean 'narrow'?"));
}

TEST_CASE("diff prints the config keys and final metrics in which two runs differ", "[labels][slow]") {
  auto r = run_gatelab("diff gla_lr1 gla_lr3 --db '" + sweep_fixture_db() + "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("config: 1 keys differ"));
  CHECK_THAT(r.output, Catch::Contains("train.lr"));
  CHECK_THAT(r.output, Catch::Contains("0.001"));
  CHECK_THAT(r.output, Catch::Contains("0.003"));
  CHECK_THAT(r.output, Catch::Contains("final metrics:"));
  CHECK_THAT(r.output, Catch::Contains("accuracy"));
  auto same = run_gatelab("diff gla_lr1 gla_lr1 --db '" + sweep_fixture_db() + "'");
  CHECK_THAT(same.output, Catch::Contains("config: identical"));
  CHECK(run_gatelab("diff gla_lr1 --db '" + sweep_fixture_db() + "'").exit_code == 2);
}
