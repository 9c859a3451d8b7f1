// `gatelab tag RUN|SWEEP key=value...`: the researcher's own labels on a run or a sweep, in the results DB
// (tags table; view run_tags gives each run its own and its sweeps' tags). `key=` removes a tag.
#include <fmt/format.h>

#include <iostream>

#include "analysis/selection.h"
#include "analysis/table.h"
#include "harness/util/cli_options.h"
#include "harness/util/errors.h"
#include "harness/util/subcommand.h"

namespace gatelab::cli {

namespace {

const char* kTagUsage =
    "gatelab tag RUN|SWEEP key=value... [--db results.db]\n"
    "  RUN: a run id, id prefix or run name; SWEEP: a sweep name (run:X or sweep:X when X names both).\n"
    "  key= (no value) removes the tag. With no key=value, prints the tags. In SQL: the tags table and the view\n"
    "  run_tags (run_id, run_name, key, value, source), e.g.\n"
    "    gatelab query \"SELECT * FROM run_summary JOIN run_tags USING (run_id) WHERE key = 'idea'\"";

void print_tags(SQLite::Database& db, const analysis::LabelTarget& target) {
  const auto rows =
      target.kind == "run"
          ? analysis::select(db, "SELECT key, value, source FROM run_tags WHERE run_id = ?1 ORDER BY key, source",
                             {target.target})
          : analysis::select(db,
                             "SELECT DISTINCT key, value, source FROM run_tags WHERE source = 'sweep ' || ?1 "
                             "ORDER BY key",
                             {target.target});
  if (rows.empty()) std::cout << fmt::format("{} {}: no tags\n", target.kind, target.target);
  for (const auto& row : rows.rows) std::cout << fmt::format("{}={}  ({})\n", row[0].str(), row[1].str(), row[2].str());
}

}  // namespace

int tag_command(const std::vector<std::string>& args) {
  po::options_description options("gatelab tag options");
  std::vector<std::string> words;
  options.add_options()("words", po::value<std::vector<std::string>>(&words), "RUN|SWEEP, then key=value pairs")(
      "db", po::value<std::string>()->default_value("results.db"), "results database");
  po::positional_options_description positional;
  positional.add("words", -1);
  po::variables_map vm;
  if (!parse_options("tag", kTagUsage, args, options, positional, vm)) return 0;
  if (words.empty()) throw UserError(std::string("gatelab tag: give a run or sweep, then key=value\n") + kTagUsage);
  std::vector<std::pair<std::string, std::string>> tags;
  for (size_t i = 1; i < words.size(); ++i) {
    const auto eq = words[i].find('=');
    if (eq == std::string::npos || eq == 0)
      throw UserError(
          fmt::format("gatelab tag: '{}' is not key=value (e.g. idea=warm-start; key= removes a tag)", words[i]));
    tags.emplace_back(words[i].substr(0, eq), words[i].substr(eq + 1));
  }
  // The target is found read-only first: a name that matches nothing leaves the file untouched.
  const std::string db_path = vm["db"].as<std::string>();
  const auto target = analysis::resolve_label_target(analysis::open_results(db_path)->db(), words[0]);
  results::Store store(db_path);
  for (const auto& [key, value] : tags) store.set_tag(target.kind, target.target, key, value);
  print_tags(store.db(), target);
  return 0;
}

}  // namespace gatelab::cli
