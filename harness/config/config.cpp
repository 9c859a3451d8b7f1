#include "harness/config/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/config/model_spec.h"
#include "harness/config/yaml_json.h"
#include "harness/tasks/catalog.h"
#include "harness/util/hashing.h"
#include "variants/catalog.h"
#include "variants/model/choices.h"

namespace gatelab::config {

namespace {

std::function<std::vector<std::string>()> one_of(std::vector<std::string> names) {
  return [names] { return names; };
}

template <class E>
std::function<std::vector<std::string>()> choices_of(const variants::ChoiceTable<E>& table) {
  return [&table] { return variants::choice_names(table); };
}

template <class CatalogFn>
std::function<std::vector<std::string>()> registry(CatalogFn catalog) {
  return [catalog] { return variants::names_of(catalog()); };
}

// Scopes: when a key can reach the model or the measurements (KeySpec::scope). Each condition reads only keys that
// are themselves always in scope or whose own scope it implies, so the identity does not depend on reset order.
bool has_layer(const json& c, const std::string& kind) {
  const auto kinds = layer_kinds(c);
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}
bool linear_layers(const json& c) { return has_layer(c, "linear"); }
bool softmax_layers(const json& c) { return has_layer(c, "softmax"); }
bool task_is(const json& c, const char* name) { return at(c, "task.name") == name; }

const KeyScope kLinear{"a layer is linear", linear_layers};
const KeyScope kSoftmax{"a layer is softmax", softmax_layers};
const KeyScope kGatedSoftmax{"a layer is softmax and model.attn.gate_position is not none", [](const json& c) {
                               return softmax_layers(c) && at(c, "model.attn.gate_position") != "none";
                             }};
const KeyScope kMqar{"task.name is mqar", [](const json& c) { return task_is(c, "mqar"); }};
const KeyScope kText{"task.name is bytes", [](const json& c) { return task_is(c, "bytes"); }};
// Cadences: when rows are written and checkpoints saved, never what is trained (evaluation runs in eval mode
// on a fixed set, and dropout is reseeded per step, so it draws nothing the next step sees).
const KeyScope kNever{"never (a cadence: it changes when rows are written, not the model)",
                      [](const json&) { return false; }};

std::vector<KeySpec> build_schema() {
  using T = KeyType;
  std::vector<KeySpec> s;
  auto add = [&](std::string path, T type, json def, std::string doc,
                 std::function<std::vector<std::string>()> choices = nullptr, double min = -1e300,
                 double max = 1e300) -> KeySpec& {
    s.push_back(KeySpec{std::move(path), type, std::move(def), std::move(doc), std::move(choices), min, max, {}});
    return s.back();
  };
  add("seed", T::Int, 0, "seed for parameter init and data order; a run is a pure function of config and seed", nullptr,
      0, 2147483647);

  // Model: a pre-norm decoder LM (docs/RESEARCH.md 1.5).
  add("model.d_model", T::Int, 128, "hidden size d", nullptr, 8, 65536);
  add("model.n_layers", T::Int, 2, "number of blocks", nullptr, 1, 256);
  add("model.n_heads", T::Int, 4, "attention heads per layer", nullptr, 1, 256);
  add("model.mlp", T::String, "swiglu",
      "channel mixer after attention: swiglu; identity (Zoology's MQAR blocks: its Identity state mixer still adds "
      "Norm(x) to the residual stream); or none (no second residual branch)",
      choices_of(variants::mlp_kinds()));
  add("model.mlp_ratio", T::Float, 4.0, "SwiGLU hidden size = round(2/3 * ratio * d) to a multiple of 16", nullptr,
      0.25, 64);
  add("model.block_norm", T::String, "rmsnorm", "pre-norm of each block and the final norm",
      choices_of(variants::block_norms()));
  add("model.tie_embeddings", T::Bool, false, "share the input embedding with the output head");
  add("model.pos_embedding", T::String, "none",
      "absolute position embedding added to the token embedding: none, or learned (one vector per position < "
      "task.seq_len, N(0, 0.02) init; Zoology's attention baseline, docs/RESEARCH.md 3)",
      choices_of(variants::pos_embeddings()));
  add("model.embed_dropout", T::Float, 0.0,
      "dropout on the embedding output during training (Zoology: 0.1); a pure function of (seed, step), so resume "
      "stays exact",
      nullptr, 0, 0.99);
  add("model.layers", T::StringList, json::array(),
      "per-layer sequence mixers, repeated cyclically over the layers (e.g. [linear, softmax], or Zoology's hybrid "
      "[baseconv, linear]); baseconv is Zoology's BaseConv y = ShortConv(u) * Linear(u) + u with kernel "
      "model.attn.baseconv_kernel, baseconv_long the same with an implicit long convolution; empty: every layer is "
      "model.attn.kind",
      choices_of(variants::attention_kinds()));
  add("model.hybrid_every", T::Int, 0,
      "when > 0, every n-th layer (n, 2n, ...) is softmax and the rest model.attn.kind: 2 gives a 50% hybrid", nullptr,
      0, 256);

  // Attention: shared.
  add("model.attn.kind", T::String, "linear", "attention kind of every layer (unless model.layers says otherwise)",
      choices_of(variants::attention_kinds()))
      .scope = KeyScope{"model.layers is empty", [](const json& c) { return at(c, "model.layers").empty(); }};

  // Linear attention (docs/RESEARCH.md 1).
  add("model.attn.feature_map", T::String, "identity", "feature map phi on queries and keys",
      registry(variants::feature_map_catalog))
      .scope = kLinear;
  add("model.attn.norm", T::String, "layernorm", "per-head readout normalization",
      registry(variants::readout_norm_catalog))
      .scope = kLinear;
  add("model.attn.norm_eps", T::Float, 1e-5, "epsilon of the readout normalization / denominator", nullptr, 0, 1)
      .scope = kLinear;
  add("model.attn.gate", T::String, "gla", "decay gate G_t on the state", registry(variants::gate_catalog)).scope =
      kLinear;
  add("model.attn.gate_init", T::String, "torch",
      "init of the gate projections: torch (LibTorch's default Kaiming-uniform weights, bias per gate_bias_init; "
      "gatelab's original default) or fla (weights N(0, 0.02) and a zero bias, as fla and Zoology initialise GLA: "
      "alpha ~ 0.958 at init; gate_bias_init must then stay uniform)",
      choices_of(variants::gate_inits()))
      .scope = kLinear;
  add("model.attn.gate_rank", T::Int, -1,
      "gate projection rank: -1 the gate's documented default (gla: 16, refining: full), 0 full rank (d x d_k), n > 0 "
      "low rank (d x n x d_k)",
      nullptr, -1, 65536)
      .scope = kLinear;
  add("model.attn.gate_temperature", T::Float, 16.0, "GLA's tau: alpha = sigmoid(.)^(1/tau)", nullptr, 1e-3, 1e6)
      .scope = kLinear;
  add("model.attn.gate_bias_init", T::String, "uniform",
      "gate bias init: uniform (UGI, b = logit(u), u ~ U[1/d, 1-1/d]), zero, extreme (+-6 per channel, ReGLA's "
      "saturation experiment) or fixed (model.attn.gate_bias_value)",
      choices_of(variants::gate_bias_inits()))
      .scope = kLinear;
  add("model.attn.gate_bias_value", T::Float, 0.0, "gate bias when gate_bias_init = fixed", nullptr, -100, 100).scope =
      KeyScope{"a layer is linear and model.attn.gate_bias_init is fixed",
               [](const json& c) { return linear_layers(c) && at(c, "model.attn.gate_bias_init") == "fixed"; }};
  add("model.attn.output_gate", T::Bool, true, "GLA's swish output gate: y = (swish(x W_r + b_r) * o') W_o").scope =
      kLinear;
  add("model.attn.key_dim_ratio", T::Float, 0.5, "d_k = ratio * d (GLA: 0.5)", nullptr, 0.0625, 16).scope = kLinear;
  add("model.attn.feature_dim", T::Int, 0,
      "key dim per head before the feature map (Based's feature_dim, e.g. 16 with the taylor map: 1 + 16 + 256 "
      "features); 0: key_dim_ratio * d_model / n_heads",
      nullptr, 0, 4096)
      .scope = kLinear;
  add("model.attn.value_dim_ratio", T::Float, 1.0, "d_v = ratio * d (GLA: 1)", nullptr, 0.0625, 16).scope = kLinear;
  add("model.attn.scale", T::Float, 0.0,
      "score scale on phi(q); 0 chooses the feature map's default ((d_k/H)^-1/2, or ReGLA's variance-reduction "
      "1/(e sqrt(m(e^2-1))))",
      nullptr, 0, 1e6)
      .scope = kLinear;
  add("model.attn.running_max", T::String, "running",
      "ReGLA key max M: running (causal max over positions <= t, state rescaled by e^{M_old - M_new}; equals the "
      "global max under a scale-invariant readout) or global (max over the whole sequence: leaks the future unless "
      "the readout is scale-invariant)",
      choices_of(variants::key_maxes()))
      .scope = kLinear;
  add("model.attn.kernel", T::String, "auto",
      "linear-attention implementation: auto (cuda on GPU when built, else chunked), or a registered kernel",
      [] {
        auto names = variants::names_of(variants::linear_attention_kernel_catalog());
        names.insert(names.begin(), "auto");
        return names;
      })
      .scope = kLinear;
  add("model.attn.chunk_size", T::Int, 64, "chunk length C of the chunkwise form", nullptr, 1, 4096).scope = kLinear;
  add("model.attn.sub_chunk_size", T::Int, 16, "secondary chunk inside a chunk (numerical stability)", nullptr, 1, 4096)
      .scope = kLinear;
  add("model.attn.short_conv", T::Int, 0,
      "width K of a causal depthwise convolution followed by SiLU on q, k and v of linear layers, before the feature "
      "map (fla's use_short_conv: K = 4); 0: off",
      nullptr, 0, 64)
      .scope =
      KeyScope{"a layer is linear, or softmax with model.attn.short_conv_softmax", [](const json& c) {
                 return linear_layers(c) || (softmax_layers(c) && at(c, "model.attn.short_conv_softmax").get<bool>());
               }};
  add("model.attn.short_conv_softmax", T::Bool, false, "apply model.attn.short_conv to softmax layers too").scope =
      KeyScope{"a layer is softmax and model.attn.short_conv > 0",
               [](const json& c) { return softmax_layers(c) && at(c, "model.attn.short_conv").get<int64_t>() > 0; }};
  add("model.attn.baseconv_kernel", T::Int, 3, "width of BaseConv's short convolution (Zoology: 3)", nullptr, 1, 64)
      .scope = KeyScope{"a layer is baseconv", [](const json& c) { return has_layer(c, "baseconv"); }};

  // Softmax attention and its sigmoid gate (docs/RESEARCH.md 2).
  add("model.attn.gate_position", T::String, "none", "softmax gate position G1..G5 (none: ungated baseline)",
      registry(variants::softmax_gate_position_catalog))
      .scope = kSoftmax;
  add("model.attn.gate_granularity", T::String, "elementwise", "one gate value per channel or per head",
      choices_of(variants::gate_granularities()))
      .scope = kGatedSoftmax;
  add("model.attn.gate_sharing", T::String, "head_specific", "separate gate weights per head, or shared by all heads",
      choices_of(variants::gate_sharings()))
      .scope = kGatedSoftmax;
  add("model.attn.gate_combine", T::String, "multiplicative", "Y * act(XW) or Y + act(XW)",
      choices_of(variants::gate_combines()))
      .scope = kGatedSoftmax;
  add("model.attn.gate_activation", T::String, "sigmoid", "gate activation",
      registry(variants::softmax_gate_activation_catalog))
      .scope = kGatedSoftmax;
  add("model.attn.gate_input", T::String, "dependent",
      "dependent: act(X W); independent: act(w), a learned zero-init parameter (the control)",
      choices_of(variants::gate_inputs()))
      .scope = kGatedSoftmax;
  add("model.attn.qk_norm", T::Bool, true, "per-head RMSNorm on q and k").scope = kSoftmax;
  add("model.attn.rope", T::Bool, true, "rotary position embedding on q and k (softmax layers)").scope = kSoftmax;
  add("model.attn.rope_theta", T::Float, 10000.0, "RoPE base", nullptr, 1, 1e9).scope =
      KeyScope{"a layer is softmax and model.attn.rope is on",
               [](const json& c) { return softmax_layers(c) && at(c, "model.attn.rope").get<bool>(); }};
  add("model.attn.sdpa", T::String, "auto",
      "softmax kernel: auto (SDPA where this LibTorch has it, else manual), manual, sdpa",
      choices_of(variants::softmax_kernels()))
      .scope = kSoftmax;
  add("model.attn.dropout", T::Float, 0.0,
      "dropout on the softmax attention probabilities during training (Zoology's MHA: 0.1); a pure function of "
      "(seed, step)",
      nullptr, 0, 0.99)
      .scope = kSoftmax;

  // Task.
  add("task.name", T::String, "mqar", "training task", registry(tasks::task_catalog));
  add("task.seq_len", T::Int, 64, "sequence length L", nullptr, 2, 1 << 20);
  add("task.mqar.num_kv", T::Int, 4, "MQAR key-value pairs D (4D <= L)", nullptr, 1, 1 << 20).scope = kMqar;
  add("task.mqar.vocab", T::Int, 8192, "MQAR vocabulary V (> L)", nullptr, 8, 1 << 24).scope = kMqar;
  add("task.mqar.train_examples", T::Int, 100000, "training set size", nullptr, 1, 1 << 30).scope = kMqar;
  add("task.mqar.test_examples", T::Int, 3000, "test set size (drawn from a different seed)", nullptr, 1, 1 << 30)
      .scope = kMqar;
  add("task.mqar.power_a", T::Float, 0.01, "query-slot sampling weight (s+1)^(a-1)", nullptr, 1e-6, 10).scope = kMqar;
  add("task.mqar.random_noise", T::Bool, true, "replace filler zeros with uniform random tokens (Zoology default)")
      .scope = kMqar;
  add("task.text.corpus", T::String, "kjv",
      "byte-level corpus built by scripts/build_corpus.sh: kjv (small, CPU) or mix (11 Debian sources, GPU)",
      one_of({"kjv", "mix"}))
      .scope = kText;
  add("task.text.eval_tokens", T::Int, 65536,
      "validation bytes evaluated (a fixed prefix of the validation split; 0: the whole split)", nullptr, 0, 1ll << 40)
      .scope = kText;

  // Training.
  add("train.steps", T::Int, 200, "optimizer steps (replaced by the epoch count when train.epochs > 0)", nullptr, 1,
      1ll << 40);
  add("train.epochs", T::Float, 0.0,
      "when > 0, train.steps = ceil(epochs * task.mqar.train_examples / batch_size) (Zoology counts epochs; mqar "
      "only); 0: train.steps as given",
      nullptr, 0, 1e6);
  add("train.batch_size", T::Int, 16, "sequences per step", nullptr, 1, 1 << 20);
  add("train.lr", T::Float, 3e-4, "peak learning rate (AdamW)", nullptr, 0, 10);
  add("train.min_lr_ratio", T::Float, 0.1, "cosine floor as a fraction of lr (GLA: 3e-5 / 3e-4)", nullptr, 0, 1);
  add("train.warmup_steps", T::Int, 20, "linear warmup steps", nullptr, 0, 1ll << 40);
  add("train.weight_decay", T::Float, 0.01, "AdamW weight decay (MQAR: 0.1)", nullptr, 0, 10);
  add("train.beta1", T::Float, 0.9, "AdamW beta1", nullptr, 0, 1);
  add("train.beta2", T::Float, 0.95, "AdamW beta2", nullptr, 0, 1);
  add("train.grad_clip", T::Float, 1.0, "global gradient-norm clip (0: off)", nullptr, 0, 1e9);
  add("train.eval_every", T::Int, 50, "evaluate every n steps (and at the end)", nullptr, 1, 1ll << 40).scope =
      KeyScope{"train.early_stop_accuracy > 0: evaluations then decide when the run stops",
               [](const json& c) { return at(c, "train.early_stop_accuracy").get<double>() > 0; }};
  add("train.eval_batches", T::Int, 8, "evaluation batches for MQAR (text uses task.text.eval_tokens)", nullptr, 1,
      1 << 20)
      .scope = kMqar;
  add("train.log_every", T::Int, 10, "record training loss and throughput every n steps", nullptr, 1, 1ll << 40).scope =
      kNever;
  add("train.checkpoint_every", T::Int, 100, "checkpoint every n steps (0: only on signals and at the end)", nullptr, 0,
      1ll << 40)
      .scope = kNever;
  add("train.early_stop_accuracy", T::Float, 0.0, "stop when evaluation accuracy reaches this (MQAR: 0.99; 0: off)",
      nullptr, 0, 1);
  add("train.dtype", T::String, "float32", "compute dtype of the model on the device (bfloat16 needs CUDA)",
      one_of({"float32", "bfloat16"}));

  // Probes (read-only hooks run on evaluation batches).
  add("probes.saturation_eps", T::Float, 1e-3, "gate saturation: share of alpha < eps or alpha > 1 - eps", nullptr, 0,
      0.5);
  add("probes.histogram_bins", T::Int, 20, "bins of gate-value histograms over [0, 1]", nullptr, 1, 1000);
  return s;
}

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw ConfigError(path, fmt::format("config key '{}': {}", path, message));
}

std::string type_name(KeyType t) {
  switch (t) {
    case KeyType::Int: return "integer";
    case KeyType::Float: return "number";
    case KeyType::Bool: return "boolean";
    case KeyType::String: return "string";
    case KeyType::StringList: return "list of strings";
  }
  return "?";
}

void check_choice(const KeySpec& spec, const std::string& value) {
  if (!spec.choices) return;
  auto valid = spec.choices();
  for (const auto& v : valid)
    if (v == value) return;
  throw ConfigError(spec.path,
                    fmt::format("config key '{}': {}", spec.path, unknown_name_message("value", value, valid)));
}

// Walks a nested user config, collecting leaves as dotted paths; an object whose path is not a prefix of any key
// is an unknown key.
void collect_leaves(const json& node, const std::string& prefix, std::vector<std::pair<std::string, json>>& out) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object() && !find_key(path)) {
      collect_leaves(*it, path, out);
    } else {
      out.emplace_back(path, *it);
    }
  }
}

