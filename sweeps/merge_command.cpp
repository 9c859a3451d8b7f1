// `gatelab merge SWEEP_DIR`: folds the shard DBs a cluster sweep's tasks wrote (<SWEEP_DIR>/shards/*.db) into the
// results DB. Idempotent (results::Store::merge_shard): merging again adds nothing, so it is safe to run while
// tasks still write, and again when they are done.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <regex>

#include "harness/util/cli_options.h"
#include "harness/util/errors.h"
#include "harness/util/exit_codes.h"
#include "harness/util/subcommand.h"
#include "results/store.h"

namespace gatelab::cli {

namespace {

namespace fs = std::filesystem;

// launch-N-task-I.db in launch, then task order (numbers, so task-10 comes after task-9).
std::vector<std::string> shard_files(const std::string& sweep_dir) {
  const fs::path dir = fs::path(sweep_dir) / "shards";
  if (!fs::is_directory(dir))
    throw UserError(
        fmt::format("'{}' holds no shards/ folder: give the folder of a sweep run with --backend slurm "
                    "(default runs/<sweep name>)",
                    sweep_dir));
  std::vector<std::pair<std::vector<long>, std::string>> shards;
  const std::regex number(R"(\d+)");
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".db") continue;
    std::vector<long> key;
    for (std::sregex_iterator it(name.begin(), name.end(), number), end; it != end; ++it)
      key.push_back(std::stol(it->str()));
    shards.push_back({key, entry.path().string()});
  }
  std::sort(shards.begin(), shards.end());
  std::vector<std::string> paths;
  for (const auto& [key, path] : shards) paths.push_back(path);
  return paths;
}

}  // namespace

int merge_command(const std::vector<std::string>& args) {
  po::options_description options("gatelab merge options");
  std::string sweep_dir, db_path;
  options.add_options()("sweep-dir", po::value<std::string>(&sweep_dir), "the sweep's folder")(
      "db", po::value<std::string>(&db_path)->default_value("results.db"), "results database to merge into");
  po::positional_options_description positional;
  positional.add("sweep-dir", 1);
  po::variables_map vm;
  if (!parse_options("merge", "gatelab merge SWEEP_DIR [--db results.db]", args, options, positional, vm)) return 0;
  if (sweep_dir.empty()) throw UserError("gatelab merge: give a sweep's folder, e.g. runs/smoke");
  const auto shards = shard_files(sweep_dir);
  results::Store::check_writable_path(db_path);
  results::Store store(db_path);
  std::map<std::string, int64_t> added;
  int64_t runs = 0;
  for (const auto& shard : shards) {
    const auto counts = store.merge_shard(shard);
    runs += counts.runs;
    for (const auto& [table, n] : counts.rows_added) added[table] += n;
    std::cout << fmt::format("{}: {} run(s), {} row(s) added\n", shard, counts.runs, counts.total_added());
  }
  int64_t total = 0;
  std::string detail;
  for (const auto& [table, n] : added) {
    total += n;
    detail += fmt::format("{}{} {}", detail.empty() ? "" : ", ", table, n);
  }
  std::cout << fmt::format("merged {} shard(s) ({} run rows) into {}: {} row(s) added{}\n", shards.size(), runs,
                           db_path, total, detail.empty() ? "" : " (" + detail + ")");
  return kExitOk;
}

}  // namespace gatelab::cli
