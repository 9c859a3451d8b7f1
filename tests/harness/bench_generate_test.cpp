// `gatelab bench --generate` on the CPU with tiny settings: the rows it writes (decode, prefill, cache per sequence)
// for every model x batch x context, the cache sizes exactly as the models' shapes give them (a linear layer's state
// is the same at any context, softmax keys and values grow with it), and bad sizes or names exit 2 naming the fix.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "tests/support/test_support.h"

using namespace gatelab::test;

namespace {

double query_number(const std::string& db_path, const std::string& sql) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getDouble();
}

// Bytes per sequence of the cache rows (stored in GiB in peak_mem_gib).
double cache_bytes(const std::string& db, const std::string& model, int64_t batch, int64_t context) {
  return query_number(db, fmt::format("SELECT peak_mem_gib * 1073741824.0 FROM benches WHERE what = "
                                      "'generate_cache:{}' AND shape = 'B={} context={} new_tokens=4'",
                                      model, batch, context));
}

}  // namespace

TEST_CASE("bench --generate on the CPU writes decode prefill and cache rows for every model batch and context") {
  TempDir dir("generate");
  const std::string db = dir.file("bench.db");
  auto result =
      run_gatelab(fmt::format("bench --generate --device cpu --contexts 32,64 --batches 1,2 --new-tokens 4 --models "
                              "gla_d512_l6,softmax_d512_l6 "
                              "--db '{}'",
                              db));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  for (const std::string what : {"generate", "generate_prefill", "generate_cache"})
    CHECK(query_number(db, "SELECT count(*) FROM benches WHERE what LIKE '" + what + ":%_d512_l6'") == 8);
  CHECK(query_number(db,
                     "SELECT count(*) FROM benches WHERE what LIKE 'generate:%' AND tokens_per_s > 0 AND ms > 0 "
                     "AND dtype = 'float32'") == 8);
  CHECK(query_number(db, "SELECT count(*) FROM benches WHERE what LIKE 'generate_prefill:%' AND ms > 0") == 8);
  // GLA d512, 6 layers, 4 heads: a fp32 state of K = 64 (key_dim_ratio 0.5) x V = 128 per head, at any context.
  CHECK(cache_bytes(db, "gla_d512_l6", 1, 32) == Approx(6.0 * 4 * 64 * 128 * 4).epsilon(1e-9));
  CHECK(cache_bytes(db, "gla_d512_l6", 2, 64) == cache_bytes(db, "gla_d512_l6", 1, 32));
  // Softmax d512, 6 layers: fp32 keys and values of all context + 4 positions.
  CHECK(cache_bytes(db, "softmax_d512_l6", 2, 64) == Approx(6.0 * 2 * (64 + 4) * 512 * 4).epsilon(1e-9));
  CHECK(cache_bytes(db, "softmax_d512_l6", 1, 32) == Approx(6.0 * 2 * (32 + 4) * 512 * 4).epsilon(1e-9));
  // The view results/views/bench_generation.sql: one row per point, its batch and context parsed from the shape.
  CHECK(query_number(db, "SELECT count(*) FROM bench_generation WHERE decode_tokens_per_s > 0 AND prefill_ms > 0 "
                         "AND new_tokens = 4 AND note IS NULL") == 8);
  CHECK(query_number(db, "SELECT cache_mib_per_sequence * 1048576 FROM bench_generation WHERE model = "
                         "'softmax_d512_l6' AND batch = 2 AND context = 64") ==
        Approx(6.0 * 2 * (64 + 4) * 512 * 4).epsilon(1e-4));  // the view rounds to 1e-4 MiB
}

TEST_CASE("bench --generate refuses bad sizes and unknown models with exit code 2") {
  TempDir dir("generate_bad");
  const std::string db = dir.file("bench.db");
  auto zero = run_gatelab(fmt::format("bench --generate --device cpu --contexts 0 --db '{}'", db));
  CHECK(zero.exit_code == 2);
  CHECK(zero.output.find("--contexts") != std::string::npos);
  auto junk = run_gatelab(fmt::format("bench --generate --device cpu --batches 1,x --db '{}'", db));
  CHECK(junk.exit_code == 2);
  auto unknown = run_gatelab(fmt::format("bench --generate --device cpu --models gla_d512 --db '{}'", db));
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.output.find("gla_d512_l6") != std::string::npos);  // the valid names are listed
}
