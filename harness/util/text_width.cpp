#include "harness/util/text_width.h"

#ifdef GATELAB_WITH_UTF8PROC
#include <utf8proc.h>
#endif

namespace gatelab {

namespace {

// The next character of `text` at `at`: its byte length and its column width.
struct Glyph {
  size_t bytes;
  size_t columns;
};

Glyph glyph_at(const std::string& text, size_t at) {
#ifndef GATELAB_WITH_UTF8PROC
  // Without utf8proc (CMakeLists.txt): one column per code point, continuation bytes taken with their lead.
  size_t n = 1;
  while (at + n < text.size() && (static_cast<unsigned char>(text[at + n]) & 0xC0) == 0x80) ++n;
  return {n, 1};
#else
  utf8proc_int32_t codepoint = 0;
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data() + at);
  const utf8proc_ssize_t n = utf8proc_iterate(bytes, static_cast<utf8proc_ssize_t>(text.size() - at), &codepoint);
  if (n <= 0) return {1, 1};  // not UTF-8: one byte, one column
  const int width = utf8proc_charwidth(codepoint);
  return {static_cast<size_t>(n), width > 0 ? static_cast<size_t>(width) : 0};
#endif
}

}  // namespace

size_t display_width(const std::string& utf8) {
  size_t columns = 0;
  for (size_t at = 0; at < utf8.size();) {
    const Glyph g = glyph_at(utf8, at);
    columns += g.columns;
    at += g.bytes;
  }
  return columns;
}

std::string fit_width(const std::string& utf8, size_t columns) {
  if (display_width(utf8) <= columns) return utf8;
  if (columns == 0) return "";
  std::string out;
  size_t used = 0;
  for (size_t at = 0; at < utf8.size();) {
    const Glyph g = glyph_at(utf8, at);
    if (used + g.columns > columns - 1) break;  // keep one column for the ellipsis
    out.append(utf8, at, g.bytes);
    used += g.columns;
    at += g.bytes;
  }
  return out + "\u2026";
}

}  // namespace gatelab
