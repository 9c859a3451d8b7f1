#include "sweeps/backends/progress_display.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "harness/util/build_info.h"
#include "harness/util/text_width.h"

namespace gatelab::sweeps {

namespace {

std::string clock_time() {
  std::string t = utc_now();  // 2026-11-23T23:11:44Z
  return t.size() >= 19 ? t.substr(11, 8) : t;
}

}  // namespace

ProgressDisplay::ProgressDisplay(bool live, const std::string& sweep_log_path)
    : live_(live), log_(sweep_log_path, std::ios::app) {}

void ProgressDisplay::event(const std::string& text) {
  const std::string line = fmt::format("[{}] {}", clock_time(), text);
  log_ << line << std::endl;
  clear();
  std::cout << line << std::endl;
}

void ProgressDisplay::show(const std::vector<std::string>& lines) {
  std::string block;
  for (const auto& line : fit_block(lines, terminal_columns())) block += line + "\n";
  clear();
  std::cout << block << std::flush;
  live_lines_ = static_cast<int>(lines.size());
}

void ProgressDisplay::clear() {
  // Up to the block's first line, then erase to the end of the screen.
  if (live_lines_ > 0) std::cout << fmt::format("\x1b[{}F\x1b[J", live_lines_) << std::flush;
  live_lines_ = 0;
}

std::string duration_text(double seconds) {
  if (!(seconds >= 0) || seconds > 1e8) return "--";
  int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

std::string running_row(const std::string& name, const std::string& slot_label, int64_t steps_done, int64_t total_steps,
                        std::optional<double> train_loss, std::optional<double> tokens_per_s,
                        const std::string& valid_metric) {
  return fmt::format("  {:<44} {:<8} step {:>7}/{:<7} loss {:>8} {:>10} tok/s  {}", fit_width(name, 44), slot_label,
                     steps_done, total_steps, train_loss ? fmt::format("{:.4f}", *train_loss) : "-",
                     tokens_per_s ? fmt::format("{:.0f}", *tokens_per_s) : "-", valid_metric);
}

std::string valid_metric_text(const std::string& key, std::optional<double> value) {
  if (key.empty()) return "";
  return fmt::format("valid {} {}", key, value ? fmt::format("{:.4f}", *value) : "nan");
}

std::vector<std::string> fit_block(const std::vector<std::string>& lines, size_t columns) {
  // One column short of the width: a line that fills the last column leaves some terminals in a pending wrap.
  std::vector<std::string> out;
  for (const auto& line : lines) out.push_back(fit_width(line, columns > 1 ? columns - 1 : 1));
  return out;
}

size_t terminal_columns() {
  winsize window{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &window) == 0 && window.ws_col > 0) return window.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    const long n = std::strtol(columns, nullptr, 10);
    if (n > 0) return static_cast<size_t>(n);
  }
  return 80;
}

}  // namespace gatelab::sweeps
