// `gatelab examples`: what a model sees — a task's examples as text, one per line, labels beside them.
#include <fmt/format.h>

#include <iostream>

#include "harness/config/config.h"
#include "harness/tasks/task.h"
#include "harness/util/cli_options.h"
#include "harness/util/subcommand.h"

namespace gatelab::cli {

int examples_command(const std::vector<std::string>& args) {
  po::options_description options("gatelab examples options");
  std::vector<std::string> overrides;
  options.add_options()("config,c", po::value<std::string>(), "run config file (.yaml or .json)")(
      "set,s", po::value<std::vector<std::string>>(&overrides)->composing(), "override a key (repeatable)")(
      "split", po::value<std::string>()->default_value("train"), "train (the batch of --step) or valid")(
      "step", po::value<int64_t>()->default_value(0), "training step whose batch to show")(
      "count,n", po::value<int64_t>()->default_value(4), "examples to print")("data-dir", po::value<std::string>(),
                                                                              "corpora folder");
  po::variables_map vm;
  if (!parse_options("examples", "gatelab examples [--config FILE] [--set key=value]... [-n N]", args, options, {}, vm))
    return 0;
  nlohmann::json partial =
      vm.count("config") ? config::load_file(vm["config"].as<std::string>()) : nlohmann::json::object();
  for (const auto& assignment : overrides) config::apply_override(partial, assignment);
  const auto resolved = config::resolve(partial);
  const std::string data_dir = vm.count("data-dir") ? vm["data-dir"].as<std::string>() : tasks::default_data_dir();
  auto task = tasks::task_registry().get(config::at(resolved, "task.name")).make({resolved, data_dir});
  const int64_t count = vm["count"].as<int64_t>();
  if (count < 1) throw UserError("--count must be at least 1");
  const std::string split = vm["split"].as<std::string>();
  tasks::Batch batch;
  if (split == "train") batch = task->train_batch(vm["step"].as<int64_t>(), count);
  else if (split == "valid") batch = task->eval_batches(count, 1).front();
  else throw UserError(unknown_name_message("split", split, {"train", "valid"}));
  for (int64_t row = 0; row < batch.inputs.size(0); ++row) std::cout << task->render_example(batch, row) << "\n";
  return 0;
}

}  // namespace gatelab::cli
