// What a local sweep prints: event lines ("[23:11:44] start  ..."), also appended to <sweep folder>/sweep.log, and
// on a TTY a live block below them (the summary line and one row per running run) redrawn in place. Torch-free.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace gatelab::sweeps {

class ProgressDisplay {
 public:
  ProgressDisplay(bool live, const std::string& sweep_log_path);
  bool live() const { return live_; }
  // One line, time-stamped, above the live block (or as a plain log line) and into sweep.log.
  void event(const std::string& text);
  // Replaces the live block with these lines.
  void show(const std::vector<std::string>& lines);
  // Removes the live block (before the sweep's last lines, so they are not overwritten).
  void clear();

 private:
  bool live_;
  int live_lines_ = 0;  // lines of the live block on screen, erased before anything else is printed
  std::ofstream log_;
};

// A duration for people: "42s", "3m07s", "2h05m"; "--" when unknown (negative or absurd).
std::string duration_text(double seconds);

// One running run's row of the live block: step, training loss, throughput and the latest validation metric.
std::string running_row(const std::string& name, const std::string& slot_label, int64_t steps_done, int64_t total_steps,
                        std::optional<double> train_loss, std::optional<double> tokens_per_s,
                        const std::string& valid_metric);

// "valid accuracy 0.9123" (or bpb, or loss), "" before the first evaluation.
std::string valid_metric_text(const std::string& key, std::optional<double> value);

// The live block's lines cut to `columns` display columns (never wrapped: a wrapped line would leave stale rows
// behind, since the block is erased by counting lines).
std::vector<std::string> fit_block(const std::vector<std::string>& lines, size_t columns);

// The terminal's width in columns (stdout's window, else $COLUMNS, else 80).
size_t terminal_columns();

}  // namespace gatelab::sweeps
