// Helpers shared by tests: temporary folders, running the gatelab binary, reading files.
#pragma once

#include <string>
#include <vector>

namespace gatelab::test {

// A fresh folder under /tmp, removed when the object dies (unless GATELAB_KEEP_TEST_DIRS is set).
class TempDir {
 public:
  explicit TempDir(const std::string& label = "test");
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// The gatelab binary built alongside the tests (GATELAB_BIN in the environment overrides it).
std::string gatelab_binary();

// Runs `gatelab <args>` (gatelab_binary()) through /bin/sh; args are passed as written.
CommandResult run_gatelab(const std::string& args);

// Runs a shell command, capturing stdout and stderr.
CommandResult run_shell(const std::string& command);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);

// The source tree (for shipped sweeps and fixtures).
std::string source_dir();

// A tiny KJV corpus in `dir`, in the layout scripts/build_corpus.sh writes (so text tasks need no Debian package);
// returns the data dir to pass as --data-dir.
std::string tiny_corpus_dir(const TempDir& dir);

}  // namespace gatelab::test
