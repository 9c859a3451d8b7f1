// `gatelab bench`: the speed figures of issues 7 and 18, measured in one run on one device, written to the results DB.
//   1. forward+backward time of the linear-attention kernels (our CUDA kernels and the LibTorch chunked form) and
//      of SDPA flash, bf16, causal, at the reference shapes (K = V = 64 and 128); each time also as a ratio to SDPA
//      flash measured in the same run (the ratio is what the targets are judged by), and each shape's memory floor
//      (the bytes it must move at the bandwidth of a device copy timed in the same run; view bench_kernels);
//   2. end-to-end training throughput (tokens/s) and peak memory of the two reference model pairs (GLA and softmax),
//      byte vocabulary, bf16, AdamW with gradient clipping, as `gatelab run` trains them;
//   3. with --generate instead: token-by-token generation of the reference pair (harness/bench_generate.cpp).
// Every row goes to the `benches` table with the device name, library versions and git commit.
#include <fmt/format.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "harness/bench_generate.h"
#include "harness/bench_support.h"
#include "harness/config/model_spec.h"
#include "harness/train/device.h"
#include "harness/train/optimizer.h"
#include "harness/util/cli_options.h"
#include "harness/util/errors.h"
#include "results/store.h"
#include "variants/linear_attention/linear_attention_ops.h"
#include "variants/model/language_model.h"

namespace gatelab::cli {

namespace {

struct KernelShape {
  int64_t B, T, H, D;  // D: key and value head dim
  double target_ratio;
};

// Issue 18's kernel targets (bf16, causal, forward+backward): half the time of fla's chunk_gla, as a ratio to SDPA
// flash measured in the same run (fla on an H100: 1.96 / 1.12 / 0.66 / 0.37), at K = V = 64 and the same shapes at
// K = V = 128. (Issue 7's, met on the H100: 1.56 / 0.90 / 0.52 / 0.30.)
const std::vector<KernelShape> kKernelShapes = {
    {8, 2048, 16, 64, 0.98},  {4, 4096, 16, 64, 0.56},  {2, 8192, 16, 64, 0.33},  {1, 16384, 16, 64, 0.19},
    {8, 2048, 16, 128, 0.98}, {4, 4096, 16, 128, 0.56}, {2, 8192, 16, 128, 0.33}, {1, 16384, 16, 128, 0.19},
};

// The least a forward+backward can move through device memory: q, k, v and the log-decays read and O written in
// the forward, the same four and dO read and four gradients written in the backward (14 tensors of B x T x H x D
// bf16 values), with every intermediate (chunk states, attention blocks) kept on chip. At the bandwidth of one
// large copy this is the memory floor: the kernels' time over it is what fusion could still win.
int64_t kernel_min_bytes(const KernelShape& s) { return 14 * s.B * s.T * s.H * s.D * 2; }

// The buffer the device_copy row copies; the copy moves twice as many bytes (read + write).
constexpr int64_t kCopyBytes = int64_t{1} << 30;

struct TrainModel {
  std::string name;  // row name: train:<name>
  variants::AttentionKind kind;
  std::string gate_position;  // softmax gate position (none: ungated)
  int64_t d_model, n_layers, n_heads, seq_len, batch;
  double target_tokens_per_s;  // issue 7's absolute target; issue 18's are ratios (view bench_versus_peers)
  std::optional<double> target_peak_gib;

