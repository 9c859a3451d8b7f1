// The local backend's policy for a child that exited: done, stopped, resumed, retried, failed, or (out of memory)
// split into more micro-batches until a slice is one example.
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "harness/util/exit_codes.h"
#include "sweeps/backends/scheduling.h"

using namespace gatelab;
using namespace gatelab::sweeps;

namespace {

// A wait status as waitpid reports a child that exited with `code`.
int exited_with(int code) { return (code & 0xff) << 8; }

}  // namespace

TEST_CASE("scheduling: a run out of memory is split into twice the micro-batches until one example per slice",
          "[sweeps][scheduling]") {
  JobProgress job;
  const RetryLimits split{1, /*splittable_batch=*/12};
  const ChildEnd oom{exited_with(kExitOutOfMemory), false, false};
  REQUIRE(WIFEXITED(oom.wait_status));
  REQUIRE(WEXITSTATUS(oom.wait_status) == kExitOutOfMemory);
  CHECK(next_step(oom, job, split) == NextStep::SplitBatch);
  CHECK(job.micro_batches == 2);
  CHECK(next_step(oom, job, split) == NextStep::SplitBatch);
  CHECK(job.micro_batches == 4);
  // 8 does not divide 12: nothing smaller to try.
  CHECK(next_step(oom, job, split) == NextStep::OutOfMemory);
  CHECK(job.micro_batches == 4);
  CHECK(job.retries == 0);  // splitting is not a crash retry
}

TEST_CASE("scheduling: with --on-oom fail or while stopping an out-of-memory run is final", "[sweeps][scheduling]") {
  JobProgress job;
  CHECK(next_step({exited_with(kExitOutOfMemory), false, false}, job, RetryLimits{1, 0}) == NextStep::OutOfMemory);
  CHECK(next_step({exited_with(kExitOutOfMemory), false, true}, job, RetryLimits{1, 64}) == NextStep::OutOfMemory);
  CHECK(job.micro_batches == 1);
}

TEST_CASE("scheduling: crashes are retried up to the limit and bad input never", "[sweeps][scheduling]") {
  JobProgress job;
  const RetryLimits limits{2, 64};
  CHECK(next_step({exited_with(kExitOk), true, false}, job, limits) == NextStep::Done);
  CHECK(next_step({exited_with(kExitFailure), false, false}, job, limits) == NextStep::Retry);
  CHECK(next_step({exited_with(kExitFailure), false, false}, job, limits) == NextStep::Retry);
  CHECK(next_step({exited_with(kExitFailure), false, false}, job, limits) == NextStep::Fail);
  CHECK(next_step({exited_with(kExitUserError), false, false}, job, limits) == NextStep::FailBadInput);
  CHECK(next_step({exited_with(kExitStopped), false, false}, job, limits) == NextStep::Stopped);
  CHECK(next_step({exited_with(kExitInterrupted), false, false}, job, limits) == NextStep::Resume);
  CHECK(next_step({exited_with(kExitInterrupted), false, true}, job, limits) == NextStep::Stopped);
}
