// A small real sweep for the analysis tests: six tiny MQAR runs trained by the built gatelab binary (softmax
// baseline, softmax G1 elementwise and headwise, GLA at two learning rates and two widths), linked into sweep
// "fixture" (baseline: soft_base) and a second sweep "narrow" (gla_d16 alone). Training takes about a minute,
// so the DB is built once and cached beside the binary (rebuilt when the binary is newer); a file lock keeps
// parallel ctest processes from building it twice.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace gatelab::test {

// Path of the cached fixture DB. Tests must open it read-only or copy it first.
const std::string& sweep_fixture_db();

// Run name (as given to --name) -> run_id, for the fixture's runs.
const std::map<std::string, std::string>& sweep_fixture_runs();

// A writable copy of the fixture in `dir` (for tests that add rows).
std::string copy_sweep_fixture(const std::string& dir);

// Adds `copies` repeats of run `name` to the DB at `db_path` (a copy of the fixture): seeds 1..copies, each with
// the run's config but its seed, every metric value scaled by (1 + 0.03 x seed), and the same sweep links under
// "<name in the sweep>,seed=<seed>". Returns the new run ids. For the seed views, bands and spreads.
std::vector<std::string> add_seed_copies(const std::string& db_path, const std::string& name, int copies);

}  // namespace gatelab::test
