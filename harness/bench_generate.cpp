// `gatelab bench --generate`: the efficiency claim of ReGLA (a linear-attention decode step costs the same at any
// context, softmax attention's grows with it) measured on our own models. For each model, batch B and context T:
//   1. prefill: one forward_cached over T random tokens (timed on its own);
//   2. decode: N greedy tokens one at a time, each a forward_cached over one token (B x N / time = tokens/s);
//   3. memory: the cache's bytes per sequence after T + N tokens, exactly from its tensors (a linear layer's state is
//      the same at any T, a softmax layer's keys and values grow with it), and the allocator's peak over the point.
// bf16 on CUDA; --device cpu runs the same code in fp32, for tests with tiny settings. A point that runs out of
// device memory is reported and written as such, and the next one runs.
#include "harness/bench_generate.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>
#include <sstream>

#include "harness/bench_support.h"
#include "harness/train/device.h"
#include "harness/util/errors.h"
#include "results/store.h"
#include "variants/model/language_model.h"

namespace gatelab::cli {

namespace {

const std::vector<std::string> kDefaultModels = {"gla_d768_l12", "softmax_d768_l12"};

// A comma list of positive integers (--contexts, --batches).
std::vector<int64_t> parse_sizes(const std::string& flag, const std::string& text) {
  std::vector<int64_t> sizes;
  std::stringstream list(text);
  std::string item;
  while (std::getline(list, item, ',')) {
    size_t used = 0;
    int64_t n = 0;
    try {
      n = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || n <= 0)
      throw UserError(
          fmt::format("--{}: '{}' is not a positive integer (expected a comma list such as 1,8)", flag, item));
    sizes.push_back(n);
  }
  if (sizes.empty()) throw UserError("--" + flag + " needs at least one size");
  return sizes;
}

// The models --models names (all: every reference model; left at its default: the GLA / softmax pair).
std::vector<const GenerateModel*> select_models(const po::variables_map& vm, const std::vector<GenerateModel>& models) {
  std::vector<std::string> names;
  for (const auto& m : models) names.push_back(m.name);
  std::string wanted = vm["models"].as<std::string>();
  if (vm["models"].defaulted()) wanted = fmt::format("{}", fmt::join(kDefaultModels, ","));
  std::vector<const GenerateModel*> chosen;
  for (size_t i : select_by_name(wanted, names, "--models entry")) chosen.push_back(&models[i]);
  return chosen;
}

struct GeneratePoint {
  int64_t batch, context, new_tokens;
  std::string shape() const { return fmt::format("B={} context={} new_tokens={}", batch, context, new_tokens); }
};

struct GenerateFigures {
  double prefill_ms = 0, decode_ms = 0;  // wall time of the prefill and of all N decode steps together
  int64_t cache_bytes_per_sequence = 0;  // after context + N tokens
  std::optional<double> peak_gib;        // the allocator's peak over prefill and decode (CUDA only)
  double decode_tokens_per_s(const GeneratePoint& p) const { return p.batch * p.new_tokens / (decode_ms / 1000.0); }
};

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Prefill over random tokens, then N greedy decode steps; the next token stays on the device (no host sync per step).
GenerateFigures time_generation(variants::LanguageModel& model, const GeneratePoint& p, const torch::Device& device) {
  torch::NoGradGuard no_grad;
  const auto opts = torch::TensorOptions().device(device).dtype(torch::kLong);
  auto context = torch::randint(0, model->spec().vocab_size, {p.batch, p.context}, opts);  // [B, T]
  variants::ModelCache cache;
  cache.capacity = p.context + p.new_tokens;  // one KV allocation: a decode step writes a slot, copies nothing
  GenerateFigures figures;
  reset_peak_memory(device);
  synchronize(device);
  auto start = std::chrono::steady_clock::now();
  auto next = model->forward_cached(context, cache).select(1, p.context - 1).argmax(-1, true);  // [B, 1]
  synchronize(device);
  figures.prefill_ms = ms_since(start);
  start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < p.new_tokens; ++i) next = model->forward_cached(next, cache).select(1, 0).argmax(-1, true);
  synchronize(device);
  figures.decode_ms = ms_since(start);
  figures.cache_bytes_per_sequence = cache.bytes() / p.batch;
  figures.peak_gib = peak_memory_gib(device);
  return figures;
}

// Three rows per point: generate:<model> (decode tokens/s, ms per step, peak GiB), generate_prefill:<model> (ms, and
// prefill tokens/s) and generate_cache:<model> (the cache per sequence, in GiB, in peak_mem_gib).
void write_rows(results::Store& store, const results::BenchRow& base, const std::string& model, const GeneratePoint& p,
                const GenerateFigures& f) {
  auto row = base;
  row.shape = p.shape();
  row.what = "generate:" + model;
  row.ms = f.decode_ms / static_cast<double>(p.new_tokens);
  row.tokens_per_s = f.decode_tokens_per_s(p);
  row.peak_mem_gib = f.peak_gib;
  row.target = "decode: ms per step, tokens/s = B x new_tokens / time, allocator peak";
  store.write_bench(row);
  row.what = "generate_prefill:" + model;
  row.ms = f.prefill_ms;
  row.tokens_per_s = static_cast<double>(p.batch * p.context) / (f.prefill_ms / 1000.0);
  row.target = "prefill: ms, tokens/s = B x context / time";
  store.write_bench(row);
  row.what = "generate_cache:" + model;
  row.ms = std::nullopt;
  row.tokens_per_s = std::nullopt;
  row.peak_mem_gib = static_cast<double>(f.cache_bytes_per_sequence) / (1024.0 * 1024.0 * 1024.0);
  row.target = "peak_mem_gib: cache bytes per sequence after context + new_tokens";
  store.write_bench(row);
}

void write_out_of_memory(results::Store& store, const results::BenchRow& base, const std::string& model,
                         const GeneratePoint& p) {
  auto row = base;
  row.shape = p.shape();
  row.what = "generate:" + model;
  row.target = "out of memory";
  store.write_bench(row);
}

// One model at every batch x context; returns the rows written.
int run_model(const GenerateModel& m, const std::vector<int64_t>& batches, const std::vector<int64_t>& contexts,
              int64_t new_tokens, const torch::Device& device, results::Store& store, const results::BenchRow& base) {
  variants::LanguageModel model(m.spec);
  model->to(device, base.dtype == "bfloat16" ? torch::kBFloat16 : torch::kFloat32);
  model->eval();
  // Untimed first: cuBLAS handles, kernel loading and the allocator's first blocks.
  time_generation(model, {batches.front(), std::min<int64_t>(contexts.front(), 256), 4}, device);
  int rows = 0;
  for (int64_t batch : batches)
    for (int64_t context : contexts) {
      const GeneratePoint p{batch, context, new_tokens};
      std::optional<GenerateFigures> f;
      try {
        f = time_generation(model, p, device);
      } catch (const c10::OutOfMemoryError&) {
        reset_peak_memory(device);  // give the next point the blocks this one left
      }
      if (!f) {
        std::cout << fmt::format("{:<20} {:>3} {:>8}  out of memory\n", m.name, batch, context);
        write_out_of_memory(store, base, m.name, p);
        ++rows;
        continue;
      }
      std::cout << fmt::format("{:<20} {:>3} {:>8} {:>12.1f} {:>12.3f} {:>12.0f} {:>14.3f} {:>9}\n", m.name, batch,
                               context, f->prefill_ms, f->decode_ms / new_tokens, f->decode_tokens_per_s(p),
                               f->cache_bytes_per_sequence / (1024.0 * 1024.0), fmt_opt(f->peak_gib, "{:.2f}"));
      write_rows(store, base, m.name, p, *f);
      rows += 3;
    }
  return rows;
}

}  // namespace

