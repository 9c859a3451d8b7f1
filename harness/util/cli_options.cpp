#include "harness/util/cli_options.h"

#include <fmt/format.h>

#include <iostream>

#include "harness/util/errors.h"

namespace gatelab::cli {

bool parse_options(const std::string& subcommand, const std::string& usage, const std::vector<std::string>& args,
                   po::options_description& options, const po::positional_options_description& positional,
                   po::variables_map& vm) {
  options.add_options()("help,h", "show this help");
  // No prefix guessing: --dev must not silently mean --device (and a flag added later must not change what an old
  // command line means); a misspelled flag gets "did you mean" instead.
  const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).style(style).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: " << usage << "\n\n" << options << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    std::vector<std::string> flags;
    for (const auto& option : options.options())
      if (!option->long_name().empty()) flags.push_back("--" + option->long_name());
    const std::string given = e.get_option_name();
    const std::string near = nearest_name(given, flags);
    throw UserError(fmt::format("gatelab {}: unknown option '{}'{} (see 'gatelab {} --help')", subcommand, given,
                                near.empty() ? "" : fmt::format("; did you mean '{}'?", near), subcommand));
  } catch (const po::error& e) {
    throw UserError(fmt::format("gatelab {}: {} (see 'gatelab {} --help')", subcommand, e.what(), subcommand));
  }
  return true;
}

}  // namespace gatelab::cli
