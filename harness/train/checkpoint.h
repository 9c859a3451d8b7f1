// Checkpoints: model, optimizer (AdamW moments), and the training position, in one file written atomically
// (temp file, then rename). The previous checkpoint is kept as checkpoint.prev.pt, so a torn or corrupt newest
// file falls back to the one before. The LR schedule and the data order are pure functions of the step, and no
// random numbers are drawn after initialisation, so the step is the whole RNG and data state.
//
// A file is one header line, then LibTorch's archive (the payload):
//   gatelab-checkpoint 1 step=120 config=<config hash> bytes=<payload size> fnv1a64=<16 hex digits>
// The checksum covers the header's fields and every payload byte, so a flipped bit, an overwritten block or a
// truncation anywhere is found before LibTorch parses anything, and the step and run cannot be misread.
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

// Writes <run_dir>/checkpoint.pt (the older one becomes checkpoint.prev.pt). A write that cannot complete (disk
// full, I/O error) throws Error naming the file and leaves no checkpoint.pt.tmp; the checkpoints already there are
// untouched.
void save_checkpoint(const std::string& run_dir, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                     const TrainPosition& position);

struct LoadedCheckpoint {
  std::optional<TrainPosition> position;  // nullopt: nothing usable, start from step 0
  // "" when every checkpoint present was usable; else one line saying which file was rejected, why, and what
  // was used instead (for the run's log and status_reason).
  std::string note;
};

// Loads the newest usable checkpoint into model and optimizer. A corrupt file (bad header or checksum, truncated,
// a directory, unreadable) or one of another run is moved aside to <name>.rejected and the previous one, or a
// fresh start, is used. When the folder holds checkpoints of another run only, it is a UserError: the folder
// belongs to a different run and nothing in it is touched.
LoadedCheckpoint load_checkpoint(const std::string& run_dir, torch::nn::Module& model,
                                 torch::optim::Optimizer& optimizer, const std::string& config_hash,
                                 const torch::Device& device);

}  // namespace gatelab::train