std::vector<std::string> all_paths() {
  std::vector<std::string> paths;
  for (const auto& k : schema()) paths.push_back(k.path);
  return paths;
}

void check_consistency(const json& c) {
  int64_t d = at(c, "model.d_model"), h = at(c, "model.n_heads");
  if (d % h != 0) fail("model.n_heads", fmt::format("d_model {} is not divisible by n_heads {}", d, h));
  auto per_head = [&](const char* key) {
    double ratio = at(c, key);
    double dim = ratio * d;
    if (dim != static_cast<double>(static_cast<int64_t>(dim)) || static_cast<int64_t>(dim) % h != 0)
      fail(key, fmt::format("{} * d_model {} = {} must be a whole multiple of n_heads {}", ratio, d, dim, h));
  };
  per_head("model.attn.key_dim_ratio");
  per_head("model.attn.value_dim_ratio");
  if (at(c, "model.attn.rope").get<bool>() && (d / h) % 2 != 0)
    fail("model.attn.rope", fmt::format("RoPE needs an even head dim; d_model/n_heads = {}", d / h));
  if (at(c, "model.attn.sub_chunk_size").get<int64_t>() > at(c, "model.attn.chunk_size").get<int64_t>() ||
      at(c, "model.attn.chunk_size").get<int64_t>() % at(c, "model.attn.sub_chunk_size").get<int64_t>() != 0)
    fail("model.attn.sub_chunk_size", "must divide model.attn.chunk_size");
  if (!at(c, "model.layers").empty() && at(c, "model.hybrid_every").get<int64_t>() > 0)
    fail("model.hybrid_every", "set either model.layers or model.hybrid_every, not both");
  if (at(c, "task.name") == "mqar") {
    int64_t L = at(c, "task.seq_len"), D = at(c, "task.mqar.num_kv"), V = at(c, "task.mqar.vocab");
    if (L % 2 != 0) fail("task.seq_len", fmt::format("MQAR needs an even sequence length, got {}", L));
    if (4 * D > L) fail("task.mqar.num_kv", fmt::format("MQAR needs 4*num_kv <= seq_len; 4*{} > {}", D, L));
    if (V <= L) fail("task.mqar.vocab", fmt::format("MQAR needs vocab > seq_len; {} <= {}", V, L));
  }
  if (at(c, "model.attn.gate_init") == "fla" && at(c, "model.attn.gate_bias_init") != "uniform")
    fail("model.attn.gate_init",
         "fla sets the gate bias to zero; leave gate_bias_init at uniform or use gate_init torch");
  if (at(c, "train.epochs").get<double>() > 0 && at(c, "task.name") != "mqar")
    fail("train.epochs", "epochs count MQAR's training set; for other tasks set train.steps");
}

