#!/usr/bin/env python3
"""Fails when a source file includes across a layer boundary the architecture forbids.

Layers (README, "Where things live"):
  base         harness/util (errors, registry, hashing, subcommand): the standard library only
  cli_support  harness/util/cli_options.*, build_info.*, text_width.*: option parsing, build facts, display width
  variants     variants/: the math (torch); may use base only
  results      results/: the SQL store (torch-free); may use base and cli_support
  config       harness/config/: schema and resolution (torch-free); may read the registries' torch-free catalogs
  harness      the rest of harness/: tasks, training, probes, run-level commands
  sweeps       sweeps/: grids and the scheduler (torch-free): config, results, analysis (the table formats of
               `sweep plan|status`), base, cli_support
  analysis     analysis/: query, export, plot, report (torch-free): results, base, cli_support
Torch-free layers must not reach a torch header through any chain of project includes.
Usage: include_edges_follow_the_layers.py SOURCE_DIR [BUILD_DIR]
"""
import os
import re
import sys

ALLOWED = {
    "base": {"base"},
    "cli_support": {"cli_support", "base"},
    "variants": {"variants", "base"},
    "results": {"results", "base", "cli_support"},
    "config": {"config", "base", "variants", "harness"},
    "harness": {"harness", "config", "variants", "results", "base", "cli_support"},
    "sweeps": {"sweeps", "config", "results", "analysis", "base", "cli_support"},
    "analysis": {"analysis", "results", "base", "cli_support"},
}
TORCH_FREE = {"base", "cli_support", "results", "config", "sweeps", "analysis"}
STD_ONLY = {"base"}
FOLDERS = ("harness", "variants", "results", "sweeps", "analysis")
SOURCE = re.compile(r"\.(h|cpp|cu|cuh)$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
TORCH = re.compile(r"^(torch|ATen|c10|caffe2)/")


def layer_of(path):
    if path.startswith("harness/util/"):
        return "cli_support" if re.match(r"harness/util/(cli_options|build_info|text_width)\.", path) else "base"
    if path.startswith("harness/config/"):
        return "config"
    return path.split("/")[0]


def read_includes(root):
    includes = {}
    for folder in FOLDERS:
        for directory, _, files in os.walk(os.path.join(root, folder)):
            for name in files:
                if SOURCE.search(name):
                    path = os.path.relpath(os.path.join(directory, name), root)
                    with open(os.path.join(root, path), encoding="utf-8") as f:
                        includes[path] = INCLUDE.findall(f.read())
    return includes


def reaches_torch(path, includes, seen):
    """The chain of project includes from `path` to a torch header, or None."""
    if path in seen:
        return None
    seen.add(path)
    for kind, target in includes.get(path, []):
        if kind == "<" and TORCH.match(target):
            return [path, target]
        if kind == '"' and target in includes:
            chain = reaches_torch(target, includes, seen)
            if chain:
                return [path] + chain
    return None


def main(root):
    includes = read_includes(root)
    problems = []
    for path, targets in sorted(includes.items()):
        layer = layer_of(path)
        for kind, target in targets:
            if kind == '"' and target.split("/")[0] in FOLDERS:
                if layer_of(target) not in ALLOWED[layer]:
                    problems.append(f"{path}: {layer} may not include {target} ({layer_of(target)})")
            elif kind == "<" and layer in STD_ONLY and ("/" in target or "." in target):  # std headers have neither
                problems.append(f"{path}: the base layer uses the standard library only, not <{target}>")
        if layer in TORCH_FREE:
            chain = reaches_torch(path, includes, set())
            if chain:
                problems.append(f"{path}: {layer} is torch-free but reaches torch: {' -> '.join(chain)}")
    if problems:
        print("\n".join(problems))
        return 1
    print(f"{len(includes)} files: every include follows the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
