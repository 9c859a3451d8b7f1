// The registered decay gates: the one place a gate is named. One line per gate: COMPONENT(factory, name, summary),
// the factory defined in the gate's own file (harness/util/registry.h explains the list).
#include "variants/catalog.h"
#include "variants/gates/gate.h"

#define GATELAB_GATES(COMPONENT) \
  COMPONENT(make_no_gate, "none", "G_t = 1 (plain linear attention)") \
  COMPONENT(make_fixed_decay_gate, "fixed", "RetNet-like fixed decay gamma_h = 1 - 2^(-5-h)") \
  COMPONENT(make_scalar_gate, "scalar", "gated RFA: S = g S + (1 - g) k^T v, g = sigmoid(w.x + b) per head") \
  COMPONENT(make_scalar_decay_gate, "scalar_decay", "per-head data-dependent decay g without the (1 - g) write") \
  COMPONENT(make_gla_gate, "gla", "GLA low-rank per-channel gate sigmoid(x W1 W2 + b)^(1/16)") \
  COMPONENT(make_fast_decay_gate, "fast_decay", "outer product of key- and value-side sigmoid gates (Mao 2022)") \
  COMPONENT(make_refining_gate, "refining", "ReGLA refining gate (1-r) g^2 + r (1 - (1-g)^2)") \
  /* one COMPONENT line per component above this line */

namespace gatelab::variants {

using ComponentType = std::remove_pointer_t<GateFactory>;
GATELAB_GATES(GATELAB_DECLARE_COMPONENT)

const Registry<GateFactory>& gates() {
  static const Registry<GateFactory> registry("gate", {GATELAB_GATES(GATELAB_REGISTRY_ENTRY)});
  return registry;
}

std::vector<NameAndSummary> gate_catalog() { return gates().summaries(); }

}  // namespace gatelab::variants