// Zoology counts training in epochs: the step count follows from the set size and the batch.
void apply_epochs(json& c) {
  const double epochs = at(c, "train.epochs");
  if (epochs <= 0) return;
  const double examples = at(c, "task.mqar.train_examples").get<double>();
  const double batch = at(c, "train.batch_size").get<double>();
  set(c, "train.steps", static_cast<int64_t>(std::ceil(epochs * examples / batch)));
}

}  // namespace

const std::vector<KeySpec>& schema() {
  static const std::vector<KeySpec> s = build_schema();
  return s;
}

const KeySpec* find_key(const std::string& path) {
  for (const auto& k : schema())
    if (k.path == path) return &k;
  return nullptr;
}

void check_value(const KeySpec& spec, const json& value) {
  switch (spec.type) {
    case KeyType::Int: {
      if (!value.is_number_integer()) fail(spec.path, fmt::format("expected an integer, got {}", value.dump()));
      double v = value.get<double>();
      if (v < spec.min || v > spec.max)
        fail(spec.path, fmt::format("{} is outside [{}, {}]", value.dump(), spec.min, spec.max));
      break;
    }
    case KeyType::Float: {
      if (!value.is_number()) fail(spec.path, fmt::format("expected a number, got {}", value.dump()));
      double v = value.get<double>();
      if (!(v >= spec.min && v <= spec.max))
        fail(spec.path, fmt::format("{} is outside [{}, {}]", value.dump(), spec.min, spec.max));
      break;
    }
    case KeyType::Bool:
      if (!value.is_boolean()) fail(spec.path, fmt::format("expected true or false, got {}", value.dump()));
      break;
    case KeyType::String:
      if (!value.is_string()) fail(spec.path, fmt::format("expected a string, got {}", value.dump()));
      check_choice(spec, value.get<std::string>());
      break;
    case KeyType::StringList:
      if (!value.is_array()) fail(spec.path, fmt::format("expected a list, got {}", value.dump()));
      for (const auto& item : value) {
        if (!item.is_string()) fail(spec.path, fmt::format("expected strings in the list, got {}", item.dump()));
        check_choice(spec, item.get<std::string>());
      }
      break;
  }
}