  std::string shape() const {
    return fmt::format("d={} layers={} heads={} T={} batch={}", d_model, n_layers, n_heads, seq_len, batch);
  }
};

// The reference models. scripts/peer_bench.py builds the same models in PyTorch from `gatelab bench
// --list-models`, so the shapes live here only.
const std::vector<TrainModel> kTrainModels = {
    {"gla_d768_l12", variants::AttentionKind::Linear, "none", 768, 12, 4, 2048, 8, 235000, 10.0},
    {"softmax_d768_l12", variants::AttentionKind::Softmax, "none", 768, 12, 4, 2048, 8, 375000, std::nullopt},
    {"softmax_g1_d768_l12", variants::AttentionKind::Softmax, "G1", 768, 12, 4, 2048, 8, 375000, std::nullopt},
    {"gla_d512_l6", variants::AttentionKind::Linear, "none", 512, 6, 4, 2048, 16, 850000, std::nullopt},
    {"softmax_d512_l6", variants::AttentionKind::Softmax, "none", 512, 6, 4, 2048, 16, 1220000, std::nullopt},
};

std::vector<std::string> train_model_names() {
  std::vector<std::string> names;
  for (const auto& m : kTrainModels) names.push_back(m.name);
  return names;
}

// The reference model named `name`; an unknown name is a UserError (after `context`) naming `what` and every model.
const TrainModel& find_train_model(const std::string& what, const std::string& name, const std::string& context = "") {
  auto it = std::find_if(kTrainModels.begin(), kTrainModels.end(), [&](const auto& m) { return m.name == name; });
  if (it != kTrainModels.end()) return *it;
  throw UserError(context + unknown_name_message(what, name, train_model_names()));
}

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs.empty() ? NAN : xs[xs.size() / 2];
}

// Median wall time of `body` over `reps` runs after `warmup` runs, each bracketed by device synchronization.
double time_ms(const torch::Device& device, int warmup, int reps, const std::function<void()>& body) {
  for (int i = 0; i < warmup; ++i) body();
  synchronize(device);
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    auto start = std::chrono::steady_clock::now();
    body();
    synchronize(device);
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return median(times);
}

// Forward+backward of one linear-attention implementation with GLA-style per-channel log-decays (the most general
// key-side gate), bf16 inputs, gradients to q, k, v and the log-decays.
double time_linear_attention(const variants::LinearAttentionKernel& kernel, const KernelShape& s,
                             const torch::Device& device, int warmup, int reps) {
  auto opts = torch::TensorOptions().device(device).dtype(torch::kBFloat16);
  auto q = (torch::randn({s.B, s.T, s.H, s.D}, opts) * 0.125).requires_grad_(true);
  auto k = torch::randn({s.B, s.T, s.H, s.D}, opts).requires_grad_(true);
  auto v = torch::randn({s.B, s.T, s.H, s.D}, opts).requires_grad_(true);
  auto gk = (torch::log_sigmoid(torch::randn({s.B, s.T, s.H, s.D}, opts.dtype(torch::kFloat32))) / 16)
                .to(torch::kBFloat16)
                .requires_grad_(true);
  auto d_o = torch::randn({s.B, s.T, s.H, s.D}, opts);
  return time_ms(device, warmup, reps, [&] {
    variants::LinearAttentionInputs in;
    in.q = q;
    in.k = k;
    in.v = v;
    in.log_decay_k = gk;
    auto o = kernel.run(in).o;
    torch::autograd::grad({o}, {q, k, v, gk}, {d_o});
  });
}

std::optional<double> time_sdpa_flash(const KernelShape& s, const torch::Device& device, int warmup, int reps) {
#if TORCH_VERSION_MAJOR >= 2 && defined(GATELAB_WITH_CUDA)
  if (!device.is_cuda()) return std::nullopt;
  auto opts = torch::TensorOptions().device(device).dtype(torch::kBFloat16);
  auto q = torch::randn({s.B, s.H, s.T, s.D}, opts).requires_grad_(true);  // [B, H, T, D]
  auto k = torch::randn({s.B, s.H, s.T, s.D}, opts).requires_grad_(true);
  auto v = torch::randn({s.B, s.H, s.T, s.D}, opts).requires_grad_(true);
  auto d_o = torch::randn({s.B, s.H, s.T, s.D}, opts);
  return time_ms(device, warmup, reps, [&] {
    // The flash kernel itself (not whichever backend SDPA's dispatcher would pick), as the targets are stated.
    auto o = std::get<0>(at::_scaled_dot_product_flash_attention(q, k, v, 0.0, /*is_causal=*/true));
    torch::autograd::grad({o}, {q, k, v}, {d_o});
  });
#else
  (void)s, (void)device, (void)warmup, (void)reps;
  return std::nullopt;
#endif
}

// Median time of one device-to-device copy of kCopyBytes: the measured bandwidth of the memory floor.
double time_device_copy(const torch::Device& device, int warmup, int reps) {
  auto opts = torch::TensorOptions().device(device).dtype(torch::kUInt8);
  auto from = torch::ones({kCopyBytes}, opts);
  auto to = torch::empty({kCopyBytes}, opts);
  return time_ms(device, warmup, reps, [&] { to.copy_(from); });
}

struct TrainFigures {
  double tokens_per_s;
  std::optional<double> peak_gib;
  int64_t n_params;
};

variants::ModelSpec train_model_spec(const TrainModel& m) {
  variants::ModelSpec spec = config::default_model_spec(256);  // byte vocabulary, the schema's defaults
  spec.d_model = m.d_model;
  spec.n_layers = m.n_layers;
  spec.n_heads = m.n_heads;
  spec.layer_kinds.assign(m.n_layers, m.kind);
  spec.attn.gate_position = m.gate_position;
  return spec;
}

TrainFigures time_training(const TrainModel& m, const torch::Device& device, int warmup, int steps) {
  variants::LanguageModel model(train_model_spec(m));
  const auto dtype = device.is_cuda() ? torch::kBFloat16 : torch::kFloat32;
  model->to(device, dtype);
  // The optimizer half of the step as `gatelab run` takes it (harness/train/optimizer.h: fused where available).
  train::TrainOptimizer optimizer(
      model->parameters(), {3e-4, 0.9, 0.999, 0.01},
      train::fused_optimizer_available(device) ? train::OptimizerPath::Fused : train::OptimizerPath::Plain);
  auto tokens =
      torch::randint(0, 256, {m.batch, m.seq_len + 1}, torch::TensorOptions().device(device).dtype(torch::kLong));
  auto inputs = tokens.narrow(1, 0, m.seq_len), labels = tokens.narrow(1, 1, m.seq_len);
  auto step = [&] {
    auto logits = model->forward(inputs).to(torch::kFloat32);
    auto loss = torch::nn::functional::cross_entropy(logits.view({-1, logits.size(-1)}), labels.reshape({-1}));
    optimizer.zero_grad();
    loss.backward();
    optimizer.clip_grad_norm(1.0);
    optimizer.step();
  };
  reset_peak_memory(device);
  const double ms = time_ms(device, warmup, steps, step);
  return {static_cast<double>(m.batch * m.seq_len) / (ms / 1000.0), peak_memory_gib(device), model->parameter_count()};
}

// `--list-models`: the reference models as JSON, for scripts/peer_bench.py (the shapes live in kTrainModels only).
// The kernel part: our CUDA kernels, the LibTorch chunked form (unless skipped) and SDPA flash at every shape, each
// as a ratio to flash in this run, and the memory floor of each shape at the copy bandwidth measured in this run.
void bench_kernels(results::Store& store, const results::BenchRow& base, const torch::Device& device, int warmup,
                   int reps, bool with_chunked) {
  const auto& kernels = variants::linear_attention_kernels();
  const double copy_ms = time_device_copy(device, warmup, reps);
  const double bytes_per_ms = 2.0 * kCopyBytes / copy_ms;
  auto row = base;
  row.what = "device_copy";
  row.shape = fmt::format("bytes={}", kCopyBytes);
  row.dtype = "uint8";
  row.ms = copy_ms;
  row.target = "bandwidth = 2 x bytes (read + write) / ms";
  store.write_bench(row);
  std::cout << fmt::format(
      "\ndevice copy of {} GiB: {:.3f} ms, {:.0f} GB/s (read + write): the bandwidth of the floor\n", kCopyBytes >> 30,
      copy_ms, bytes_per_ms / 1e6);
  std::cout << "forward+backward, bf16, causal, GLA log-decays on every key channel; ms = median of " << reps
            << "; ratio = ms / SDPA flash ms in this run; floor = bytes that must move / copy bandwidth\n";
  std::cout << fmt::format("{:<22} {:>10} {:>8} {:>8} {:>5} {:>9} {:>8} {:>12} {:>10} {:>7}\n", "B, T, H, D", "cuda ms",
                           "ratio", "target", "met", "floor ms", "x floor", "chunked ms", "flash ms", "ratio");
  for (const auto& s : kKernelShapes) {
    const auto flash = time_sdpa_flash(s, device, warmup, reps);
    const double ours = time_linear_attention(kernels.get("cuda").make, s, device, warmup, reps);
    std::optional<double> chunked;
    if (with_chunked) chunked = time_linear_attention(kernels.get("chunked").make, s, device, 1, std::max(3, reps / 4));
    const double floor_ms = kernel_min_bytes(s) / bytes_per_ms;
    auto ratio = [&](std::optional<double> ms) -> std::optional<double> {
      if (!ms || !flash) return std::nullopt;
      return *ms / *flash;
    };
    const auto our_ratio = ratio(ours);
    const bool met = our_ratio && *our_ratio <= s.target_ratio;
    std::cout << fmt::format("{:<22} {:>10.3f} {:>8} {:>8} {:>5} {:>9.3f} {:>8.1f} {:>12} {:>10} {:>7}\n",
                             fmt::format("{}, {}, {}, {}", s.B, s.T, s.H, s.D), ours, fmt_opt(our_ratio, "{:.2f}"),
                             fmt::format("<= {:.2f}", s.target_ratio), met ? "yes" : "no", floor_ms, ours / floor_ms,
                             fmt_opt(chunked, "{:.3f}"), fmt_opt(flash, "{:.3f}"), fmt_opt(ratio(chunked), "{:.2f}"));
    row = base;
    row.shape = fmt::format("B={} T={} H={} D={}", s.B, s.T, s.H, s.D);
    row.dtype = "bfloat16";
    auto write = [&](const std::string& what, std::optional<double> ms, const std::string& target) {
      if (!ms) return;
      row.what = what;
      row.ms = ms;
      row.ratio_to_ref = ratio(ms);
      row.target = target;
      store.write_bench(row);
    };
    write("kernel:cuda_chunk", ours, fmt::format("ratio to SDPA flash <= {:.2f} (issue 18)", s.target_ratio));
    write("kernel:torch_chunked", chunked, "");
    write("floor:kernel:cuda_chunk", floor_ms,
          fmt::format("{} bytes (14 bf16 tensors of B x T x H x D) at the device_copy bandwidth, {:.0f} GB/s",
                      kernel_min_bytes(s), bytes_per_ms / 1e6));
    write("sdpa_flash", flash, "reference");
  }
}

void list_models() {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : kTrainModels)
    models.push_back({{"name", m.name},
                      {"kind", variants::choice_name(variants::attention_kinds(), m.kind)},
                      {"gate_position", m.gate_position},
                      {"d_model", m.d_model},
                      {"n_layers", m.n_layers},
                      {"n_heads", m.n_heads},
                      {"seq_len", m.seq_len},
                      {"batch", m.batch},
                      {"shape", m.shape()},
                      {"n_params", variants::LanguageModel(train_model_spec(m))->parameter_count()}});
  std::cout << models.dump(2) << "\n";
}

