#!/usr/bin/env bash
# Builds a byte-level text corpus from Debian packages: DATA_DIR/<corpus>/{train.txt,valid.txt,manifest.json}.
#
#   scripts/build_corpus.sh kjv [DATA_DIR]   King James Bible (3.3 MB train, 1 MB valid): CPU demos and tests
#   scripts/build_corpus.sh mix [DATA_DIR]   11 Debian-packaged English sources (~109 MB): GPU studies
#
# DATA_DIR defaults to $GATELAB_DATA, else ./data (where `gatelab run` looks). Deterministic: the same package
# versions give the same bytes; the manifest records the sha256 of both splits and every package version, and
# every text run stores the manifest with its results. Installs nothing and needs no root: a missing package is
# fetched with `apt-get download` (or taken from GATELAB_DEB_DIR, a folder of .deb files, on machines without a
# registry) and unpacked with `dpkg-deb -x` into a temporary folder. Facts: shared/DATA.md.
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: $0 kjv|mix [DATA_DIR]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
corpus=$1
data_dir=${2:-${GATELAB_DATA:-data}}
case "$corpus" in kjv|mix) ;; *) echo "$0: unknown corpus '$corpus'; valid: kjv, mix" >&2; exit 2 ;; esac
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/gatelab-corpus-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/root" "$work/out"

versions_json="{}"
# add_version PACKAGE VERSION: records a package version for the manifest.
add_version() {
  versions_json=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d[sys.argv[2]]=sys.argv[3]; print(json.dumps(d, sort_keys=True))' \
    "$versions_json" "$1" "$2")
}

# fetch PACKAGE...: downloads and unpacks packages into $work/root, recording their versions.
fetch() {
  local missing=()
  for pkg in "$@"; do
    # A folder of already-downloaded .deb files (GATELAB_DEB_DIR) serves machines that reach no package registry.
    local local_deb
    local_deb=$(ls "${GATELAB_DEB_DIR:-/nonexistent}/${pkg}"_*.deb 2>/dev/null | head -n 1 || true)
    if [[ -n "$local_deb" ]]; then cp "$local_deb" "$work/debs/"; else missing+=("$pkg"); fi
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    (cd "$work/debs" && apt-get download "${missing[@]}" >/dev/null 2>"$work/apt.log") || {
      echo "$0: apt-get download ${missing[*]} failed:" >&2; cat "$work/apt.log" >&2
      echo "$0: without a registry, download the .deb files elsewhere and set GATELAB_DEB_DIR to their folder" >&2
      exit 1; }
  fi
  for pkg in "$@"; do
    local deb
    deb=$(ls "$work/debs/${pkg}"_*.deb | head -n 1)
    dpkg-deb -x "$deb" "$work/root"
    add_version "$pkg" "$(dpkg-deb -f "$deb" Version)"
  done
}

# KJV text as the bible program prints it (one verse a line, "  12 text"), to stdout: $1 = verse range.
bible_bin=""
bible_data=""
setup_bible() {
  if command -v bible >/dev/null && [[ -e /usr/lib/bible.data ]]; then
    bible_bin=$(command -v bible)
    bible_data=""
    add_version bible-kjv "$(dpkg-query -W -f '${Version}' bible-kjv 2>/dev/null || echo unknown)"
    add_version bible-kjv-text "$(dpkg-query -W -f '${Version}' bible-kjv-text 2>/dev/null || echo unknown)"
  else
    fetch bible-kjv bible-kjv-text
    bible_bin="$work/root/usr/bin/bible"
    bible_data="$work/root/usr/lib"
  fi
}
bible_text() {
  if [[ -n "$bible_data" ]]; then "$bible_bin" -p "$bible_data" -l10000 -m 8192 "$1"
  else "$bible_bin" -l10000 -m 8192 "$1"; fi
}
# Verse lines only, without their leading spaces and number; chapter headings and blank lines dropped.
verses() { sed -n 's/^ *[0-9][0-9]* //p'; }

case "$corpus" in
  kjv)
    setup_bible
    bible_text 'Gen1:1-Mal4:6' | verses > "$work/out/train.txt"
    bible_text 'Mat1:1-Rev22:21' | verses > "$work/out/valid.txt"
    sources='[{"source": "bible-kjv", "train": "Old Testament (Gen1:1-Mal4:6)", "valid": "New Testament (Mat1:1-Rev22:21)"}]'
    split="train: Old Testament, valid: New Testament; verse numbers stripped"
    ;;
  mix)
    setup_bible
    bible_text 'Gen1:1-Rev22:21' | verses > "$work/bible.txt"
    fetch dict-gcide linux-doc-6.1 python3.11-doc vim-runtime perl-doc dict-foldoc r-cran-janeaustenr fortunes \
      fortunes-min jargon-text dict-devil
    sources=$(python3 "$script_dir/corpus_mix.py" "$work/root" "$work/bible.txt" "$work/out")
    split="the last 5% of lines of every source is valid, the rest train; overstrikes, control bytes and invalid UTF-8 removed"
    ;;
esac

out="$data_dir/$corpus"
mkdir -p "$out"
python3 - "$corpus" "$work/out" "$versions_json" "$sources" "$split" > "$work/out/manifest.json" <<'EOF'
import hashlib, json, os, sys
corpus, folder, versions, sources, split = sys.argv[1:]
def facts(name):
    path = os.path.join(folder, name)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return {"bytes": os.path.getsize(path), "sha256": h.hexdigest()}
manifest = {"corpus": corpus, "built_by": "scripts/build_corpus.sh", "packages": json.loads(versions),
            "sources": json.loads(sources), "split": split, "train": facts("train.txt"), "valid": facts("valid.txt")}
print(json.dumps(manifest, indent=2, sort_keys=True))
EOF
# Replace the corpus only once it is complete: a run never reads a half-written split.
for f in train.txt valid.txt manifest.json; do mv "$work/out/$f" "$out/$f.tmp"; done
for f in train.txt valid.txt manifest.json; do mv "$out/$f.tmp" "$out/$f"; done
python3 - "$out/manifest.json" "$corpus" "$out" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
print("%s: train %d bytes, valid %d bytes, train sha256 %s in %s"
      % (sys.argv[2], m["train"]["bytes"], m["valid"]["bytes"], m["train"]["sha256"], sys.argv[3]))
EOF
