#include "analysis/plots/render.h"

#include <fmt/format.h>

#include <boost/process.hpp>
#include <filesystem>
#include <fstream>
#include <memory>

#include "analysis/formats/output_format.h"
#include "analysis/plots/gnuplot.h"
#include "harness/util/errors.h"

namespace gatelab::analysis {

namespace {

std::string terminal(const Figure& figure, const std::string& format) {
  if (format == "png")
    return fmt::format("set terminal pngcairo size {},{} font 'sans,10' background rgb 'white'", figure.width,
                       figure.height);
  if (format == "svg")
    return fmt::format("set terminal svg size {},{} font 'sans,11' background rgb 'white'", figure.width,
                       figure.height);
  if (format == "pdf")  // cairo's PDF (gnuplot-nox has it): vector, for papers; 100 pixels to the inch
    return fmt::format("set terminal pdfcairo size {:.2f}in,{:.2f}in font 'sans,9'", figure.width / 100.0,
                       figure.height / 100.0);
  throw UserError(unknown_name_message("picture format", format, picture_formats()));
}

boost::filesystem::path gnuplot_path() {
  static const boost::filesystem::path path = boost::process::search_path("gnuplot");
  if (path.empty())
    throw Error(
        "gnuplot is not installed: gatelab plot and report render through it (Debian: apt-get install "
        "gnuplot-nox)");
  return path;
}

struct Captured {
  int exit_code;
  std::string output;
};

// Runs gnuplot in `dir` with `args` (no shell: the arguments go to it as they are), stdout and stderr captured.
Captured run_gnuplot(const std::string& dir, const std::vector<std::string>& args) {
  namespace bp = boost::process;
  bp::ipstream output;
  bp::child child(gnuplot_path(), bp::args(args), bp::start_dir(dir), (bp::std_out & bp::std_err) > output,
                  bp::std_in < bp::null);
  std::string text, line;
  while (std::getline(output, line)) text += line + "\n";
  child.wait();
  return {child.exit_code(), text};
}

}  // namespace

const std::vector<std::string>& picture_formats() {
  static const std::vector<std::string> formats = {"png", "svg", "pdf"};
  return formats;
}

std::string gnuplot_command(const Figure& figure, const std::string& format) {
  return fmt::format("gnuplot -e \"{}; set output '{}.{}'\" {}.gp", terminal(figure, format), figure.stem, format,
                     figure.stem);
}

std::vector<std::string> render(const Figure& figure, const std::string& dir, const std::vector<std::string>& formats) {
  namespace fs = std::filesystem;
  for (const auto& format : formats) terminal(figure, format);  // validate before writing anything
  gnuplot_path();
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
    auto result =
        run_gnuplot(dir, {"-e", terminal(figure, format) + "; set output " + gp::quote(figure.stem + "." + format),
                          figure.stem + ".gp"});
    if (result.exit_code != 0 || !fs::exists(picture) || fs::file_size(picture) == 0)
      throw Error(fmt::format("gnuplot failed on {}.gp ({}): {}", base.string(), format, result.output));
    pictures.push_back(picture);
  }
  return pictures;
}

}  // namespace gatelab::analysis
