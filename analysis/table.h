// Query results as plain data: a Table of typed cells, read from SQLite, written by the output formats
// (analysis/formats) and the plots. Torch-free.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gatelab::analysis {

struct Cell {
  enum class Type { Null, Integer, Real, Text };
  Type type = Type::Null;
  int64_t integer = 0;
  double real = 0;
  std::string text;

  bool is_null() const { return type == Type::Null; }
  bool is_number() const { return type == Type::Integer || type == Type::Real; }
  // The value as text: "" for NULL, integers in full, reals in the shortest form that reads back to the same
  // double (so a CSV round-trips exactly).
  std::string str() const;
  // The value as a number (NaN for NULL or text that is not a number).
  double number() const;
};

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;

  // Index of a column; throws Error when absent (a bug in the caller's SQL, not user input).
  size_t column(const std::string& name) const;
  bool empty() const { return rows.empty(); }
};

// Where a statement came from decides who is to blame when it fails: the user's SQL is a UserError (exit 2,
// SQLite's message shown), gatelab's own SQL is an Error.
enum class SqlSource { User, Gatelab };

// Runs one read-only statement and collects its rows. Refuses statements that would write (even on a read-only
// connection: the refusal names the rule instead of SQLite's "attempt to write a readonly database"), and more
// than one statement. Parameters bind in order to ?1, ?2, ...
Table select(SQLite::Database& db, const std::string& sql, const std::vector<std::string>& params = {},
             SqlSource source = SqlSource::Gatelab);

// Bounds on a user's statement (`gatelab query`): it is interrupted after `seconds` of work and refused past
// `max_rows` rows (0: no bound), and only functions that read may run (no load_extension, fts3_tokenizer, ...).
struct QueryLimits {
  double seconds = 0;
  size_t max_rows = 0;
};
Table select_bounded(SQLite::Database& db, const std::string& sql, const QueryLimits& limits);

// Convenience: the first column of every row as text.
std::vector<std::string> select_strings(SQLite::Database& db, const std::string& sql,
                                        const std::vector<std::string>& params = {});

}  // namespace gatelab::analysis
