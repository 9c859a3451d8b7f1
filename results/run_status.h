// The status of a run, as stored in runs.status: the one place the names and the "done" set live.
#pragma once

#include <string>
#include <vector>

#include "harness/util/errors.h"

namespace gatelab::results {

enum class RunStatus {
  Queued,       // planned by a sweep, not started
  Running,      // a process is training it (or died without saying so: a sweep resumes it)
  Finished,     // trained to the end (or stopped early by design)
  Diverged,     // loss became NaN/Inf: a result, recorded with its reason
  Failed,       // an error the run could not recover from (status_reason says which)
  Interrupted,  // stopped by a signal after its checkpoint: resumable
  Stopped,      // stopped at its time limit (--max-minutes) after its checkpoint: resumable
  OutOfMemory,  // an allocation failed (CPU or GPU): resumable from its last checkpoint, with more micro-batches
  Cancelled,    // cancelled by `gatelab sweep cancel`: not trained further by that launch; a new launch resumes it
};

struct RunStatusName {
  RunStatus status;
  std::string name;
};

inline const std::vector<RunStatusName>& run_status_names() {
  static const std::vector<RunStatusName> names = {
      {RunStatus::Queued, "queued"},     {RunStatus::Running, "running"}, {RunStatus::Finished, "finished"},
      {RunStatus::Diverged, "diverged"}, {RunStatus::Failed, "failed"},   {RunStatus::Interrupted, "interrupted"},
      {RunStatus::Stopped, "stopped"},   {RunStatus::OutOfMemory, "oom"},
      {RunStatus::Queued, "queued"},     {RunStatus::Running, "running"},     {RunStatus::Finished, "finished"},
      {RunStatus::Diverged, "diverged"}, {RunStatus::Failed, "failed"},       {RunStatus::Interrupted, "interrupted"},
      {RunStatus::Stopped, "stopped"},   {RunStatus::Cancelled, "cancelled"},
  };
  return names;
}

inline const std::string& to_string(RunStatus status) {
  for (const auto& n : run_status_names())
    if (n.status == status) return n.name;
  throw Error("a run status without a name");
}

inline RunStatus parse_run_status(const std::string& name) {
  std::vector<std::string> valid;
  for (const auto& n : run_status_names()) {
    if (n.name == name) return n.status;
    valid.push_back(n.name);
  }
  throw Error(unknown_name_message("run status in the results DB", name, valid));
}

// A done run is not trained again by a sweep or a repeated `gatelab run`: finished and diverged are results.
inline bool is_done(RunStatus status) { return status == RunStatus::Finished || status == RunStatus::Diverged; }

}  // namespace gatelab::results
