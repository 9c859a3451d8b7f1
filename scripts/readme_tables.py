#!/usr/bin/env python3
"""Regenerates the tables in a Markdown file (README.md by default) that come from a committed study DB.

A generated table sits between two marker lines:

    <!-- generated from analysis/studies/speed/tables/bench_versus_peers.sql -->
    | ... the table ... |
    <!-- end generated -->

and is the output of `gatelab query --format markdown` for that query on the DB named in the query's first line
("-- db: <file>.db.zst", beside the study's tables/ folder; the layout tests/analysis/studies_test.cpp checks). So a
number in the README is never typed: change the DB or the query, and run this script.

    scripts/readme_tables.py --gatelab build/gatelab            rewrite README.md in place
    scripts/readme_tables.py --gatelab build/gatelab --check    exit 1 (and show the difference) if it is stale
"""
import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = re.compile(r"^<!-- generated from (\S+\.sql) -->$")
END = "<!-- end generated -->"
DB_LINE = re.compile(r"^-- db: ([A-Za-z0-9_.-]+\.db\.zst)\s*$")


def query_markdown(gatelab, sql_path, workdir):
    """The markdown table of one study query on its study DB (decompressed once into workdir)."""
    with open(os.path.join(ROOT, sql_path)) as f:
        sql = f.read()
    match = DB_LINE.match(sql.split("\n", 1)[0])
    if not match:
        sys.exit(f"{sql_path}: the first line must be '-- db: <file>.db.zst'")
    compressed = os.path.join(ROOT, os.path.dirname(os.path.dirname(sql_path)), match.group(1))
    db = os.path.join(workdir, os.path.basename(compressed)[: -len(".zst")])
    if not os.path.exists(db):
        subprocess.run(["zstd", "-q", "-d", compressed, "-o", db], check=True)
    result = subprocess.run([gatelab, "query", "--format", "markdown", "--db", db, "--sql", sql],
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{sql_path}: gatelab query failed:\n{result.stdout}{result.stderr}")
    return result.stdout.rstrip("\n").split("\n")


def regenerate(lines, gatelab, workdir, path):
    """The file's lines with every generated block replaced; a marker without its end is an error."""
    out, i, blocks = [], 0, 0
    while i < len(lines):
        out.append(lines[i])
        match = BEGIN.match(lines[i])
        i += 1
        if not match:
            continue
        end = next((j for j in range(i, len(lines)) if lines[j] == END), None)
        if end is None:
            sys.exit(f"{path}: '{match.group(0)}' has no '{END}' after it")
        out += query_markdown(gatelab, match.group(1), workdir)
        out.append(END)
        i = end + 1
        blocks += 1
    return out, blocks


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gatelab", required=True, help="the gatelab binary")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a table is stale")
    parser.add_argument("file", nargs="?", default=os.path.join(ROOT, "README.md"))
    args = parser.parse_args()
    with open(args.file) as f:
        lines = f.read().split("\n")
    with tempfile.TemporaryDirectory(prefix="gatelab-readme-tables-") as workdir:
        new, blocks = regenerate(lines, args.gatelab, workdir, args.file)
    if blocks == 0:
        sys.exit(f"{args.file}: no generated tables ('<!-- generated from ....sql -->')")
    if args.check:
        if new != lines:
            sys.stdout.writelines(difflib.unified_diff([l + "\n" for l in lines], [l + "\n" for l in new],
                                                       args.file, "regenerated"))
            print(f"{args.file}: stale generated tables; run scripts/readme_tables.py --gatelab <bin>")
            return 1
        print(f"{args.file}: {blocks} generated tables up to date")
        return 0
    with open(args.file, "w") as f:
        f.write("\n".join(new))
    print(f"{args.file}: {blocks} generated tables written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
