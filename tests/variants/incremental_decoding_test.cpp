// Incremental decoding (LanguageModel::forward_cached, the layers' forward_cached and their caches) gives the full
// forward's logits, looping over the registries so every new feature map, norm, gate or softmax gate position is
// tested for free:
//   - every linear-attention feature map x norm x gate (with short convolutions) through every kernel on this device;
//   - every softmax gate position x activation x granularity x combine x input, and QK-norm x RoPE x short convs;
//   - every layer kind with and without short convolutions and learned positions, and a hybrid of all kinds under
//     every MLP and block norm;
// each as: the full forward over T tokens == a prefill of T/2 then one token at a time == chunks of uneven sizes.
// And the cache holds what generation is measured by: a constant state for linear attention, keys and values of every
// position for softmax attention.
#include <catch2/catch.hpp>

#include "harness/config/model_spec.h"
#include "tests/support/layer_specs.h"
#include "tests/support/tensor_checks.h"
#include "variants/catalog.h"
#include "variants/linear_attention/linear_attention_ops.h"
#include "variants/model/language_model.h"

using namespace gatelab;
using namespace gatelab::variants;
using gatelab::test::all_finite;
using gatelab::test::relative_error;
using gatelab::test::small_layer_spec;

namespace {

constexpr int64_t kT = 24;  // > chunk_size 16 of small_layer_spec: a prefill spans several chunks and sub-chunks

// Tolerances, fp32 throughout. The same per-token arithmetic runs on differently shaped batches ([B, 24, d] against
// [B, 1, d]: BLAS blocks the rows differently), the recurrence restarts from a carried state and baseconv_long's
// FFT has another length, so results differ by reordered fp32 sums only: measured at most 4.1e-7 relative (the
// recurrent reference, softmax, BaseConv). The chunked form groups a prefill's state updates by chunk where a decode
// step takes one at a time, and the readout norms divide by per-token statistics (the layer test allows 5e-4 against
// the recurrent form for the same reason); measured at most 8.5e-6 here.
constexpr double kTight = 5e-6;
constexpr double kChunked = 1e-4;

// Logits of tokens [B, T] fed through one cache as chunks of the given lengths (summing to T).
torch::Tensor logits_in_chunks(LanguageModel& model, const torch::Tensor& tokens, const std::vector<int64_t>& lengths,
                               int64_t capacity) {
  ModelCache cache;
  cache.capacity = capacity;
  std::vector<torch::Tensor> pieces;
  int64_t start = 0;
  for (int64_t length : lengths) {
    pieces.push_back(model->forward_cached(tokens.narrow(1, start, length), cache));
    start += length;
  }
  REQUIRE(start == tokens.size(1));
  CHECK(cache.position == tokens.size(1));
  return torch::cat(pieces, 1);  // [B, T, vocab]
}

// The two schedules against the full forward of a model of `spec`.
void check_incremental(const ModelSpec& spec, double tolerance) {
  torch::manual_seed(21);
  LanguageModel model(spec);
  model->eval();
  torch::NoGradGuard no_grad;
  auto tokens = torch::randint(0, spec.vocab_size, {2, kT});
  auto full = model(tokens);  // [B, T, vocab]
  std::vector<int64_t> prefill_then_steps(kT / 2 + 1, 1);
  prefill_then_steps[0] = kT / 2;
  auto decoded = logits_in_chunks(model, tokens, prefill_then_steps, /*capacity=*/kT);  // one KV allocation
  REQUIRE(all_finite(decoded));
  CHECK(relative_error(decoded, full) < tolerance);
  // Uneven chunks, a KV cache grown by doubling from the first chunk's length.
  auto chunked = logits_in_chunks(model, tokens, {5, 1, 7, 2, 9}, /*capacity=*/0);
  CHECK(relative_error(chunked, full) < tolerance);
}

// Two layers of one kind (each layer's cache is its own), from the small layer spec.
ModelSpec two_layers(AttentionKind kind) {
  auto spec = small_layer_spec();
  spec.n_layers = 2;
  spec.layer_kinds = {kind, kind};
  return spec;
}

}  // namespace

TEST_CASE("incremental decoding: linear attention equals the full forward for every feature map x norm x gate",
          "[decoding]") {
  for (const auto& [map, map_summary] : feature_map_catalog())
    for (const auto& [norm, norm_summary] : readout_norm_catalog())
      for (const auto& [gate, gate_summary] : gate_catalog())
        for (const auto& entry : linear_attention_kernels().entries()) {
          if (!entry.make.available(torch::kCPU)) continue;
          DYNAMIC_SECTION(map << " / " << norm << " / " << gate << " via " << entry.name) {
            auto spec = two_layers(AttentionKind::Linear);
            spec.attn.feature_map = map;
            spec.attn.norm = norm;
            spec.attn.gate = gate;
            spec.attn.short_conv = 4;
            spec.attn.kernel = entry.name;
            check_incremental(spec, entry.name == "recurrent" ? kTight : kChunked);
          }
        }
}

TEST_CASE("incremental decoding: ReGLA's global key max is refused with the option to use instead", "[decoding]") {
  auto spec = two_layers(AttentionKind::Linear);
  spec.attn.feature_map = "regla";
  spec.attn.key_max = KeyMax::Global;
  spec.attn.norm = "layernorm";
  LanguageModel model(spec);
  model->eval();
  torch::NoGradGuard no_grad;
  ModelCache cache;
  CHECK_THROWS_AS(model->forward_cached(torch::zeros({1, 4}, torch::kLong), cache), UserError);
  ModelCache again;
  CHECK_THROWS_WITH(model->forward_cached(torch::zeros({1, 4}, torch::kLong), again),
                    Catch::Contains("running_max running"));
}

