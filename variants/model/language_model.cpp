#include "variants/model/language_model.h"

#include <cmath>

#include "harness/util/errors.h"
#include "variants/baseconv/baseconv_layer.h"
#include "variants/linear_attention/linear_attention_layer.h"
#include "variants/model/layers.h"
#include "variants/softmax_attention/softmax_attention_layer.h"

namespace gatelab::variants {

std::shared_ptr<AttentionLayer> make_sequence_mixer(const ModelSpec& spec, AttentionKind kind) {
  switch (kind) {
    case AttentionKind::Linear: return std::make_shared<LinearAttentionLayer>(spec);
    case AttentionKind::Softmax: return std::make_shared<SoftmaxAttentionLayer>(spec);
    case AttentionKind::BaseConv: return std::make_shared<BaseConvLayer>(spec, /*long_conv=*/false);
    case AttentionKind::BaseConvLong: return std::make_shared<BaseConvLayer>(spec, /*long_conv=*/true);
  }
  throw Error("a layer kind without a sequence mixer");
}

namespace {

// Pre-norm block: x + Attn(Norm(x)), then x + MLP(Norm(x)). With the identity MLP the second branch adds Norm(x)
// itself, as Zoology's TransformerBlock does with its Identity state mixer (its MQAR recipe).
class Block : public torch::nn::Module {
 public:
  Block(const ModelSpec& spec, AttentionKind kind) {
    attn_norm_ = register_module("attn_norm", make_block_norm(spec.block_norm, spec.d_model));
    attn_ = register_module("attn", make_sequence_mixer(spec, kind));
    if (spec.mlp == Mlp::SwiGlu) {
      // SwiGLU hidden size 2/3 * ratio * d, rounded up to a multiple of 16 (keeps the parameter count of a 4d MLP).
      int64_t hidden = static_cast<int64_t>(std::ceil(2.0 / 3.0 * spec.mlp_ratio * spec.d_model / 16.0)) * 16;
      mlp_norm_ = register_module("mlp_norm", make_block_norm(spec.block_norm, spec.d_model));
      mlp_ = register_module("mlp", SwiGlu(spec.d_model, hidden));
    }
    if (spec.mlp == Mlp::Identity) mlp_norm_ = register_module("mlp_norm", make_block_norm(spec.block_norm, spec.d_model));
  }

  torch::Tensor forward(const torch::Tensor& x, LayerProbe* probe) {
    auto h = x + attn_->forward(apply_block_norm(attn_norm_, x), probe);
    h = feed_forward(h);
    if (probe) probe->residual = h.detach();
    return h;
  }

  // The same block over the next positions of a sequence; only the sequence mixer looks at the past.
  torch::Tensor forward_cached(const torch::Tensor& x, LayerCache& cache) {
    return feed_forward(x + attn_->forward_cached(apply_block_norm(attn_norm_, x), cache));
  }

 private:
  torch::Tensor feed_forward(const torch::Tensor& h) {  // [B, T, d], position by position
    if (mlp_) return h + mlp_(apply_block_norm(mlp_norm_, h));
    if (mlp_norm_) return h + apply_block_norm(mlp_norm_, h);
    return h;
  }

