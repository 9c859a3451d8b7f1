#!/usr/bin/env python3
"""Builds the 'mix' byte-level corpus from Debian packages already extracted into one folder.

usage: corpus_mix.py EXTRACTED_ROOT BIBLE_TEXT OUT_DIR

EXTRACTED_ROOT holds the packages' files (dpkg-deb -x of each .deb into the same folder); BIBLE_TEXT is the KJV as
printed by the `bible` program (the shell script runs it). Writes OUT_DIR/train.txt, OUT_DIR/valid.txt and prints
a JSON list of per-source byte counts on stdout (the shell script puts it in the manifest).

Deterministic: sources in a fixed order, files sorted by path bytes, the same cleaning, the last 5% of each
source's lines held out for validation (../shared/DATA.md). Standard library only.
"""
import gzip
import json
import os
import re
import struct
import sys
import zlib

VALID_SHARE = 0.05


def read_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".gz") or path.endswith(".dz"):
        data = gzip.decompress(data)
    return data


OVERSTRIKE = re.compile(rb".\x08")
CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")


def clean(data):
    """Removes overstrikes (x\\bx), control bytes except TAB and LF, DEL, and invalid UTF-8."""
    data = data.replace(b"\r\n", b"\n")
    data = OVERSTRIKE.sub(b"", data)
    data = CONTROL.sub(b"", data)
    return data.decode("utf-8", errors="ignore").encode("utf-8")


def files_under(root, rel, predicate):
    base = os.path.join(root, rel)
    if not os.path.isdir(base):
        raise SystemExit(f"corpus_mix.py: missing folder {base}: was its package extracted?")
    found = []
    for directory, dirs, names in os.walk(base):
        dirs.sort()
        for name in names:
            path = os.path.join(directory, name)
            if os.path.isfile(path) and predicate(os.path.relpath(path, base)):
                found.append(path)
    return sorted(found, key=lambda p: p.encode())


# --- R lazy-load DB (janeaustenr's Rdata.rdb): a minimal reader of R's XDR serialization -------------------

class RReader:
    def __init__(self, data):
        self.data, self.pos, self.refs = data, 0, []

    def int(self):
        (v,) = struct.unpack_from(">i", self.data, self.pos)
        self.pos += 4
        return v

    def bytes(self, n):
        v = self.data[self.pos:self.pos + n]
        self.pos += n
        return v

    def header(self):
        if self.bytes(2) != b"X\n":
            raise ValueError("not an XDR R serialization")
        version = self.int()
        self.int()  # writer's R version
        self.int()  # minimal reader version
        if version == 3:
            self.bytes(self.int())  # native encoding name

    def item(self):
        flags = self.int()
        kind, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if kind in (254, 242, 253, 251, 252, 250):  # NULL, empty/global/base env, missing, unbound
            return None
        if kind == 255:  # reference to an earlier symbol or environment
            index = flags >> 8
            return self.refs[(index if index else self.int()) - 1]
        if kind == 1:  # symbol
            name = self.item()
            self.refs.append(name)
            return name
        if kind in (2, 6, 17):  # pairlist, language, dotted pairs: attributes, tag, car, cdr
            attrs = self.item() if has_attr else None
            tag = self.item() if has_tag else None
            car = self.item()
            cdr = self.item()
            return {"tag": tag, "car": car, "cdr": cdr, "attrs": attrs}
        if kind == 9:  # CHARSXP
            n = self.int()
            return None if n == -1 else self.bytes(n).decode("utf-8", errors="ignore")
        if kind in (10, 13):  # logical, integer
            n = self.int()
            out = list(struct.unpack_from(f">{n}i", self.data, self.pos))
            self.pos += 4 * n
        elif kind == 14:  # double
            n = self.int()
            out = list(struct.unpack_from(f">{n}d", self.data, self.pos))
            self.pos += 8 * n
        elif kind in (16, 19, 20):  # character vector, list, expression
            n = self.int()
            out = [self.item() for _ in range(n)]
        else:
            raise ValueError(f"R serialization type {kind} is not supported")
        if has_attr:
            self.item()
        return out


