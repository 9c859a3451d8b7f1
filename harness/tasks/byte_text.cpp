// Byte-level language modelling on a corpus built by scripts/build_corpus.sh (DATA_DIR/<corpus>/train.txt,
// valid.txt, manifest.json). Vocabulary: the 256 byte values. Reported in bits per byte (RESEARCH/DATA.md).
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/config/config.h"
#include "harness/tasks/example_rng.h"
#include "harness/tasks/task.h"
#include "harness/util/errors.h"

namespace gatelab::tasks {

namespace {

constexpr uint64_t kOffsetStream = 11;

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(fmt::format("cannot read corpus file '{}'", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ByteTextTask : public Task {
 public:
  explicit ByteTextTask(const TaskContext& ctx) {
    const auto& c = ctx.config;
    seed_ = config::at(c, "seed");
    L_ = config::at(c, "task.seq_len");
    corpus_ = config::at(c, "task.text.corpus").get<std::string>();
    eval_tokens_ = config::at(c, "task.text.eval_tokens");
    auto dir = std::filesystem::path(ctx.data_dir) / corpus_;
    if (!std::filesystem::exists(dir / "train.txt") || !std::filesystem::exists(dir / "valid.txt"))
      throw UserError(fmt::format("corpus '{}' is not built in '{}'; build it with: scripts/build_corpus.sh {} {}",
                                  corpus_, dir.string(), corpus_, ctx.data_dir));
    train_ = read_all(dir / "train.txt");
    valid_ = read_all(dir / "valid.txt");
    if (static_cast<int64_t>(train_.size()) < L_ + 2 || static_cast<int64_t>(valid_.size()) < L_ + 2)
      throw UserError(fmt::format("corpus '{}' is shorter than one sequence of {} bytes", corpus_, L_ + 1));
    if (std::filesystem::exists(dir / "manifest.json"))
      manifest_ = nlohmann::json::parse(read_all(dir / "manifest.json"));
  }

  int64_t vocab_size() const override { return 256; }

  Batch train_batch(int64_t step, int64_t batch_size) const override {
    auto inputs = torch::empty({batch_size, L_}, torch::kInt64), labels = torch::empty({batch_size, L_}, torch::kInt64);
    const int64_t span = static_cast<int64_t>(train_.size()) - L_ - 1;
    for (int64_t b = 0; b < batch_size; ++b) {
      // Random windows, each a pure function of (seed, step, row): resuming at a step sees the same data.
      ExampleRng rng(static_cast<uint64_t>(seed_), kOffsetStream, static_cast<uint64_t>(step * batch_size + b));
      fill_window(train_, rng.uniform(0, span + 1), inputs[b], labels[b]);
    }
    return {inputs, labels};
  }

  std::vector<Batch> eval_batches(int64_t batch_size, int64_t /*max_batches: text uses eval_tokens*/) const override {
    // A fixed prefix of the validation split in consecutive windows: every run is scored on the same bytes.
    int64_t usable = static_cast<int64_t>(valid_.size()) - 1;
    if (eval_tokens_ > 0) usable = std::min(usable, eval_tokens_);
    const int64_t windows = std::max<int64_t>(1, usable / L_);
    std::vector<Batch> out;
    for (int64_t start = 0; start < windows; start += batch_size) {
      const int64_t n = std::min(batch_size, windows - start);
      auto inputs = torch::empty({n, L_}, torch::kInt64), labels = torch::empty({n, L_}, torch::kInt64);
      for (int64_t i = 0; i < n; ++i) fill_window(valid_, (start + i) * L_, inputs[i], labels[i]);
      out.push_back({inputs, labels});
    }
    return out;
  }

  std::string render_example(const Batch& batch, int64_t row) const override {
    auto escape = [](const torch::Tensor& ids) {
      std::string s;
      for (int64_t t = 0; t < ids.size(0); ++t) {
        auto c = static_cast<unsigned char>(ids[t].item<int64_t>());
        if (c == '\n') s += "\\n";
        else if (c == '\t') s += "\\t";
        else if (c == '\\') s += "\\\\";
        else if (c < 32 || c >= 127) s += fmt::format("\\x{:02x}", c);
        else s += static_cast<char>(c);
      }
      return s;
    };
    return fmt::format("input: \"{}\"  label: \"{}\"", escape(batch.inputs[row]), escape(batch.labels[row]));
  }

  // Bits per byte: one token is one byte, so bpb = nats per token / ln 2.
  MetricValues eval_metrics(const EvalTotals& totals) const override {
    return {{"bpb", totals.mean_loss / std::log(2.0)}, {"ppl", std::exp(totals.mean_loss)}};
  }

  nlohmann::json provenance() const override {
    return {{"task", "bytes"},
            {"corpus", corpus_},
            {"train_bytes", train_.size()},
            {"valid_bytes", valid_.size()},
            {"eval_tokens", eval_tokens_},
            {"manifest", manifest_}};
  }

 private:
  void fill_window(const std::string& text, int64_t offset, torch::Tensor inputs, torch::Tensor labels) const {
    auto in = inputs.accessor<int64_t, 1>();
    auto lab = labels.accessor<int64_t, 1>();
    for (int64_t t = 0; t < L_; ++t) {
      in[t] = static_cast<unsigned char>(text[offset + t]);
      lab[t] = static_cast<unsigned char>(text[offset + t + 1]);
    }
  }

  int64_t seed_, L_, eval_tokens_;
  std::string corpus_, train_, valid_;
  nlohmann::json manifest_ = nullptr;
};

}  // namespace

std::unique_ptr<Task> make_byte_text_task(const TaskContext& ctx) { return std::make_unique<ByteTextTask>(ctx); }

}  // namespace gatelab::tasks