  std::shared_ptr<torch::nn::Module> attn_norm_, mlp_norm_;
  std::shared_ptr<AttentionLayer> attn_;
  SwiGlu mlp_{nullptr};
};

}  // namespace

LanguageModelImpl::LanguageModelImpl(const ModelSpec& spec) : spec_(spec) {
  if (static_cast<int64_t>(spec.layer_kinds.size()) != spec.n_layers)
    throw Error("ModelSpec.layer_kinds must name one attention kind per layer");
  embedding_ = register_module("embedding", torch::nn::Embedding(spec.vocab_size, spec.d_model));
  if (spec.pos_embedding == PosEmbedding::Learned)
    positions_ = register_module("positions", torch::nn::Embedding(spec.max_positions, spec.d_model));
  {
    torch::NoGradGuard no_grad;
    embedding_->weight.normal_(0.0, 0.02);
    if (positions_) positions_->weight.normal_(0.0, 0.02);  // Zoology: every embedding N(0, 0.02)
  }
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (AttentionKind kind : spec.layer_kinds) blocks_->push_back(std::make_shared<Block>(spec, kind));
  final_norm_ = register_module("final_norm", make_block_norm(spec.block_norm, spec.d_model));
  if (!spec.tie_embeddings) head_ = register_module("head", make_projection(spec.d_model, spec.vocab_size));

  // GPT-2 style: the projections that write into the residual stream are scaled by 1/sqrt(2 * layers) so the
  // stream's variance does not grow with depth (docs/RESEARCH.md 1.5).
  torch::NoGradGuard no_grad;
  const double residual_scale = 1.0 / std::sqrt(2.0 * spec.n_layers);
  for (const auto& item : named_parameters()) {
    const std::string& name = item.key();
    auto ends_with = [&](const std::string& suffix) {
      return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends_with("attn.o_proj.weight") || ends_with("mlp.down.weight")) item.value().mul_(residual_scale);
  }
}

torch::Tensor LanguageModelImpl::embed(const torch::Tensor& tokens, int64_t first_position) {
  auto h = embedding_(tokens);  // [B, T, d]
  if (positions_) {
    const int64_t end = first_position + tokens.size(1);
    if (end > spec_.max_positions)
      throw Error("learned position embeddings cover " + std::to_string(spec_.max_positions) + " positions, got " +
                  std::to_string(end));
    h = h + positions_(torch::arange(first_position, end, tokens.options())).unsqueeze(0);  // [1, T, d]
  }
  return h;
}

torch::Tensor LanguageModelImpl::hidden(const torch::Tensor& tokens, std::vector<LayerProbe>* probes) {
  auto h = embed(tokens, 0);  // [B, T, d]
  if (spec_.embed_dropout > 0) h = torch::dropout(h, spec_.embed_dropout, is_training());
  if (probes) probes->assign(blocks_->size(), LayerProbe{});
  for (size_t i = 0; i < blocks_->size(); ++i)
    h = blocks_[i]->as<Block>()->forward(h, probes ? &(*probes)[i] : nullptr);
  return apply_block_norm(final_norm_, h);  // [B, T, d]
}

torch::Tensor LanguageModelImpl::logits_of(const torch::Tensor& h) {
  return head_ ? head_(h) : torch::matmul(h, embedding_->weight.t());  // [..., vocab]
}

torch::Tensor LanguageModelImpl::forward(const torch::Tensor& tokens) { return logits_of(hidden(tokens, nullptr)); }

torch::Tensor LanguageModelImpl::forward_at(const torch::Tensor& tokens, const torch::Tensor& mask) {
  auto h = hidden(tokens, nullptr);                     // [B, T, d]
  return logits_of(h.index({mask}));                    // [N, vocab]
}

torch::Tensor LanguageModelImpl::forward_with_probes(const torch::Tensor& tokens, std::vector<LayerProbe>& probes) {
  return logits_of(hidden(tokens, &probes));
}

torch::Tensor LanguageModelImpl::forward_cached(const torch::Tensor& tokens, ModelCache& cache) {
  // Dropout would make the cached past differ from what a full forward sees; decoding is evaluation.
  if (is_training()) throw Error("forward_cached decodes in eval mode: call model->eval() first");
  if (cache.layers.empty()) {
    cache.layers.assign(blocks_->size(), LayerCache{});
    for (auto& layer : cache.layers) layer.capacity = cache.capacity;
  }
  if (cache.layers.size() != blocks_->size()) throw Error("forward_cached: the cache belongs to another model");
  auto h = embed(tokens, cache.position);  // [B, t, d]
  for (size_t i = 0; i < blocks_->size(); ++i) h = blocks_[i]->as<Block>()->forward_cached(h, cache.layers[i]);
  cache.position += tokens.size(1);
  return logits_of(apply_block_norm(final_norm_, h));  // [B, t, vocab]
}

int64_t LanguageModelImpl::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

}  // namespace gatelab::variants
