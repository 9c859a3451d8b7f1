// Linear warmup to the peak, then cosine decay to min_ratio * peak at the last step (docs/RESEARCH.md 1.5).
#pragma once

#include <cstdint>

namespace gatelab::train {

struct LrSchedule {
  double peak;
  double min_ratio;
  int64_t warmup_steps;
  int64_t total_steps;
  // Learning rate for optimizer step `step` (0-based): a pure function, so a resumed run needs only the step.
  double at(int64_t step) const;
};

}  // namespace gatelab::train
