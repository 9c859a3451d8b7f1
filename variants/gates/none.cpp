// G_t = 1: plain (ungated) linear attention.
#include "variants/gates/gate.h"

namespace gatelab::variants {

namespace {
class NoGate : public Gate {
 public:
  Decay forward(const torch::Tensor&, bool) override { return {}; }
};
}  // namespace

std::shared_ptr<Gate> make_no_gate(const GateSpec&) { return std::make_shared<NoGate>(); }

}  // namespace gatelab::variants
