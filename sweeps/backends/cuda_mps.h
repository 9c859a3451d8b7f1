// CUDA MPS (Multi-Process Service) for packed GPU slots. Without MPS, the processes that share one GPU are
// time-sliced: each gets the whole GPU for a slice and the others wait, so packing small runs (--runs-per-gpu > 1)
// only overlaps their CPU work. Under MPS their kernels run at the same time on one GPU. The local backend starts
// a private control daemon for the sweep (its own pipe folder, so it touches no system-wide daemon) and stops it
// at the end. Torch-free; it never initialises CUDA in the scheduler.
#pragma once

#include <string>
#include <vector>

namespace gatelab::sweeps {

class MpsDaemon {
 public:
  // mode: "auto" (start when a GPU has more than one slot and nvidia-cuda-mps-control is on PATH; when it cannot
  // start, say why and go on without it), "on" (same, but failing to start is an error), "off".
  // A daemon the user already runs (CUDA_MPS_PIPE_DIRECTORY set) is used as it is, never started or stopped here.
  // The daemon's log goes to log_dir (the sweep's folder/mps-log).
  MpsDaemon(const std::string& mode, bool packed_gpus, const std::string& log_dir);
  ~MpsDaemon();  // stops a daemon this object started
  MpsDaemon(const MpsDaemon&) = delete;
  MpsDaemon& operator=(const MpsDaemon&) = delete;

  // What happened, for the sweep log ("" when MPS was not wanted).
  const std::string& status() const { return status_; }
  // KEY=VALUE entries the children need in their environment (empty when no daemon of ours runs).
  const std::vector<std::string>& child_environment() const { return child_env_; }

 private:
  void stop();
  std::string control_;  // the nvidia-cuda-mps-control found on PATH
  std::string pipe_dir_, log_dir_, root_;
  std::string status_;
  std::vector<std::string> child_env_;
  bool started_ = false;
};

// Throws UserError naming the valid choices unless `mode` is one of mps_modes().
void check_mps_mode(const std::string& mode);

// The valid --mps values, for messages.
inline const std::vector<std::string>& mps_modes() {
  static const std::vector<std::string> modes{"auto", "on", "off"};
  return modes;
}

}  // namespace gatelab::sweeps
