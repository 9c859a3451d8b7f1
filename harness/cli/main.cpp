// gatelab's entry point: dispatches to a subcommand, and is the only place that catches errors.
#include <fmt/format.h>

#include <csignal>
#include <exception>
#include <iostream>

#include "harness/util/errors.h"
#include "harness/util/exit_codes.h"
#include "harness/util/subcommand.h"

namespace {

void print_usage() {
  std::cout
      << "gatelab: ablate the parts of attention in small language models\n\nusage: gatelab <command> [options]\n\n";
  for (const auto& e : gatelab::cli::subcommands().entries())
    std::cout << fmt::format("  {:<10} {}\n", e.name, e.summary);
  std::cout << "\n'gatelab <command> --help' describes a command's options; 'gatelab --version' the build.\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" || std::string(argv[1]) == "help") {
    print_usage();
    return argc < 2 ? gatelab::kExitUserError : gatelab::kExitOk;
  }
  // A file size limit (RLIMIT_FSIZE) then makes write() fail with EFBIG, which every writer reports as an error
  // naming its file, instead of killing the process with SIGXFSZ halfway through a checkpoint or DB page.
  // Children (a sweep's runs) inherit the setting.
  std::signal(SIGXFSZ, SIG_IGN);
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    const std::string name = std::string(argv[1]) == "--version" ? "version" : argv[1];
    const auto& command = gatelab::cli::subcommands().get(name);
    return command.make(args);
  } catch (const gatelab::UserError& e) {
    std::cerr << "gatelab: error: " << e.what() << "\n";
    return gatelab::kExitUserError;
  } catch (const std::exception& e) {
    std::cerr << "gatelab: failed: " << e.what() << "\n";
    return gatelab::kExitFailure;
  }
}