void add_generate_options(po::options_description& options) {
  options.add_options()(
      "generate",
      "run the generation benchmark instead of the kernels and training: prefill a context, then decode "
      "--new-tokens tokens one at a time (linear attention through its recurrent state, softmax with a KV cache); "
      "rows generate:<model>, generate_prefill:<model>, generate_cache:<model>")(
      "contexts", po::value<std::string>()->default_value("2048,8192,32768,65536"),
      "with --generate: context lengths to prefill, a comma list")(
      "batches", po::value<std::string>()->default_value("1,8"),
      "with --generate: sequences decoded together, a comma list")(
      "new-tokens", po::value<int64_t>()->default_value(128), "with --generate: tokens decoded after the prefill");
}

int bench_generate(const po::variables_map& vm, const std::vector<GenerateModel>& models) {
  const auto contexts = parse_sizes("contexts", vm["contexts"].as<std::string>());
  const auto batches = parse_sizes("batches", vm["batches"].as<std::string>());
  const int64_t new_tokens = vm["new-tokens"].as<int64_t>();
  if (new_tokens <= 0) throw UserError("--new-tokens must be positive");
  const auto chosen = select_models(vm, models);
  const auto device = train::choose_device(vm["device"].as<std::string>());
  torch::manual_seed(0);

  results::Store store(vm["db"].as<std::string>());
  auto base = base_bench_row(device, device.is_cpu() ? torch::get_num_threads() : 0);
  base.dtype = device.is_cuda() ? "bfloat16" : "float32";
  std::cout << fmt::format(
      "gatelab bench --generate on {} (commit {}), {}, random context, {} greedy new tokens one at a time\n",
      base.device, base.git_commit, base.dtype, new_tokens);
  std::cout << fmt::format("{:<20} {:>3} {:>8} {:>12} {:>12} {:>12} {:>14} {:>9}\n", "model", "B", "context",
                           "prefill ms", "ms / step", "tokens/s", "cache MiB/seq", "peak GiB");
  int rows = 0;
  for (const auto* m : chosen) rows += run_model(*m, batches, contexts, new_tokens, device, store, base);
  std::cout << fmt::format("\n{} rows written to {} (table benches)\n", rows, store.path());
  return 0;
}

}  // namespace gatelab::cli