// `--import-peers FILE`: one JSON object per line from scripts/peer_bench.py, written as benches rows beside
// gatelab's own (view bench_versus_peers). The device and commit are this machine's: import on the machine the
// peers ran on, in the same call.
void import_peers(std::istream& in, const std::string& path, results::Store& store, const results::BenchRow& base) {
  std::string line;
  int line_number = 0, imported = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = fmt::format("{}:{}", path, line_number);
    nlohmann::json peer;
    try {
      peer = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw UserError(fmt::format("{}: not a JSON object ({})", where, e.what()));
    }
    auto text = [&](const char* key) {
      if (!peer.is_object() || !peer.contains(key) || !peer[key].is_string())
        throw UserError(fmt::format("{}: needs a string \"{}\"", where, key));
      return peer[key].get<std::string>();
    };
    const std::string what = text("what"), model = text("model");
    if (what.rfind("peer:", 0) != 0)
      throw UserError(fmt::format("{}: \"what\" must start with peer:, got {}", where, what));
    const TrainModel& train_model = find_train_model("model", model, where + ": ");
    if (!peer.contains("tokens_per_s") || !peer["tokens_per_s"].is_number())
      throw UserError(where + ": needs a number \"tokens_per_s\"");
    auto row = base;
    row.what = what;
    row.shape = train_model.shape();
    row.dtype = peer.value("dtype", "bfloat16");
    row.versions_json = peer.value("versions", nlohmann::json::object()).dump();
    row.tokens_per_s = peer["tokens_per_s"].get<double>();
    if (peer.contains("peak_mem_gib") && peer["peak_mem_gib"].is_number())
      row.peak_mem_gib = peer["peak_mem_gib"].get<double>();
    row.target = "peer: " + peer.value("note", std::string("scripts/peer_bench.py"));
    store.write_bench(row);
    ++imported;
  }
  std::cout << fmt::format("{} peer rows from {} written to {} (view bench_versus_peers)\n", imported, path,
                           store.path());
}

}  // namespace

