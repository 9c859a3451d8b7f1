// `gatelab note RUN|SWEEP text`: one free-text note on a run or a sweep, in the results DB (notes table; view
// run_notes gives each run its own and its sweeps' notes). A new note replaces the old; an empty one removes it.
#include <fmt/format.h>

#include <iostream>

#include "analysis/selection.h"
#include "analysis/table.h"
#include "harness/util/cli_options.h"
#include "harness/util/errors.h"
#include "harness/util/subcommand.h"

namespace gatelab::cli {

namespace {

const char* kNoteUsage =
    "gatelab note RUN|SWEEP [text...] [--db results.db]\n"
    "  RUN: a run id, id prefix or run name; SWEEP: a sweep name (run:X or sweep:X when X names both).\n"
    "  The words after it are the note; \"\" removes it; no text prints it. In SQL: the notes table and the view\n"
    "  run_notes (run_id, run_name, note, source, updated_at).";

}  // namespace

int note_command(const std::vector<std::string>& args) {
  po::options_description options("gatelab note options");
  std::vector<std::string> words;
  options.add_options()("words", po::value<std::vector<std::string>>(&words), "RUN|SWEEP, then the note")(
      "db", po::value<std::string>()->default_value("results.db"), "results database");
  po::positional_options_description positional;
  positional.add("words", -1);
  po::variables_map vm;
  if (!parse_options("note", kNoteUsage, args, options, positional, vm)) return 0;
  if (words.empty()) throw UserError(std::string("gatelab note: give a run or sweep, then the note\n") + kNoteUsage);
  // The target is found read-only first: a name that matches nothing leaves the file untouched.
  const std::string db_path = vm["db"].as<std::string>();
  const auto target = analysis::resolve_label_target(analysis::open_results(db_path)->db(), words[0]);
  results::Store store(db_path);
  if (words.size() > 1) {
    std::string text;
    for (size_t i = 1; i < words.size(); ++i) text += (i > 1 ? " " : "") + words[i];
    store.set_note(target.kind, target.target, text);
  }
  const auto rows = analysis::select(store.db(),
                                     "SELECT DISTINCT note FROM run_notes WHERE source = CASE ?1 WHEN 'run' THEN "
                                     "'run' ELSE 'sweep ' || ?2 END AND (?1 = 'sweep' OR run_id = ?2)",
                                     {target.kind, target.target});
  std::cout << fmt::format("{} {}: {}\n", target.kind, target.target,
                           rows.empty() ? "no note" : rows.rows.front()[0].str());
  return 0;
}

}  // namespace gatelab::cli
