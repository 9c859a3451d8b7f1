// The local backend's scheduling policy, apart from processes and printing: the states a job goes through, the
// order jobs start in, and what happens to a run whose child exited (done, stopped, resumed, retried, failed).
// Torch-free.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>

namespace gatelab::sweeps {

using SchedulerClock = std::chrono::steady_clock;

enum class JobState {
  Queued,          // waiting for a free slot: new, resumed or retried
  WaitingForLock,  // another process holds its run lock (an overlapping sweep is training it)
  Running,         // its child runs on a slot
  Done,            // finished or diverged, here or by another process
  Interrupted,     // stopped by this sweep's stop request, checkpointed (resumes on relaunch)
  Failed,          // failed with no retries left, or on bad input
};

// A job as the scheduler tracks it over this launch.
struct JobProgress {
  JobState state = JobState::Queued;
  int retries = 0;            // retries after failures so far
  int unasked_resumes = 0;    // resumes after interruptions from outside the sweep (preemption)
  int64_t initial_steps = 0;  // steps done before this launch: ETA counts only progress made here
  int micro_batches = 1;      // gradient accumulation of its next start (doubled after each out-of-memory end)
};

// Jobs waiting to start, first in first out; a retried or resumed job goes to the front.
class JobQueue {
 public:
  enum class Offer {
    Started,   // the job runs now
    Deferred,  // cannot start yet (its lock is held): back of the queue, offered again in a second
    Dropped,   // nothing left to do (another process finished it)
  };
  void push_back(size_t job, SchedulerClock::time_point not_before = SchedulerClock::now());
  void push_front(size_t job, SchedulerClock::time_point not_before = SchedulerClock::now());
  // Offers every queued job that is due at `now` to `try_start`, once each and in order, until one starts;
  // jobs not yet due go to the back. Returns whether one started.
  bool start_next(SchedulerClock::time_point now, const std::function<Offer(size_t job)>& try_start);
  bool empty() const { return queue_.empty(); }
  size_t size() const { return queue_.size(); }

 private:
  struct Entry {
    size_t job;
    SchedulerClock::time_point not_before;
  };
  std::deque<Entry> queue_;
};

// What the scheduler does with a run whose child exited.
enum class NextStep {
  Done,          // finished or diverged, recorded by the child
  Stopped,       // the sweep is stopping, or the run reached --max-minutes: checkpointed, left for the next launch
  Resume,        // interrupted from outside the sweep (preemption): start it again at once
  Retry,         // failed (crash, CUDA fault, OOM kill): mark it failed and start it again
  Fail,          // failed with no retries left (or while stopping)
  FailBadInput,  // exited with the bad-input code: retrying cannot help
  SplitBatch,    // out of memory: start it again with twice the micro-batches (same effective batch)
  OutOfMemory,   // out of memory, recorded 'oom' by the child, and its batch cannot (or may not) be split further
};

// How a child ended, as the scheduler sees it afterwards.
struct ChildEnd {
  int wait_status = 0;
  bool run_done = false;  // the run's DB status is finished or diverged
  bool stopping = false;  // the user asked the sweep to stop
};

constexpr int kMaxUnaskedResumes = 10;  // a child interrupted by someone else (preemption) is resumed this often

// What the policy may do beyond resuming.
struct RetryLimits {
  int max_retries = 1;         // retries after crashes
  int64_t splittable_batch = 0;  // the run's batch size when an out-of-memory run may be split (--on-oom
                                 // split-batch), 0 when not
};

// The policy. Counts the resume, retry or split it decides on in `job` (its state is the caller's to set).
NextStep next_step(const ChildEnd& end, JobProgress& job, const RetryLimits& limits);

}  // namespace gatelab::sweeps