json defaults() {
  json out = json::object();
  for (const auto& k : schema()) set(out, k.path, k.default_value);
  return out;
}

json resolve(const json& partial) {
  if (!partial.is_object()) throw ConfigError("", "a run config must be a mapping of keys to values");
  std::vector<std::pair<std::string, json>> leaves;
  collect_leaves(partial, "", leaves);
  json out = defaults();
  for (auto& [path, value] : leaves) {
    const KeySpec* spec = find_key(path);
    if (!spec) throw ConfigError(path, unknown_name_message("config key", path, all_paths()));
    json v = value;
    // An integer literal is a fine number for a Float key (lr: 1 means 1.0).
    if (spec->type == KeyType::Float && v.is_number_integer()) v = v.get<double>();
    check_value(*spec, v);
    set(out, path, v);
  }
  check_consistency(out);
  apply_epochs(out);
  return out;
}

std::string canonical(const json& resolved) { return resolved.dump(); }  // nlohmann's object keys are sorted

json identity_config(const json& resolved) {
  json identity = resolved;
  for (const auto& k : schema())
    if (!k.scope.applies(resolved)) set(identity, k.path, k.default_value);
  return identity;
}

std::vector<std::pair<std::string, std::string>> out_of_scope_keys(const json& resolved) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& k : schema())
    if (!k.scope.applies(resolved) && at(resolved, k.path) != k.default_value) keys.emplace_back(k.path, k.scope.when);
  return keys;
}

