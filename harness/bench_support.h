// What `gatelab bench`'s parts share (bench_command.cpp: kernels and training; bench_generate.cpp: generation):
// device synchronization and the allocator's peak, the base row every benches row starts from, the choice of
// reference models by name, and the "-" of a figure that was not measured.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "results/store.h"

namespace gatelab::cli {

void synchronize(const torch::Device& device);
// Frees the allocator's cached blocks and restarts its peak, so that the next measurement's peak is its own.
void reset_peak_memory(const torch::Device& device);
std::optional<double> peak_memory_gib(const torch::Device& device);  // CUDA only; nullopt elsewhere

// The device, its CPU threads (0 on CUDA), the git commit and the library versions: the context of every row.
results::BenchRow base_bench_row(const torch::Device& device, int threads);

// The positions in `names` of a comma list of names (`all`: every one, in order); an unknown name is a UserError
// naming `what` and every valid name.
std::vector<size_t> select_by_name(const std::string& list, const std::vector<std::string>& names,
                                   const std::string& what);

// x in `format`, or "-" when it was not measured.
std::string fmt_opt(const std::optional<double>& x, const char* format);

}  // namespace gatelab::cli