def rdb_character_vectors(rdb_path):
    """Every character vector stored in an R lazy-load DB, in file order. Each blob is a 4-byte big-endian
    length followed by zlib data holding one serialized object; blobs follow each other, so no index is needed."""
    with open(rdb_path, "rb") as f:
        data = f.read()
    pos, vectors = 0, []
    while pos + 4 < len(data):
        decompressor = zlib.decompressobj()
        blob = decompressor.decompress(data[pos + 4:])
        consumed = len(data) - (pos + 4) - len(decompressor.unused_data)
        pos += 4 + consumed
        reader = RReader(blob)
        reader.header()
        value = reader.item()
        if isinstance(value, list) and value and all(v is None or isinstance(v, str) for v in value):
            vectors.append(value)
    return vectors


# --- sources ---------------------------------------------------------------------------------------------

def source_texts(root, bible_text):
    """(source name, [document bytes]) in the fixed corpus order."""
    def docs(rel, predicate):
        return [read_bytes(p) for p in files_under(root, rel, predicate)]

    yield "dict-gcide", docs("usr/share/dictd", lambda p: p == "gcide.dict.dz")
    yield "linux-doc-6.1", docs("usr/share/doc/linux-doc-6.1/html/_sources",
                                lambda p: not p.startswith("translations/") and re.search(r"\.rst\.txt(\.gz)?$", p))
    yield "python3.11-doc", docs("usr/share/doc/python3.11/html/_sources", lambda p: re.search(r"\.txt(\.gz)?$", p))
    yield "vim-runtime", docs("usr/share/vim/vim90/doc", lambda p: "/" not in p and re.search(r"\.txt(\.gz)?$", p))
    yield "perl-doc", docs("usr/share/perl/5.36.0/pod", lambda p: "/" not in p and re.search(r"\.pod(\.gz)?$", p))
    yield "dict-foldoc", docs("usr/share/dictd", lambda p: p == "foldoc.dict.dz")
    with open(bible_text, "rb") as f:
        yield "bible-kjv", [f.read()]
    rdb = os.path.join(root, "usr/lib/R/site-library/janeaustenr/data/Rdata.rdb")
    books = ["\n".join(v or "" for v in vector).encode("utf-8") + b"\n" for vector in rdb_character_vectors(rdb)]
    yield "r-cran-janeaustenr", books
    fortunes = docs("usr/share/games/fortunes",
                    lambda p: "/" not in p and not p.endswith(".dat") and not p.endswith(".u8"))
    yield "fortunes", [b"\n".join(l for l in d.split(b"\n") if l.strip() != b"%") for d in fortunes]
    yield "jargon-text", docs("usr/share/doc/jargon-text", lambda p: p == "jargon.txt.gz")
    yield "dict-devil", docs("usr/share/dictd", lambda p: p == "devil.dict.dz")


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    root, bible_text, out_dir = sys.argv[1:]
    counts = []
    with open(os.path.join(out_dir, "train.txt"), "wb") as train, open(os.path.join(out_dir, "valid.txt"), "wb") as valid:
        for name, documents in source_texts(root, bible_text):
            if not documents:
                raise SystemExit(f"corpus_mix.py: no text found for {name}")
            text = b"".join(clean(d) if d.endswith(b"\n") else clean(d) + b"\n" for d in documents)
            lines = text.split(b"\n")[:-1]
            cut = len(lines) - int(len(lines) * VALID_SHARE)
            head, tail = b"\n".join(lines[:cut]) + b"\n", b"\n".join(lines[cut:]) + b"\n"
            train.write(head)
            valid.write(tail)
            counts.append({"source": name, "documents": len(documents), "train_bytes": len(head), "valid_bytes": len(tail)})
    json.dump(counts, sys.stdout)


if __name__ == "__main__":
    main()
