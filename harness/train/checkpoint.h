// Checkpoints: model, optimizer (AdamW moments), and the training position, in one file written atomically
// (temp file, then rename). The previous checkpoint is kept as checkpoint.prev.pt, so a torn or unreadable newest
// file falls back to the one before. The LR schedule and the data order are pure functions of the step, and no
// random numbers are drawn after initialisation, so the step is the whole RNG and data state.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>

namespace gatelab::train {

struct TrainPosition {
  int64_t step = 0;     // optimizer steps completed
  int64_t tokens = 0;   // training tokens consumed
  double loss_sum = 0;  // training-loss accumulator since the last log line (so logged means resume exactly)
  int64_t loss_count = 0;
  double elapsed_s = 0;     // training wall time so far
  std::string config_hash;  // the run the checkpoint belongs to
};

void save_checkpoint(const std::string& run_dir, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                     const TrainPosition& position);

// Loads the newest readable checkpoint into model and optimizer. nullopt when the folder has none. A checkpoint of
// another config (hash mismatch) is a UserError: the folder belongs to a different run.
std::optional<TrainPosition> load_checkpoint(const std::string& run_dir, torch::nn::Module& model,
                                             torch::optim::Optimizer& optimizer, const std::string& config_hash,
                                             const torch::Device& device);

}  // namespace gatelab::train
