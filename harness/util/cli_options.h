// Boost.ProgramOptions glue shared by subcommands: parse with clear errors (UserError) and --help text.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace gatelab::cli {

namespace po = boost::program_options;

// Parses args against `options` (plus positional ones); a parse error becomes a UserError naming the subcommand.
// Returns false when --help was asked for (the help text has been printed).
bool parse_options(const std::string& subcommand, const std::string& usage, const std::vector<std::string>& args,
                   po::options_description& options, const po::positional_options_description& positional,
                   po::variables_map& vm);

}  // namespace gatelab::cli
