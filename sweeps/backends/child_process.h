// The local backend's child processes: the per-run lock, starting one `gatelab run` with its log, and reaping
// exited children. POSIX; torch-free.
//
// Why each piece:
// - A lock file per run (<run_dir>/lock, flock) held by the child: two sweeps sharing a run never train it twice;
//   the second waits and then finds it finished. The lock outlives a killed scheduler because the child holds it.
// - Children get SIGTERM when the scheduler dies (PR_SET_PDEATHSIG): a SIGKILLed scheduler leaves checkpointed,
//   'interrupted' runs behind, not orphans training unobserved.
// - Children run in their own process group: Ctrl-C reaches only the scheduler, which forwards SIGTERM so each
//   child checkpoints once; a second Ctrl-C kills them (they resume from their last checkpoint).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "harness/util/exit_codes.h"

namespace gatelab::sweeps {

std::string run_lock_path(const std::string& run_dir);  // <run_dir>/lock

// Creates run_dir and takes its lock without waiting. Returns the open descriptor (close it to release the lock),
// or -1 when another process holds it. Throws Error when the lock file cannot be opened.
int try_lock_run(const std::string& run_dir);

// The pid of the process holding run_dir's lock (a child training the run), or nullopt when none holds it.
std::optional<pid_t> run_lock_holder(const std::string& run_dir);

// One `gatelab run` child.
struct ChildCommand {
  std::string exe;                // argv[0] (the image is always /proc/self/exe: see spawn_child)
  std::vector<std::string> args;  // after argv[0]
  std::vector<std::string> env;   // the child's whole environment, KEY=VALUE
  std::string log_path;           // stdout and stderr, appended
  std::string log_header;         // written to the log before the child starts
};

// The scheduler's environment with CUDA_VISIBLE_DEVICES set to `cuda_visible` ("" hides every GPU), plus `extra`.
std::vector<std::string> child_environment(const std::string& cuda_visible, const std::vector<std::string>& extra);

// The command as one line for logs: exe 'arg' 'arg' ...
std::string command_line(const std::string& exe, const std::vector<std::string>& args);

// Starts the child in its own process group with stdin from /dev/null. It inherits `lock_fd` and holds the lock
// until it exits; the lock file then holds the child's pid (for people and tests). Throws Error when the log
// cannot be opened or fork fails.
pid_t spawn_child(const ChildCommand& command, int lock_fd);

struct ExitedChild {
  pid_t pid;
  int wait_status;
};

// A child that has exited, without waiting; nullopt when none has.
std::optional<ExitedChild> reap_exited_child();

// "exit code 1", "killed by signal 9 (Killed); out of memory or killed by hand", ...
std::string describe_exit(int wait_status);

// The last line of a child's log that explains a failure ("gatelab: error: ..." / "gatelab: failed: ..."), else
// its last non-empty line.
std::string failure_line(const std::string& log_path);

}  // namespace gatelab::sweeps
