// Starting and stopping a private CUDA MPS control daemon (see cuda_mps.h for why).
//
// The daemon is started with the scheduler's environment minus CUDA_VISIBLE_DEVICES, so it serves every GPU of the
// machine and a child's CUDA_VISIBLE_DEVICES (an absolute index or UUID, as the local backend sets it) still picks
// its GPU. Its pipe folder is /tmp/gatelab-mps-<pid>/pipe: the path must be short (a Unix socket path holds at
// most 107 bytes) and private to this sweep; its log stays in the sweep's folder.
#include "sweeps/backends/cuda_mps.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "harness/util/errors.h"

extern char** environ;

namespace gatelab::sweeps {

namespace {

namespace fs = std::filesystem;

std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return "";
  std::string all = path;
  size_t start = 0;
  while (start <= all.size()) {
    const size_t end = std::min(all.find(':', start), all.size());
    const fs::path candidate = fs::path(all.substr(start, end - start)) / program;
    if (end > start && access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return "";
}

// Runs `control` with `args`, the given environment, and `input` on stdin; returns its exit status (-1: no start).
int run_control(const std::string& control, const std::vector<std::string>& args, const std::vector<std::string>& env,
                const std::string& input) {
  int in_pipe[2];
  if (pipe(in_pipe) != 0) return -1;
  std::vector<char*> argv{const_cast<char*>(control.c_str())}, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    return -1;
  }
  if (pid == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    close(in_pipe[0]);
    close(in_pipe[1]);
    // The daemon's own chatter goes to its log folder; keep the sweep's output clean.
    const int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd >= 0) {
      dup2(null_fd, STDOUT_FILENO);
      dup2(null_fd, STDERR_FILENO);
    }
    execve(control.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(in_pipe[0]);
  if (!input.empty() && write(in_pipe[1], input.data(), input.size()) < 0) { /* the status says what happened */
  }
  close(in_pipe[1]);
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// This process's environment without the variables that start with any of `dropped`, then `added`.
std::vector<std::string> environment_without(std::initializer_list<const char*> dropped,
                                             const std::vector<std::string>& added) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (std::none_of(dropped.begin(), dropped.end(),
                     [&](const char* prefix) { return std::strncmp(*e, prefix, std::strlen(prefix)) == 0; }))
      env.emplace_back(*e);
  env.insert(env.end(), added.begin(), added.end());
  return env;
}

}  // namespace

void check_mps_mode(const std::string& mode) {
  if (mode != "auto" && mode != "on" && mode != "off")
    throw UserError(unknown_name_message("--mps mode", mode, mps_modes()));
}

MpsDaemon::MpsDaemon(const std::string& mode, bool packed_gpus, const std::string& log_dir) {
  check_mps_mode(mode);
  if (mode == "off" || !packed_gpus) return;
  auto give_up = [&](const std::string& why) {
    if (mode == "on") throw UserError("--mps on: " + why);
    status_ = "MPS not used (" + why + "); packed runs share the GPU by time-slicing";
  };
  if (std::getenv("CUDA_MPS_PIPE_DIRECTORY")) {
    status_ =
        fmt::format("MPS: using the daemon at CUDA_MPS_PIPE_DIRECTORY={}", std::getenv("CUDA_MPS_PIPE_DIRECTORY"));
    return;
  }
  control_ = find_on_path("nvidia-cuda-mps-control");
  if (control_.empty()) {
    give_up("nvidia-cuda-mps-control is not on PATH");
    return;
  }
  root_ = fmt::format("/tmp/gatelab-mps-{}", getpid());
  pipe_dir_ = root_ + "/pipe";
  log_dir_ = log_dir;
  std::error_code ec;
  fs::create_directories(pipe_dir_, ec);
  fs::create_directories(log_dir_, ec);
  if (ec) {
    give_up(fmt::format("cannot create {}: {}", root_, ec.message()));
    return;
  }
  child_env_ = {"CUDA_MPS_PIPE_DIRECTORY=" + pipe_dir_, "CUDA_MPS_LOG_DIRECTORY=" + log_dir_};
  const int code =
      run_control(control_, {"-d"}, environment_without({"CUDA_VISIBLE_DEVICES=", "CUDA_MPS_"}, child_env_), "");
  if (code != 0) {
    child_env_.clear();
    fs::remove_all(root_, ec);
    give_up(fmt::format("'{} -d' exited with {}", control_, code));
    return;
  }
  started_ = true;
  status_ = fmt::format("MPS: started a control daemon for this sweep (pipe {}, log {})", pipe_dir_, log_dir_);
}

MpsDaemon::~MpsDaemon() { stop(); }

void MpsDaemon::stop() {
  if (!started_) return;
  started_ = false;
  // "quit" stops the servers and the daemon once the last client has gone; the children have exited by now.
  run_control(control_, {}, environment_without({"CUDA_MPS_"}, child_env_), "quit\n");
  std::error_code ec;
  fs::remove_all(root_, ec);  // the pipe folder; best effort: a leftover /tmp folder is harmless
}

}  // namespace gatelab::sweeps
