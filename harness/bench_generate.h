// `gatelab bench --generate` (issue 18): token-by-token generation of the reference models, linear attention through
// its recurrent state against softmax attention with a KV cache, at contexts 2K-64K for one and eight sequences:
// prefill time, decode tokens/s, the cache's bytes per sequence and the allocator's peak, as benches rows.
#pragma once

#include <string>
#include <vector>

#include "harness/util/cli_options.h"
#include "variants/model/model_spec.h"

namespace gatelab::cli {

struct GenerateModel {
  std::string name;  // the reference model's name (`gatelab bench --list-models`)
  variants::ModelSpec spec;
};

// --generate and its options (--contexts, --batches, --new-tokens), added to `gatelab bench`'s.
void add_generate_options(po::options_description& options);

// Runs the generation benchmark for the models --models names among `models` (left at its default: the GLA / softmax
// pair gla_d768_l12, softmax_d768_l12) on --device (cuda, or cpu for a small check in fp32) and writes benches rows
// to --db. Returns the exit code.
int bench_generate(const po::variables_map& vm, const std::vector<GenerateModel>& models);

}  // namespace gatelab::cli
