// The exit codes of `gatelab` and of the `gatelab run` processes a sweep starts: the one place each is named.
// The scheduler decides from them whether to resume, retry or give up on a run.
#pragma once

namespace gatelab {

constexpr int kExitOk = 0;           // success; a diverged run too (a finished experiment, not a failure to retry)
constexpr int kExitFailure = 1;      // an unexpected failure (an Error): a retry may succeed
constexpr int kExitUserError = 2;    // bad input (a UserError): retrying cannot help, nothing was written
constexpr int kExitInterrupted = 3;  // stopped by a signal after its checkpoint was written: run it again to resume
constexpr int kExitStopped = 4;      // stopped at its --max-minutes limit after its checkpoint: resumable, not now
constexpr int kExitOutOfMemory = 5;  // a run could not allocate (CPU or GPU): recorded 'oom'; more micro-batches may fit
constexpr int kExitSkipped = 77;     // a test binary that cannot run here (no CUDA): ctest's SKIP_RETURN_CODE

}  // namespace gatelab
