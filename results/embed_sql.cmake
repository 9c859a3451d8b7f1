# Generates a C++ file holding every .sql file of a folder as a raw string, sorted by name.
# Called at build time: cmake -DSQL_DIR=... -DOUT=... -DFUNCTION=... -P embed_sql.cmake
file(GLOB sql_files "${SQL_DIR}/*.sql")
list(SORT sql_files)
set(body "")
foreach(f ${sql_files})
  get_filename_component(name ${f} NAME)
  file(READ ${f} text)
  string(APPEND body "    {\"${name}\", R\"gatelab_sql(${text})gatelab_sql\"},\n")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from ${SQL_DIR} by results/embed_sql.cmake. Do not edit.\n#include \"results/store.h\"\nnamespace gatelab::results {\nconst std::vector<SqlFile>& ${FUNCTION}() {\n  static const std::vector<SqlFile> files = {\n${body}  };\n  return files;\n}\n}  // namespace gatelab::results\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
