// Writes a Figure's CSV and gnuplot script into a folder and renders them with gnuplot (Debian: gnuplot-nox).
#pragma once

#include <string>
#include <vector>

#include "analysis/plots/plot.h"

namespace gatelab::analysis {

// Picture formats the renderer knows: png (pngcairo) and svg.
const std::vector<std::string>& picture_formats();

// Writes <dir>/<stem>.csv and <dir>/<stem>.gp, then <dir>/<stem>.<format> for each format. Returns the paths of
// the pictures. Throws Error when gnuplot is missing or fails (its message included).
std::vector<std::string> render(const Figure& figure, const std::string& dir, const std::vector<std::string>& formats);

// The exact gnuplot command line that renders `figure` in `format` from inside its folder (also written at the
// top of each .gp file, so a user can rerun it after editing).
std::string gnuplot_command(const Figure& figure, const std::string& format);

}  // namespace gatelab::analysis
