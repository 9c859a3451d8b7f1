// The decoder LM: embedding, n pre-norm blocks (x + Attn(Norm(x)); x + MLP(Norm(x))), final norm, LM head.
#pragma once

#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "variants/model/decoding_cache.h"
#include "variants/model/model_spec.h"

namespace gatelab::variants {

// What one layer exposes to the read-only probes on an evaluation batch.
struct LayerProbe {
  std::string attn_kind;                             // linear | softmax | baseconv
  torch::Tensor residual;                            // [B, T, d] residual stream after the block (for M-Act)
  torch::Tensor attention_weights;                   // [B, H, T, T] softmax layers only (explicit pass)
  std::map<std::string, torch::Tensor> gate_values;  // quantity -> values in [0, 1] (alpha, g, F, gate, ...)
  torch::Tensor gated_output;                        // gated attention output (softmax gate), for output sparsity
};

// Attention layer interface shared by linear and softmax attention.
class AttentionLayer : public torch::nn::Module {
 public:
  // x: [B, T, d] (pre-normed). probe: when non-null, fill gate values / attention weights.
  virtual torch::Tensor forward(const torch::Tensor& x, LayerProbe* probe) = 0;
  // Incremental decoding (eval mode): x [B, t, d] are the next t positions of the sequences whose past `cache` holds
  // (empty: the start); returns [B, t, d] as forward over the whole sequence would at those positions, and extends
  // the cache by them. A prefill is one call with t = the context length, a decode step one with t = 1.
  virtual torch::Tensor forward_cached(const torch::Tensor& x, LayerCache& cache) = 0;
};

// The sequence mixer of one layer of the given kind.
std::shared_ptr<AttentionLayer> make_sequence_mixer(const ModelSpec& spec, AttentionKind kind);

class LanguageModelImpl : public torch::nn::Module {
 public:
  explicit LanguageModelImpl(const ModelSpec& spec);
  torch::Tensor forward(const torch::Tensor& tokens);  // [B, T] int64 -> logits [B, T, vocab]
  // Logits only where mask [B, T] (bool) is true: [N, vocab], in row-major order of the mask. MQAR labels D of L
  // positions, and the head over all of them (B T x vocab 8192) would dominate the step.
  torch::Tensor forward_at(const torch::Tensor& tokens, const torch::Tensor& mask);
  // Same forward, also returning one LayerProbe per layer (evaluation batches only).
  torch::Tensor forward_with_probes(const torch::Tensor& tokens, std::vector<LayerProbe>& probes);
  // Incremental decoding (eval mode only): tokens [B, t] continue the sequences whose past `cache` holds (empty: the
  // start) -> logits [B, t, vocab], those of forward over the whole sequence at these positions; the cache is
  // extended by them. Any split of a sequence into chunks gives the same logits.
  torch::Tensor forward_cached(const torch::Tensor& tokens, ModelCache& cache);
  const ModelSpec& spec() const { return spec_; }
  int64_t parameter_count() const;

 private:
  torch::Tensor hidden(const torch::Tensor& tokens, std::vector<LayerProbe>* probes);  // after the final norm
  torch::Tensor embed(const torch::Tensor& tokens, int64_t first_position);            // [B, T] -> [B, T, d]
  torch::Tensor logits_of(const torch::Tensor& h);                                      // [..., d] -> [..., vocab]
  ModelSpec spec_;
  torch::nn::Embedding embedding_{nullptr};
  torch::nn::Embedding positions_{nullptr};  // learned absolute positions (model.pos_embedding), or none
  torch::nn::ModuleList blocks_;
  std::shared_ptr<torch::nn::Module> final_norm_;
  torch::nn::Linear head_{nullptr};
};
TORCH_MODULE(LanguageModel);

}  // namespace gatelab::variants
