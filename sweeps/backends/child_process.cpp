#include "sweeps/backends/child_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "harness/util/errors.h"

extern char** environ;

namespace gatelab::sweeps {

namespace fs = std::filesystem;

std::string run_lock_path(const std::string& run_dir) { return (fs::path(run_dir) / "lock").string(); }

int try_lock_run(const std::string& run_dir) {
  fs::create_directories(run_dir);
  const std::string lock_path = run_lock_path(run_dir);
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(fmt::format("cannot open lock file '{}': {}", lock_path, strerror(errno)));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::optional<pid_t> run_lock_holder(const std::string& run_dir) {
  const std::string lock_path = run_lock_path(run_dir);
  int fd = open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;  // never locked: no run here yet
  const bool free = flock(fd, LOCK_SH | LOCK_NB) == 0;
  close(fd);  // also drops the shared lock just taken
  if (free) return std::nullopt;
  std::ifstream in(lock_path);
  pid_t pid = 0;
  if (in >> pid && pid > 0) return pid;
  return std::nullopt;
}

std::vector<std::string> child_environment(const std::string& cuda_visible, const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "CUDA_VISIBLE_DEVICES=", 21) != 0) env.emplace_back(*e);
  env.push_back("CUDA_VISIBLE_DEVICES=" + cuda_visible);
  for (const auto& e : extra) env.push_back(e);
  return env;
}

std::string command_line(const std::string& exe, const std::vector<std::string>& args) {
  std::string command = exe;
  for (const auto& a : args) command += " '" + a + "'";
  return command;
}

pid_t spawn_child(const ChildCommand& command, int lock_fd) {
  std::vector<char*> argv{const_cast<char*>(command.exe.c_str())}, envp;
  for (auto& a : command.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : command.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  int log_fd = open(command.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw Error(fmt::format("cannot open run log '{}': {}", command.log_path, strerror(errno)));
  if (write(log_fd, command.log_header.data(), command.log_header.size()) < 0) { /* the log is best effort */
  }
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) throw Error(fmt::format("fork failed: {}", strerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(kExitInterrupted);  // the scheduler died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    fcntl(lock_fd, F_SETFD, 0);  // the child inherits its run's lock and holds it until it exits
    // /proc/self/exe is this very binary even if the file was rebuilt or deleted since the sweep started, so
    // every run of a sweep uses the same code.
    execve("/proc/self/exe", argv.data(), envp.data());
    const char message[] = "gatelab: failed: cannot exec the gatelab binary\n";
    if (write(STDERR_FILENO, message, sizeof(message) - 1) < 0) _exit(127);
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  std::string holder = fmt::format("{}\n", pid);
  if (ftruncate(lock_fd, 0) == 0 && pwrite(lock_fd, holder.data(), holder.size(), 0) < 0) { /* informational */
  }
  return pid;
}

std::optional<ExitedChild> reap_exited_child() {
  int status = 0;
  const pid_t pid = waitpid(-1, &status, WNOHANG);
  if (pid <= 0) return std::nullopt;
  return ExitedChild{pid, status};
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return fmt::format("exit code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return fmt::format("killed by signal {} ({}){}", sig, strsignal(sig),
                       sig == SIGKILL ? "; out of memory or killed by hand" : "");
  }
  return fmt::format("wait status {}", status);
}

std::string failure_line(const std::string& log_path) {
  std::ifstream in(log_path);
  std::string line, last, explained;
  while (std::getline(in, line)) {
    if (line.rfind("gatelab: ", 0) == 0 || line.find("what():") != std::string::npos) explained = line;
    if (!line.empty()) last = line;
  }
  return explained.empty() ? last : explained;
}

}  // namespace gatelab::sweeps
