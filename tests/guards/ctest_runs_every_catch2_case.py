#!/usr/bin/env python3
"""Fails when ctest would not run a Catch2 case: for every Catch2 binary ctest knows, the binary's own list of cases
(--list-test-names-only) must equal the cases ctest's entries select. Catches names that break catch_discover_tests
(`[ ] ; ,`, leading or trailing spaces), entries whose filter matches nothing, and binaries whose cases were never
registered, a case two entries run, and an entry without exactly one of the labels fast, slow, gpu, fault and slurm.
Usage: ctest_runs_every_catch2_case.py SOURCE_DIR BUILD_DIR
"""
import json
import os
import re
import subprocess
import sys

SPECIAL = re.compile(r"[\[\];,]|^\s|\s$")
# Every ctest entry carries exactly one of these: `ctest -L fast|slow|gpu|fault|slurm` then partitions the suite.
KINDS = {"fast", "slow", "gpu", "fault", "slurm"}


def ctest_entries(build_dir):
    shown = subprocess.run(["ctest", "--show-only=json-v1"], cwd=build_dir, check=True, capture_output=True, text=True)
    return json.loads(shown.stdout)["tests"]


def catch2_names(binary):
    listed = subprocess.run([binary, "--list-test-names-only"], capture_output=True, text=True)
    return [line for line in listed.stdout.splitlines() if line.strip()]


def labels_of(entry):
    for prop in entry.get("properties", []):
        if prop.get("name") == "LABELS":
            return set(prop.get("value", []))
    return set()


def unescape(spec):
    return re.sub(r"\\([\[\],])", r"\1", spec)


def selected_names(entries, binary, names):
    """The case names ctest's entries for `binary` run: a filter selects one case, no filter selects all."""
    chosen, bad_filters = set(), []
    for entry in entries:
        command = entry.get("command", [])
        if not command or command[0] != binary:
            continue
        filters = [arg for arg in command[1:] if arg and not arg.startswith("-") and arg != "NoTests"]
        if not filters:
            chosen.update(names)
            continue
        name = unescape(filters[0])
        if name in chosen:
            bad_filters.append(f"{entry['name']}: case {name!r} is run by two entries")
        if name in names:
            chosen.add(name)
        else:
            bad_filters.append(f"{entry['name']}: filter {filters[0]!r} names no case of {os.path.basename(binary)}")
    return chosen, bad_filters


def main(source_dir, build_dir):
    entries = ctest_entries(build_dir)
    problems, total = [], 0
    for entry in entries:
        kinds = labels_of(entry) & KINDS
        if len(kinds) != 1:
            problems.append(f"{entry['name']}: labels {sorted(labels_of(entry))} hold {len(kinds)} of "
                            f"{', '.join(sorted(KINDS))}; exactly one is needed (ctest -L would skip or repeat it)")
    binaries = sorted({e["command"][0] for e in entries if e.get("command") and
                       os.path.basename(e["command"][0]).startswith("test_")})
    for binary in binaries:
        names = catch2_names(binary)
        total += len(names)
        if not names:
            problems.append(f"{binary}: lists no cases")
        for name in names:
            if SPECIAL.search(name):
                problems.append(f"{os.path.basename(binary)}: case name {name!r} has a character ctest or Catch2 "
                                "treats specially ([ ] ; , or a leading/trailing space): rename it")
        chosen, bad_filters = selected_names(entries, binary, names)
        problems += bad_filters
        problems += [f"{os.path.basename(binary)}: ctest never runs {name!r}" for name in names if name not in chosen]
    if problems:
        print("\n".join(problems))
        return 1
    print(f"ctest runs all {total} Catch2 cases of {len(binaries)} binaries "
          f"({', '.join(os.path.basename(b) for b in binaries)}) through {len(entries)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
