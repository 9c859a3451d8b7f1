#include "analysis/plots/render.h"

#include <fmt/format.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "analysis/formats/output_format.h"
#include "harness/util/errors.h"

namespace gatelab::analysis {

namespace {

// POSIX shell single quoting.
std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char ch : text) {
    if (ch == '\'') out += "'\\''";
    else out += ch;
  }
  return out + "'";
}

std::string terminal(const Figure& figure, const std::string& format) {
  if (format == "png")
    return fmt::format("set terminal pngcairo size {},{} font 'sans,10' background rgb 'white'", figure.width,
                       figure.height);
  if (format == "svg")
    return fmt::format("set terminal svg size {},{} font 'sans,11' background rgb 'white'", figure.width,
                       figure.height);
  throw UserError(unknown_name_message("picture format", format, picture_formats()));
}

struct Captured {
  int exit_code;
  std::string output;
};

Captured run_capturing(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>&1").c_str(), "r"), pclose);
  if (!pipe) throw Error(fmt::format("cannot start: {}", command));
  std::string output;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0) output.append(buffer.data(), n);
  int status = pclose(pipe.release());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, output};
}

void ensure_gnuplot() {
  static bool found = [] { return run_capturing("command -v gnuplot").exit_code == 0; }();
  if (!found)
    throw Error(
        "gnuplot is not installed: gatelab plot and report render through it (Debian: apt-get install "
        "gnuplot-nox)");
}

}  // namespace

const std::vector<std::string>& picture_formats() {
  static const std::vector<std::string> formats = {"png", "svg"};
  return formats;
}

std::string gnuplot_command(const Figure& figure, const std::string& format) {
  return fmt::format("gnuplot -e \"{}; set output '{}.{}'\" {}.gp", terminal(figure, format), figure.stem, format,
                     figure.stem);
}

std::vector<std::string> render(const Figure& figure, const std::string& dir, const std::vector<std::string>& formats) {
  namespace fs = std::filesystem;
  for (const auto& format : formats) terminal(figure, format);  // validate before writing anything
  ensure_gnuplot();
  fs::create_directories(dir);
  const fs::path base = fs::path(dir) / figure.stem;
  {
    std::ofstream csv(base.string() + ".csv");
    auto format = output_format_registry().get("csv").make();
    format->write(figure.data, csv);
    if (!csv) throw Error(fmt::format("cannot write {}.csv", base.string()));
  }
  {
    std::ofstream gp(base.string() + ".gp");
    gp << "# " << figure.title << "\n"
       << "# Written by gatelab plot; reads " << figure.stem << ".csv (tidy CSV, one observation per row).\n"
       << "# Restyle freely, then render from this folder with:\n";
    for (const auto& format : picture_formats()) gp << "#   " << gnuplot_command(figure, format) << "\n";
    gp << "\n" << figure.script;
    if (!gp) throw Error(fmt::format("cannot write {}.gp", base.string()));
  }
  std::vector<std::string> pictures;
  for (const auto& format : formats) {
    const std::string picture = base.string() + "." + format;
    fs::remove(picture);
    auto result = run_capturing(
        fmt::format("cd {} && gnuplot -e {} {}", shell_quote(dir),
                    shell_quote(terminal(figure, format) + "; set output '" + figure.stem + "." + format + "'"),
                    shell_quote(figure.stem + ".gp")));
    if (result.exit_code != 0 || !fs::exists(picture) || fs::file_size(picture) == 0)
      throw Error(fmt::format("gnuplot failed on {}.gp ({}): {}", base.string(), format, result.output));
    pictures.push_back(picture);
  }
  return pictures;
}

}  // namespace gatelab::analysis