TEST_CASE(
    "incremental decoding: softmax attention equals the full forward for every gate position x activation x "
    "granularity x combine x input",
    "[decoding]") {
  const auto ungated = small_layer_spec().attn;  // the defaults: the ungated baseline has no gate options
  for (const auto& position : names_of(softmax_gate_position_catalog()))
    for (const auto& activation : names_of(softmax_gate_activation_catalog()))
      for (const auto& granularity : gate_granularities())
        for (const auto& combine : gate_combines())
          for (const auto& input : gate_inputs()) {
            if (position == "none" &&
                (activation != ungated.gate_activation || granularity.value != ungated.gate_granularity ||
                 combine.value != ungated.gate_combine || input.value != ungated.gate_input))
              continue;
            DYNAMIC_SECTION(position << " " << activation << " " << granularity.name << " " << combine.name << " "
                                     << input.name) {
              auto spec = two_layers(AttentionKind::Softmax);
              spec.attn.gate_position = position;
              spec.attn.gate_activation = activation;
              spec.attn.gate_granularity = granularity.value;
              spec.attn.gate_combine = combine.value;
              spec.attn.gate_input = input.value;
              check_incremental(spec, kTight);
            }
          }
}

TEST_CASE("incremental decoding: softmax attention equals the full forward under QK-norm x RoPE x short convs",
          "[decoding]") {
  for (bool qk_norm : {false, true})
    for (bool rope : {false, true})
      for (int64_t short_conv : {0, 3}) {
        DYNAMIC_SECTION("qk_norm " << qk_norm << " rope " << rope << " short_conv " << short_conv) {
          auto spec = two_layers(AttentionKind::Softmax);
          spec.attn.qk_norm = qk_norm;
          spec.attn.rope = rope;
          spec.attn.short_conv = short_conv;
          spec.attn.short_conv_softmax = true;
          spec.attn.gate_position = "G1";
          check_incremental(spec, kTight);
        }
      }
}

TEST_CASE("incremental decoding: every layer kind equals the full forward with and without short convs and positions",
          "[decoding]") {
  for (const auto& kind : attention_kinds())
    for (int64_t short_conv : {0, 4})
      for (const auto& positions : pos_embeddings()) {
        DYNAMIC_SECTION(kind.name << " short_conv " << short_conv << " positions " << positions.name) {
          auto spec = two_layers(kind.value);
          spec.attn.short_conv = short_conv;
          spec.attn.short_conv_softmax = true;
          spec.pos_embedding = positions.value;
          check_incremental(spec, kTight);
        }
      }
}

TEST_CASE("incremental decoding: a hybrid of every layer kind equals the full forward under every MLP and block norm",
          "[decoding]") {
  for (const auto& mlp : mlp_kinds())
    for (const auto& norm : block_norms()) {
      DYNAMIC_SECTION(mlp.name << " " << norm.name) {
        auto spec = small_layer_spec();
        spec.layer_kinds.clear();
        for (const auto& kind : attention_kinds()) spec.layer_kinds.push_back(kind.value);
        spec.n_layers = static_cast<int64_t>(spec.layer_kinds.size());
        spec.mlp = mlp.value;
        spec.block_norm = norm.value;
        spec.tie_embeddings = true;
        spec.pos_embedding = PosEmbedding::Learned;
        check_incremental(spec, kTight);
      }
    }
}

TEST_CASE("the decoding cache holds a constant state for linear attention and every key and value for softmax",
          "[decoding]") {
  auto bytes_after = [](const ModelSpec& spec, int64_t T) {
    torch::manual_seed(2);
    LanguageModel model(spec);
    model->eval();
    torch::NoGradGuard no_grad;
    ModelCache cache;
    cache.capacity = 64;  // spare capacity is not counted
    model->forward_cached(torch::zeros({3, T}, torch::kLong), cache);
    return cache.bytes();
  };
  auto linear = small_layer_spec();  // d 16, 2 heads: K = 4, V = 8 per head (key_dim_ratio 0.5), fp32 state
  CHECK(bytes_after(linear, 5) == 3 * 2 * 4 * 8 * 4);
  CHECK(bytes_after(linear, 30) == bytes_after(linear, 5));
  auto softmax = small_layer_spec();
  softmax.layer_kinds = {AttentionKind::Softmax};
  CHECK(bytes_after(softmax, 30) == 2 * 3 * 30 * 16 * 4);  // keys and values, B = 3, T = 30, d = 16, fp32
  softmax.attn.short_conv = 4;
  softmax.attn.short_conv_softmax = true;
  CHECK(bytes_after(softmax, 30) == 2 * 3 * 30 * 16 * 4 + 3 * (3 * 3 * 16 * 4));  // + three tails of K-1 = 3 inputs
}

TEST_CASE("incremental decoding refuses a model in training mode", "[decoding]") {
  LanguageModel model(small_layer_spec());
  ModelCache cache;
  CHECK_THROWS_WITH(model->forward_cached(torch::zeros({1, 4}, torch::kLong), cache), Catch::Contains("eval"));
}
