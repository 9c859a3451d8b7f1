#!/usr/bin/env bash
# Guard: SQL against the results DB's base tables lives in results/ only (issue 13, "one place per fact").
# Code elsewhere writes and reads through results::Store methods (results/store.{h,cpp}) or reads the views
# (results/views/*.sql), so a table's layout is known in one place and a schema change touches results/ alone.
#
# usage: sql_lives_in_results.sh SOURCE_ROOT [BUILD_DIR]   (ctest passes the build folder too; it is not read)
# Scans every .cpp/.cc/.h/.hpp/.cu/.cuh outside results/, tests/ and build trees for SQL naming a base table
# (FROM, JOIN, INTO or UPDATE followed by the table name, case-insensitive, word-bounded, also across a line
# break). The table names come from the CREATE TABLE lines of results/migrations/*.sql, so a new table is guarded
# without editing this file. Prints each offending file:line and exits 1; otherwise says how many files it checked.
set -euo pipefail

root=${1:?usage: $0 SOURCE_ROOT}
root=${root%/}
shopt -s nullglob
migrations=("$root"/results/migrations/*.sql)
if ((${#migrations[@]} == 0)); then
  echo "sql_lives_in_results: no migrations under $root/results/migrations" >&2
  exit 2
fi

# Table names, lower case: "CREATE TABLE [IF NOT EXISTS] [main.]name (" with optional quotes around the name.
tables=$(sed -nE 's/^[[:space:]]*create[[:space:]]+table[[:space:]]+(if[[:space:]]+not[[:space:]]+exists[[:space:]]+)?(main\.)?["`]?([A-Za-z_][A-Za-z0-9_]*).*/\3/Ip' \
  "${migrations[@]}" | tr 'A-Z' 'a-z' | sort -u | paste -sd '|' -)
if [[ -z $tables ]]; then
  echo "sql_lives_in_results: no CREATE TABLE line in $root/results/migrations/*.sql" >&2
  exit 2
fi

# Source files outside results/ and tests/; a folder holding CMakeCache.txt is a build tree (its generated
# embedded_views.cpp holds the views' SQL) and is skipped, as are hidden folders.
files=()
for dir in "$root"/*/; do
  name=$(basename "$dir")
  [[ $name == results || $name == tests || -f $dir/CMakeCache.txt ]] && continue
  while IFS= read -r -d '' file; do files+=("$file"); done < <(
    find "$dir" -name '.*' -prune -o -type f \( -name '*.cpp' -o -name '*.cc' -o -name '*.h' -o -name '*.hpp' \
      -o -name '*.cu' -o -name '*.cuh' \) -print0 | sort -z)
done
if ((${#files[@]} == 0)); then
  echo "sql_lives_in_results: no source files under $root" >&2
  exit 2
fi

# POSIX awk has no \b: a word boundary is "start or a non-word character". Comments (// to the end of the line,
# lines of a /* ... */ block starting with *) are skipped: prose may say "read from runs".
hits=$(awk -v tables="$tables" -v root="$root/" '
  BEGIN {
    w = "[^a-z0-9_]"
    name = "(main\\.|temp\\.)?[\"`]?(" tables ")(" w "|$)"
    same_line = "(^|" w ")(from|join|into|update)[ \t]+" name
    keyword_at_end = "(^|" w ")(from|join|into|update)[ \t]*$"
    at_start = "^[ \t]*" name
  }
  FNR == 1 { previous = "" }
  {
    code = tolower($0)
    sub(/(^|[ \t])\/\/.*$/, "", code)
    if (code ~ /^[ \t]*(\/\*|\*( |$))/) code = ""
    if (code ~ same_line || (previous ~ keyword_at_end && code ~ at_start)) {
      file = FILENAME
      if (index(file, root) == 1) file = substr(file, length(root) + 1)
      printf "%s:%d: %s\n", file, FNR, $0
    }
    previous = code
  }' "${files[@]}")

if [[ -n $hits ]]; then
  echo "$hits"
  echo "sql_lives_in_results: SQL naming a base table ($(tr '|' ' ' <<<"$tables")) outside results/;" \
    "move it into a results::Store method or a view in results/views/" >&2
  exit 1
fi
echo "sql_lives_in_results: ${#files[@]} files checked, no SQL against base tables outside results/"