std::string hash(const json& resolved) { return fnv1a64_hex(canonical(identity_config(resolved))); }

const json& at(const json& config, const std::string& dotted_path) {
  const json* node = &config;
  std::stringstream ss(dotted_path);
  std::string part;
  while (std::getline(ss, part, '.')) {
    if (!node->is_object() || !node->contains(part))
      throw Error(fmt::format("config has no key '{}' (was it resolved?)", dotted_path));
    node = &(*node)[part];
  }
  return *node;
}

void set(json& config, const std::string& dotted_path, json value) {
  json* node = &config;
  std::stringstream ss(dotted_path);
  std::string part;
  std::vector<std::string> parts;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!node->contains(parts[i]) || !(*node)[parts[i]].is_object()) (*node)[parts[i]] = json::object();
    node = &(*node)[parts[i]];
  }
  (*node)[parts.back()] = std::move(value);
}

void apply_override(json& config, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UserError(fmt::format("override '{}' is not of the form key=value (e.g. model.attn.gate=gla)", assignment));
  std::string key = assignment.substr(0, eq);
  if (!find_key(key)) throw ConfigError(key, unknown_name_message("config key", key, all_paths()));
  json value;
  try {
    value = yaml_to_json(YAML::Load(assignment.substr(eq + 1)));
  } catch (const YAML::Exception& e) {
    throw UserError(fmt::format("override '{}': cannot parse the value: {}", assignment, e.what()));
  }
  set(config, key, value);
}

