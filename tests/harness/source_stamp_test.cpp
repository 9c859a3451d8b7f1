// scripts/source_stamp.sh: a tree copied beside an older .git (how the device tool copies the working tree onto the
// GPU machine) is named by the checkout's commit only when its content is the stamped tree; an uncommitted change
// is labelled -dirty; a copy that differs from the stamp gets no label. Without it, runs on the GPU machine recorded
// the session's base commit.
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/support/test_support.h"

using namespace gatelab::test;

namespace {

// A repository at `repo` holding the script, with commits "first" and "second" of a.txt; returns the shell prefix
// that runs git there with an identity.
std::string make_repo(const std::string& repo) {
  std::filesystem::create_directories(repo + "/scripts");
  std::filesystem::copy_file(source_dir() + "/scripts/source_stamp.sh", repo + "/scripts/source_stamp.sh");
  write_file(repo + "/.gitignore", "/.source-stamp\n");
  const std::string git = "git -C '" + repo + "' -c user.name=t -c user.email=t@example.org ";
  REQUIRE(run_shell(git + "init -q").exit_code == 0);
  for (const std::string text : {"first", "second"}) {
    write_file(repo + "/a.txt", text + "\n");
    REQUIRE(run_shell(git + "add -A && " + git + "commit -q -m " + text).exit_code == 0);
  }
  return git;
}

std::string shell_out(const std::string& command) {
  auto result = run_shell("{ " + command + " 2>/dev/null; }");  // stdout only (run_shell adds 2>&1)
  REQUIRE(result.exit_code == 0);
  while (!result.output.empty() && result.output.back() == '\n') result.output.pop_back();
  return result.output;
}

}  // namespace

TEST_CASE("a copied tree carries the checkout's commit only when its content is the stamped tree", "[harness]") {
  TempDir dir("stamp");
  const std::string src = dir.file("src"), copy = dir.file("copy");
  const std::string git = make_repo(src);
  const std::string head = shell_out(git + "rev-parse --short=12 HEAD");
  REQUIRE(run_shell("bash '" + src + "/scripts/source_stamp.sh' write").exit_code == 0);
  CHECK_THAT(read_file(src + "/.source-stamp"), Catch::Matchers::StartsWith(head + " "));

  // The copy: a .git at the first commit, the working files (and the stamp) of the checkout at the second.
  REQUIRE(run_shell("git clone -q '" + src + "' '" + copy + "' && git -C '" + copy + "' reset -q --hard HEAD~1 && " +
                    "cp '" + src + "/a.txt' '" + src + "/.source-stamp' '" + copy + "/'")
              .exit_code == 0);
  CHECK(shell_out("git -C '" + copy + "' rev-parse --short=12 HEAD") != head);
  CHECK(shell_out("bash '" + copy + "/scripts/source_stamp.sh' check") == head);

  write_file(copy + "/a.txt", "changed on the copy\n");
  CHECK(shell_out("bash '" + copy + "/scripts/source_stamp.sh' check").empty());
  const auto refused = run_shell("bash '" + copy + "/scripts/source_stamp.sh' check");
  CHECK_THAT(refused.output, Catch::Matchers::Contains("is not the stamped one"));
}

TEST_CASE("a stamp of a checkout with uncommitted changes is labelled dirty", "[harness]") {
  TempDir dir("stamp");
  const std::string src = dir.file("src");
  const std::string git = make_repo(src);
  const std::string head = shell_out(git + "rev-parse --short=12 HEAD");
  write_file(src + "/b.txt", "untracked, not ignored: it travels\n");
  REQUIRE(run_shell("bash '" + src + "/scripts/source_stamp.sh' write").exit_code == 0);
  CHECK_THAT(read_file(src + "/.source-stamp"), Catch::Matchers::StartsWith(head + "-dirty "));
  CHECK(shell_out("bash '" + src + "/scripts/source_stamp.sh' check") == head + "-dirty");
}
