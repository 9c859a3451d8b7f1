#include "tests/support/test_support.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gatelab::test {

TempDir::TempDir(const std::string& label) {
  std::string pattern = (std::filesystem::temp_directory_path() / ("gatelab-" + label + "-XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!mkdtemp(buffer.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = buffer.data();
}

TempDir::~TempDir() {
  if (std::getenv("GATELAB_KEEP_TEST_DIRS")) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CommandResult run_shell(const std::string& command) {
  std::string full = command + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  std::array<char, 4096> buffer{};
  std::string out;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  int status = pclose(pipe);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return {code, out};
}

std::string gatelab_binary() {
  const char* bin = std::getenv("GATELAB_BIN");
  return bin ? bin : GATELAB_BIN;
}

CommandResult run_gatelab(const std::string& args) { return run_shell("'" + gatelab_binary() + "' " + args); }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string tiny_corpus_dir(const TempDir& dir) {
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += "In the beginning God created the heaven and the earth. " + std::to_string(i) + "\n";
  write_file(dir.file("kjv/train.txt"), text);
  write_file(dir.file("kjv/valid.txt"), text.substr(0, 3000));
  write_file(dir.file("kjv/manifest.json"), R"({"corpus": "kjv", "note": "test fixture"})");
  return dir.path();
}

std::string source_dir() {
  const char* dir = std::getenv("GATELAB_SOURCE_DIR");
  return dir ? dir : GATELAB_SOURCE_DIR;
}

}  // namespace gatelab::test