int bench_command(const std::vector<std::string>& args) {
  po::options_description options("gatelab bench options");
  int reps = 20, warmup = 3, train_steps = 10;
  options.add_options()("db", po::value<std::string>()->default_value("results.db"),
                        "results database (rows go to the benches table)")(
      "device", po::value<std::string>()->default_value("cuda"),
      "cuda | cuda:N (the kernels and SDPA flash need CUDA); --generate also runs on cpu, in fp32")(
      "reps", po::value<int>(&reps)->default_value(20), "timed repetitions per kernel (the median is reported)")(
      "warmup", po::value<int>(&warmup)->default_value(3), "untimed repetitions first (module load, autotuning)")(
      "train-steps", po::value<int>(&train_steps)->default_value(10), "timed training steps per model")(
      "no-train", "skip the training-throughput part")("no-kernels", "skip the kernel part")(
      "no-chunked", "skip the LibTorch chunked form (slow at long T)")(
      "models", po::value<std::string>()->default_value("all"),
      "training models to time: all, or a comma list of their names (--list-models); with --generate the default "
      "is gla_d768_l12,softmax_d768_l12")(
      "list-models", "print the reference training models as JSON (scripts/peer_bench.py reads it) and exit")(
      "import-peers", po::value<std::string>(),
      "write the JSON lines of scripts/peer_bench.py as benches rows for this device (--device) and exit");
  add_generate_options(options);
  po::variables_map vm;
  if (!parse_options("bench", "gatelab bench [options]", args, options, {}, vm)) return 0;
  if (vm.count("list-models")) {
    list_models();
    return 0;
  }
  if (vm.count("import-peers")) {
    // Opened before the DB, so an unreadable file creates no DB.
    const std::string path = vm["import-peers"].as<std::string>();
    std::ifstream in(path);
    if (!in) throw UserError("--import-peers: cannot read " + path);
    const auto device = train::choose_device(vm["device"].as<std::string>());
    results::Store store(vm["db"].as<std::string>());
    import_peers(in, path, store, base_bench_row(device, 0));  // each row then names its own peer's versions
    return 0;
  }
  if (vm.count("generate")) {  // harness/bench_generate.cpp; it also runs on the CPU
    std::vector<GenerateModel> models;
    for (const auto& m : kTrainModels) models.push_back({m.name, train_model_spec(m)});
    return bench_generate(vm, models);
  }
  // Checked before choose_device, whose generic advice ("use --device cpu") does not apply to the bench.
  if (!torch::cuda::is_available())
    throw UserError(
        "gatelab bench needs a CUDA device (the kernels, SDPA flash and bf16 training are measured "
        "there); this machine or build has none");
  const auto device = train::choose_device(vm["device"].as<std::string>());
  if (!device.is_cuda())
    throw UserError("gatelab bench measures the CUDA kernels, SDPA flash and bf16 training: it needs --device cuda");
  if (!variants::linear_attention_kernels().contains("cuda"))
    throw UserError("this gatelab was built without the CUDA kernels; configure with -DGATELAB_CUDA=ON");
  // Which training models (checked before anything runs).
  std::vector<const TrainModel*> train_models;
  for (size_t i : select_by_name(vm["models"].as<std::string>(), train_model_names(), "--models entry"))
    train_models.push_back(&kTrainModels[i]);
  torch::manual_seed(0);

  results::Store store(vm["db"].as<std::string>());
  const auto base = base_bench_row(device, 0);
  std::cout << fmt::format("gatelab bench on {} (commit {})\n", base.device, base.git_commit);

  if (!vm.count("no-kernels")) bench_kernels(store, base, device, warmup, reps, !vm.count("no-chunked"));
  if (!vm.count("no-train")) {
    std::cout << "\ntraining throughput, byte vocabulary, bf16, AdamW + clipping; median step of " << train_steps
              << " after " << warmup << " warm-up steps\n";
    std::cout << fmt::format("{:<20} {:<34} {:>11} {:>12} {:>14} {:>9} {:>10} {:>5}\n", "model", "shape", "parameters",
                             "tokens/s", "target", "peak GiB", "target", "met");
    for (const auto* model : train_models) {
      const TrainModel& m = *model;
      const std::string shape = m.shape();
      auto figures = time_training(m, device, warmup, train_steps);
      const bool met = figures.tokens_per_s >= m.target_tokens_per_s &&
                       (!m.target_peak_gib || (figures.peak_gib && *figures.peak_gib <= *m.target_peak_gib));
      std::cout << fmt::format("{:<20} {:<34} {:>11} {:>12.0f} {:>14} {:>9} {:>10} {:>5}\n", m.name, shape,
                               figures.n_params, figures.tokens_per_s, fmt::format(">= {:.0f}", m.target_tokens_per_s),
                               fmt_opt(figures.peak_gib, "{:.2f}"), fmt_opt(m.target_peak_gib, "<= {:.0f}"),
                               met ? "yes" : "no");
      auto row = base;
      row.what = "train:" + m.name;
      row.shape = shape;
      row.dtype = "bfloat16";
      row.tokens_per_s = figures.tokens_per_s;
      row.peak_mem_gib = figures.peak_gib;
      row.target = fmt::format("tokens/s >= {:.0f}", m.target_tokens_per_s) +
                   (m.target_peak_gib ? fmt::format("; peak <= {:.0f} GiB", *m.target_peak_gib) : "");
      store.write_bench(row);
    }
  }
  std::cout << "\nrows written to " << store.path() << " (table benches)\n";
  return 0;
}

}  // namespace gatelab::cli
