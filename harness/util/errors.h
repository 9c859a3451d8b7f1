// Errors are exceptions carrying context; only main() catches them.
// UserError means the input was wrong (bad flag, unknown name, invalid config): main exits with code 2.
// Error means something else failed (I/O, SQLite, a broken invariant): main exits with code 1.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace gatelab {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class UserError : public Error {
 public:
  using Error::Error;
};

// "unknown gate 'gl'; did you mean 'gla'? valid: none, fixed, gla, ..." — the message every registry and
// config key lookup gives for a name it does not know.
std::string unknown_name_message(const std::string& kind, const std::string& name,
                                 const std::vector<std::string>& valid);

// Levenshtein distance; used for "did you mean".
size_t edit_distance(const std::string& a, const std::string& b);

// The valid name closest to `name`, or "" when none is reasonably close.
std::string nearest_name(const std::string& name, const std::vector<std::string>& valid);

}  // namespace gatelab
