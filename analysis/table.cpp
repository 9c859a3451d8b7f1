#include "analysis/table.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <set>

#include "harness/util/errors.h"

namespace gatelab::analysis {

std::string Cell::str() const {
  switch (type) {
    case Type::Null: return "";
    case Type::Integer: return std::to_string(integer);
    case Type::Real:
      if (std::isnan(real)) return "nan";
      if (std::isinf(real)) return real > 0 ? "inf" : "-inf";
      return fmt::format("{}", real);  // shortest representation that round-trips
    case Type::Text: return text;
  }
  return "";
}

double Cell::number() const {
  switch (type) {
    case Type::Integer: return static_cast<double>(integer);
    case Type::Real: return real;
    case Type::Text: {
      char* end = nullptr;
      double v = std::strtod(text.c_str(), &end);
      return (end && *end == '\0' && !text.empty()) ? v : NAN;
    }
    case Type::Null: return NAN;
  }
  return NAN;
}

size_t Table::column(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  throw Error(fmt::format("query result has no column '{}'", name));
}

namespace {

// Throws the right kind of error for a failed statement.
[[noreturn]] void fail(SqlSource source, const std::string& message) {
  if (source == SqlSource::User) throw UserError(message);
  throw Error(message);
}

bool only_whitespace_and_comments(const char* p) {
  // sqlite3_prepare_v2 returns a null statement for a tail of comments and whitespace; used only to reject a
  // second statement with a clear message.
  while (*p && std::isspace(static_cast<unsigned char>(*p))) ++p;
  return *p == '\0';
}

Table select_rows(SQLite::Database& db, const std::string& sql, const std::vector<std::string>& params,
                  SqlSource source, size_t max_rows);

// The functions a user's statement may not call: they load code, change the FTS tokenizer registry or touch files.
// (For SQLITE_FUNCTION the function's name is the authorizer's second text argument.)
int deny_side_effects(void*, int action, const char*, const char* name, const char*, const char*) {
  static const std::set<std::string> denied = {"load_extension", "fts3_tokenizer", "readfile",
                                               "writefile",      "edit",           "zipfile"};
  if (action == SQLITE_ATTACH || action == SQLITE_DETACH) return SQLITE_DENY;
  if (action == SQLITE_FUNCTION && name && denied.count(name)) return SQLITE_DENY;
  return SQLITE_OK;
}

struct Deadline {
  std::chrono::steady_clock::time_point at;
  bool passed = false;
};

int stop_after_deadline(void* deadline) {
  auto* d = static_cast<Deadline*>(deadline);
  d->passed = std::chrono::steady_clock::now() > d->at;
  return d->passed ? 1 : 0;  // non-zero interrupts the statement
}

// Installs the limits on the connection for the lifetime of the object.
class BoundedConnection {
 public:
  BoundedConnection(sqlite3* handle, const QueryLimits& limits) : handle_(handle) {
    sqlite3_set_authorizer(handle_, deny_side_effects, nullptr);
    if (limits.seconds > 0) {
      deadline_.at = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                            std::chrono::duration<double>(limits.seconds));
      sqlite3_progress_handler(handle_, 10000, stop_after_deadline, &deadline_);
    }
  }
  ~BoundedConnection() {
    sqlite3_progress_handler(handle_, 0, nullptr, nullptr);
    sqlite3_set_authorizer(handle_, nullptr, nullptr);
  }
  bool deadline_passed() const { return deadline_.passed; }

 private:
  sqlite3* handle_;
  Deadline deadline_;
};

}  // namespace

Table select_bounded(SQLite::Database& db, const std::string& sql, const QueryLimits& limits) {
  BoundedConnection bounded(db.getHandle(), limits);
  try {
    return select_rows(db, sql, {}, SqlSource::User, limits.max_rows);
  } catch (const UserError&) {
    if (bounded.deadline_passed())
      throw UserError(fmt::format("the query ran longer than {} s and was stopped (raise --timeout, or narrow it)",
                                  limits.seconds));
    throw;
  }
}

Table select(SQLite::Database& db, const std::string& sql, const std::vector<std::string>& params, SqlSource source) {
  return select_rows(db, sql, params, source, 0);
}

namespace {

Table select_rows(SQLite::Database& db, const std::string& sql, const std::vector<std::string>& params,
                  SqlSource source, size_t max_rows) {
  sqlite3* handle = db.getHandle();
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(handle, sql.c_str(), static_cast<int>(sql.size()), &raw, &tail) != SQLITE_OK)
    fail(source, fmt::format("SQL error: {}", sqlite3_errmsg(handle)));
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(raw, sqlite3_finalize);
  if (!st) fail(source, "SQL error: the query is empty");
  // A second statement after the first: prepare it just to see whether it is one (comments are fine).
  while (tail && !only_whitespace_and_comments(tail)) {
    sqlite3_stmt* next = nullptr;
    const char* next_tail = nullptr;
    if (sqlite3_prepare_v2(handle, tail, -1, &next, &next_tail) != SQLITE_OK)
      fail(source, fmt::format("SQL error: {}", sqlite3_errmsg(handle)));
    if (next) {
      sqlite3_finalize(next);
      fail(source, "SQL error: give one statement at a time (found more than one)");
    }
    tail = next_tail;
  }
  if (!sqlite3_stmt_readonly(st.get()))
    fail(source,
         "the results database is opened read-only: this statement would write to it (only SELECT, WITH, "
         "EXPLAIN and read-only PRAGMAs run here; modify a results DB with the sqlite3 shell)");
  for (size_t i = 0; i < params.size(); ++i)
    sqlite3_bind_text(st.get(), static_cast<int>(i + 1), params[i].c_str(), static_cast<int>(params[i].size()),
                      SQLITE_TRANSIENT);

  Table table;
  const int n = sqlite3_column_count(st.get());
  for (int c = 0; c < n; ++c) table.columns.emplace_back(sqlite3_column_name(st.get(), c));
  for (;;) {
    int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) fail(source, fmt::format("SQL error: {}", sqlite3_errmsg(handle)));
    std::vector<Cell> row(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) {
      Cell& cell = row[static_cast<size_t>(c)];
      switch (sqlite3_column_type(st.get(), c)) {
        case SQLITE_INTEGER:
          cell.type = Cell::Type::Integer;
          cell.integer = sqlite3_column_int64(st.get(), c);
          break;
        case SQLITE_FLOAT:
          cell.type = Cell::Type::Real;
          cell.real = sqlite3_column_double(st.get(), c);
          break;
        case SQLITE_NULL: break;
        default: {  // text, and blobs shown as their bytes
          cell.type = Cell::Type::Text;
          const auto* p = static_cast<const char*>(sqlite3_column_blob(st.get(), c));
          cell.text.assign(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st.get(), c)));
        }
      }
    }
    table.rows.push_back(std::move(row));
    if (max_rows > 0 && table.rows.size() > max_rows)
      fail(source, fmt::format("the query returns more than {} rows (raise --max-rows, or narrow it)", max_rows));
  }
  return table;
}

}  // namespace

std::vector<std::string> select_strings(SQLite::Database& db, const std::string& sql,
                                        const std::vector<std::string>& params) {
  std::vector<std::string> out;
  for (const auto& row : select(db, sql, params).rows) out.push_back(row.empty() ? "" : row[0].str());
  return out;
}

}  // namespace gatelab::analysis
