// The registered decay gates: the one place a gate is named.
#include "variants/catalog.h"
#include "variants/gates/gate.h"

namespace gatelab::variants {

std::shared_ptr<Gate> make_no_gate(const GateSpec&);           // none.cpp
std::shared_ptr<Gate> make_fixed_decay_gate(const GateSpec&);  // fixed_decay.cpp
std::shared_ptr<Gate> make_scalar_gate(const GateSpec&);       // scalar.cpp
std::shared_ptr<Gate> make_gla_gate(const GateSpec&);          // gla.cpp
std::shared_ptr<Gate> make_fast_decay_gate(const GateSpec&);   // fast_decay.cpp
std::shared_ptr<Gate> make_refining_gate(const GateSpec&);     // refining.cpp

const Registry<GateFactory>& gates() {
  static const Registry<GateFactory> registry(
      "gate", {
                  {"none", "G_t = 1 (plain linear attention)", make_no_gate},
                  {"fixed", "RetNet-like fixed decay gamma_h = 1 - 2^(-5-h)", make_fixed_decay_gate},
                  {"scalar", "one data-dependent decay per head, sigmoid(w.x + b) (gated RFA)", make_scalar_gate},
                  {"gla", "GLA low-rank per-channel gate sigmoid(x W1 W2 + b)^(1/16)", make_gla_gate},
                  {"fast_decay", "outer product of key- and value-side sigmoid gates (Mao 2022)", make_fast_decay_gate},
                  {"refining", "ReGLA refining gate (1-r) g^2 + r (1 - (1-g)^2)", make_refining_gate},
              });
  return registry;
}

std::vector<NameAndSummary> gate_catalog() { return gates().summaries(); }

}  // namespace gatelab::variants