json from_yaml_text(const std::string& yaml_text) { return yaml_to_json(YAML::Load(yaml_text)); }

namespace {
// The byte offset of the first byte that does not belong to a well-formed UTF-8 sequence, or npos.
size_t first_invalid_utf8(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const size_t length = byte < 0x80           ? 1
                          : (byte >> 5) == 0x6  ? 2
                          : (byte >> 4) == 0xE  ? 3
                          : (byte >> 3) == 0x1E ? 4
                                                : 0;
    if (length == 0 || i + length > text.size()) return i;
    for (size_t k = 1; k < length; ++k)
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return i;
    i += length;
  }
  return std::string::npos;
}
}  // namespace

std::string read_text_file(const std::string& path, const std::string& what) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    throw UserError(fmt::format("{} '{}' is a directory; give a file", what, path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(fmt::format("cannot read {} '{}'", what, path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const size_t bad = first_invalid_utf8(text);
  if (bad != std::string::npos) {
    const size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
    const size_t line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
    const size_t column = line_start == std::string::npos || bad == 0 ? bad + 1 : bad - line_start;
    throw UserError(fmt::format("{}:{}:{}: {} is not valid UTF-8 (byte 0x{:02x})", path, line, column, what,
                                static_cast<unsigned char>(text[bad])));
  }
  return text;
}

json load_file(const std::string& path) {
  const std::string text = read_text_file(path, "config file");
  json config;
  try {
    if (path.size() >= 5 && path.substr(path.size() - 5) == ".json") config = json::parse(text);
    else config = from_yaml_text(text);
  } catch (const std::exception& e) {
    throw UserError(fmt::format("cannot parse config file '{}': {}", path, e.what()));
  }
  if (!config.is_object() && !config.is_null())
    throw UserError(fmt::format("config file '{}' must hold a mapping of config keys (key: value), not a {}", path,
                                config.type_name()));
  return config.is_null() ? json::object() : config;
}

std::string schema_markdown() {
  std::string out =
      "| key | type | default | choices | meaning | part of the run's identity when |\n|---|---|---|---|---|---|\n";
  for (const auto& k : schema()) {
    std::string choices;
    if (k.choices) {
      auto names = k.choices();
      for (size_t i = 0; i < names.size(); ++i) choices += (i ? ", " : "") + names[i];
    } else if (k.type == KeyType::Int || k.type == KeyType::Float) {
      choices = fmt::format("[{}, {}]", k.min, k.max);
    }
    out += fmt::format("| `{}` | {} | `{}` | {} | {} | {} |\n", k.path, type_name(k.type), k.default_value.dump(),
                       choices, k.doc, k.scope.when.empty() ? "always" : k.scope.when);
  }
  return out;
}

}  // namespace gatelab::config
