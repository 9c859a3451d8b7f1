#include "harness/train/checkpoint.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "harness/util/errors.h"

namespace gatelab::train {

namespace fs = std::filesystem;

namespace {

const char* kCurrent = "checkpoint.pt";
const char* kPrevious = "checkpoint.prev.pt";

TrainPosition read_position(torch::serialize::InputArchive& archive) {
  TrainPosition p;
  torch::Tensor t;
  archive.read("position", t);  // [5] float64: step, tokens, loss_sum, loss_count, elapsed_s
  auto v = t.accessor<double, 1>();
  p.step = static_cast<int64_t>(v[0]);
  p.tokens = static_cast<int64_t>(v[1]);
  p.loss_sum = v[2];
  p.loss_count = static_cast<int64_t>(v[3]);
  p.elapsed_s = v[4];
  c10::IValue hash;
  archive.read("config_hash", hash);
  p.config_hash = hash.toStringRef();
  return p;
}

// AdamW's moments follow their parameters to the training device (the trainer uses AdamW only; another optimizer
// is an error here rather than a silent device mismatch at the next step).
void move_optimizer_state(torch::optim::Optimizer& optimizer, const torch::Device& device) {
  for (auto& [key, state] : optimizer.state()) {
    auto* adamw = dynamic_cast<torch::optim::AdamWParamState*>(state.get());
    if (!adamw) throw Error("checkpoint: only AdamW optimizer state can be moved to " + device.str());
    adamw->exp_avg(adamw->exp_avg().to(device));
    adamw->exp_avg_sq(adamw->exp_avg_sq().to(device));
    if (adamw->max_exp_avg_sq().defined()) adamw->max_exp_avg_sq(adamw->max_exp_avg_sq().to(device));
  }
}

}  // namespace

void save_checkpoint(const std::string& run_dir, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                     const TrainPosition& position) {
  fs::create_directories(run_dir);
  torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
  model.save(model_archive);
  optimizer.save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("position",
                torch::tensor({static_cast<double>(position.step), static_cast<double>(position.tokens),
                               position.loss_sum, static_cast<double>(position.loss_count), position.elapsed_s},
                              torch::kFloat64));
  archive.write("config_hash", c10::IValue(position.config_hash));
  const fs::path dir(run_dir), tmp = dir / "checkpoint.pt.tmp";
  archive.save_to(tmp.string());
  if (fs::exists(dir / kCurrent)) fs::rename(dir / kCurrent, dir / kPrevious);
  fs::rename(tmp, dir / kCurrent);
}

std::optional<TrainPosition> load_checkpoint(const std::string& run_dir, torch::nn::Module& model,
                                             torch::optim::Optimizer& optimizer, const std::string& config_hash,
                                             const torch::Device& device) {
  for (const char* name : {kCurrent, kPrevious}) {
    const fs::path path = fs::path(run_dir) / name;
    if (!fs::exists(path)) continue;
    TrainPosition position;
    try {
      torch::serialize::InputArchive archive, model_archive, optimizer_archive;
      // Loaded on the CPU, then moved: LibTorch's optimizer deserialization reads some of its tensors through host
      // accessors, which crash on CUDA tensors (a resumed run on the H100 died with SIGSEGV when loaded there).
      archive.load_from(path.string(), torch::kCPU);
      position = read_position(archive);
      if (position.config_hash != config_hash)
        throw UserError(fmt::format("checkpoint '{}' belongs to run {}, not {}; use another --run-dir", path.string(),
                                    position.config_hash, config_hash));
      archive.read("model", model_archive);
      archive.read("optimizer", optimizer_archive);
      model.load(model_archive);  // parameters now live on the CPU (set_data), with the dtype they were saved in
      optimizer.load(optimizer_archive);
    } catch (const UserError&) {
      throw;
    } catch (const std::exception& e) {
      // A torn or corrupt file: say so and try the previous one. Loading is all-or-nothing per file only for the
      // position; parameters half-loaded from a bad file are overwritten by the next good one or by a fresh start.
      std::cerr << fmt::format("gatelab: warning: checkpoint '{}' is unreadable ({}); trying an older one\n",
                               path.string(), e.what());
      continue;
    }
    // Outside the try: a failure to move to the device is not a torn file and must not send us to an older one.
    model.to(device);
    move_optimizer_state(optimizer, device);
    return position;
  }
  return std::nullopt;
}

}  // namespace gatelab::train
