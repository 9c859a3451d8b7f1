#include "sweeps/backends/scheduling.h"

#include <sys/wait.h>

#include "sweeps/backends/child_process.h"

namespace gatelab::sweeps {

void JobQueue::push_back(size_t job, SchedulerClock::time_point not_before) { queue_.push_back({job, not_before}); }

void JobQueue::push_front(size_t job, SchedulerClock::time_point not_before) { queue_.push_front({job, not_before}); }

bool JobQueue::start_next(SchedulerClock::time_point now, const std::function<Offer(size_t job)>& try_start) {
  for (size_t tries = queue_.size(); tries > 0; --tries) {
    Entry entry = queue_.front();
    queue_.pop_front();
    if (entry.not_before > now) {
      queue_.push_back(entry);
      continue;
    }
    switch (try_start(entry.job)) {
      case Offer::Started: return true;
      case Offer::Deferred: queue_.push_back({entry.job, now + std::chrono::seconds(1)}); break;
      case Offer::Dropped: break;
    }
  }
  return false;
}

NextStep next_step(const ChildEnd& end, JobProgress& job, const RetryLimits& limits) {
  const int status = end.wait_status;
  const bool exited = WIFEXITED(status);
  const int code = exited ? WEXITSTATUS(status) : -1;
  if (exited && code == 0 && end.run_done) return NextStep::Done;
  // At its time limit a run is left for the next launch, like one this sweep stopped.
  if (exited && code == kExitStopped) return NextStep::Stopped;
  // Our own stop request ends children by signal too (a second Ctrl-C kills them).
  if ((exited && code == kExitInterrupted) || (end.stopping && WIFSIGNALED(status))) {
    if (end.stopping) return NextStep::Stopped;
    if (++job.unasked_resumes <= kMaxUnaskedResumes) return NextStep::Resume;
  }
  if (exited && code == kExitUserError) return NextStep::FailBadInput;
  if (exited && code == kExitOutOfMemory) {
    // Twice the micro-batches while they still divide the batch: each halving of the slice roughly halves the
    // activation memory; past one example per slice nothing is left to split.
    const int64_t split = 2 * static_cast<int64_t>(job.micro_batches);
    if (end.stopping || limits.splittable_batch < split || limits.splittable_batch % split != 0)
      return NextStep::OutOfMemory;
    job.micro_batches = static_cast<int>(split);
    return NextStep::SplitBatch;
  }
  if (job.retries < limits.max_retries && !end.stopping) {
    ++job.retries;
    return NextStep::Retry;
  }
  return NextStep::Fail;
}

}  // namespace gatelab::sweeps
