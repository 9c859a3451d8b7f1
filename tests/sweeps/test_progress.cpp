// What a sweep prints while it runs: the live block never wraps (each line cut to the terminal's width, measured
// in display columns, wide characters included) and shows each run's latest validation metric.
#include <catch2/catch.hpp>

#include "harness/util/text_width.h"
#include "sweeps/backends/progress_display.h"

using namespace gatelab;

TEST_CASE("display width counts terminal columns: wide characters two and combining marks none", "[sweeps][progress]") {
  CHECK(display_width("gla") == 3);
  CHECK(display_width("\u65e5\u672c\u8a9e") == 6);  // three CJK ideographs
  CHECK(display_width("e\u0301") == 1);             // e + combining acute
  CHECK(display_width("\xff") == 1);                // not UTF-8: one column
  CHECK(fit_width("abcdef", 10) == "abcdef");
  CHECK(fit_width("abcdef", 4) == "abc\u2026");
  // Never cuts inside a character: a wide one that does not fit is left out whole.
  CHECK(fit_width("ab\u65e5\u672c", 4) == "ab\u2026");
  CHECK(display_width(fit_width("ab\u65e5\u672c", 4)) == 3);
}

TEST_CASE("the live block fits the terminal width and shows the latest validation metric", "[sweeps][progress]") {
  const std::string name = "task=bytes,kind=linear,feature_map=regla,norm=groupnorm,gate=refining,seed=3";
  const std::string row =
      sweeps::running_row(name, "cuda:0", 120, 1000, 2.5, 12345.0, sweeps::valid_metric_text("accuracy", 0.9));
  CHECK_THAT(row, Catch::Contains("valid accuracy 0.9000"));
  CHECK_THAT(row, Catch::Contains("step     120/1000"));
  CHECK(sweeps::valid_metric_text("", std::nullopt).empty());  // before the first evaluation
  for (size_t columns : {40, 80, 200}) {
    const auto block = sweeps::fit_block({"sweep x: 1/4 done", row, "\u6a21\u578b" + row}, columns);
    REQUIRE(block.size() == 3);
    CHECK(block[0] == "sweep x: 1/4 done");
    for (const auto& line : block) CHECK(display_width(line) <= columns - 1);
  }
  CHECK(sweeps::fit_block({row}, 200)[0] == row);  // wide enough: untouched
}
