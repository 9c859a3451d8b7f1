#include "harness/util/cli_options.h"

#include <fmt/format.h>

#include <iostream>

#include "harness/util/errors.h"

namespace gatelab::cli {

bool parse_options(const std::string& subcommand, const std::string& usage, const std::vector<std::string>& args,
                   po::options_description& options, const po::positional_options_description& positional,
                   po::variables_map& vm) {
  options.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: " << usage << "\n\n" << options << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UserError(fmt::format("gatelab {}: {} (see 'gatelab {} --help')", subcommand, e.what(), subcommand));
  }
  return true;
}

}  // namespace gatelab::cli
