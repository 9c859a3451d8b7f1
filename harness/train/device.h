// Device and thread selection, and the device/library facts recorded with every run and bench row.
#pragma once

#include <torch/torch.h>

#include <string>

namespace gatelab::train {

// auto → cuda when available, else cpu; cpu; cuda; cuda:N. Asking for CUDA without one is a UserError.
torch::Device choose_device(const std::string& requested);

// Sets torch's intra-op threads (0: all cores) and returns the number used. LibTorch starts at 1 thread.
int set_threads(int threads);

// "cpu (2 threads)" or "NVIDIA H200 (cuda:0)".
std::string describe_device(const torch::Device& device, int threads);

// build_versions_json() plus torch, CUDA and cuDNN versions.
std::string versions_json();

}  // namespace gatelab::train
