// The one file-name sanitiser: run names, sweep names and metric keys become parts of file names (sweep logs,
// plot pictures, reports).
#pragma once

#include <string>

namespace gatelab {

// `name` with every character other than letters, digits and - _ . = , + replaced by '_' (so "task=mqar,kind=linear"
// stays readable), never empty, never hidden (no leading '.'), at most 200 bytes.
std::string safe_file_name(const std::string& name);

}  // namespace gatelab
