#!/usr/bin/env python3
"""Builds the fuzz targets' seed corpus from sample-logs/ (issue 11; run by `make fuzz`).

    seed_corpus.py SAMPLE_LOGS OUT

writes OUT/<Target>/<name> for each target in SEEDS. The seeds are the committed sample data
in the shapes authstats reads: single records of every kind, whole decompressed files
(newline-delimited, back to back, CloudTrail `Records`, CloudWatch `<time> <json>` lines),
the same files in every compression and archive, and the user directory. Deterministic: the
same sample-logs/ always gives the same files. A target without an entry starts from an
empty corpus (libFuzzer finds its own way).

To give a new target seeds: add a function `name(samples) -> {file name: bytes}` and its
entry in SEEDS.
"""

import bz2
import gzip
import io
import json
import lzma
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

# libFuzzer's -max_len is the largest seed: keep seeds small enough for fast runs.
MAX_SEED = 64 * 1024


class Samples:
    """The sample data, decompressed and split into records (sorted paths, so deterministic)."""

    def __init__(self, root):
        self.root = root
        self.files = {}  # relative path -> decompressed bytes
        self.compressed = {}  # relative path -> bytes as committed
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, root)
                data = open(path, "rb").read()
                self.compressed[rel] = data
                self.files[rel] = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
        self.records = []  # compact JSON of single records, every kind
        for rel, data in sorted(self.files.items()):
            if rel.startswith("users/"):
                continue
            self.records.extend(split_records(data))

    def of_kind(self, needle):
        return [r for r in self.records if needle in r]


def split_records(data):
    """The records of one decompressed export file, each as compact JSON bytes."""
    decoder = json.JSONDecoder()
    text = data.decode("utf-8")
    out, index = [], 0
    while index < len(text):
        while index < len(text) and text[index] in " \t\r\n":
            index += 1
        if index >= len(text):
            break
        if text[index].isdigit():  # a CloudWatch export line: `<time> <json>`
            index = text.index(" ", index) + 1
        value, index = decoder.raw_decode(text, index)
        for record in value.get("Records", [value]) if isinstance(value, dict) else [value]:
            out.append(json.dumps(record, separators=(",", ":")).encode())
    return out


def zstd(data):
    """zstd through the `zstd` command (Python has no zstd module before 3.14); None if absent."""
    if not shutil.which("zstd"):
        return None
    return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, capture_output=True, check=True).stdout


def tar(members, mode="w"):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode, format=tarfile.GNU_FORMAT) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_700_000_000  # fixed, so the seeds are the same on every run
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zip_archive(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def every_few(items, count):
    """`count` items spread evenly over `items`."""
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def kind_of(data):
    """The export a decompressed file holds, by its start."""
    head = data[:200]
    for kind, needle in (("digest", b"digestStartTime"), ("cloudtrail", b'{"Records"'), ("cloudwatch", b"Z {"),
                         ("activity", b"USER_ACTIVITY"), ("pinpoint", b"event_type")):
        if needle in head:
            return kind
    return "other"


def whole_files(samples, count):
    """About `count` decompressed export files, spread over every kind, each kind's smallest first."""
    kinds = {}
    for rel, data in samples.files.items():
        if not rel.startswith("users/") and len(data) <= MAX_SEED:
            kinds.setdefault(kind_of(data), []).append((rel, data))
    out = []
    for _, files in sorted(kinds.items()):
        out += every_few(sorted(files, key=lambda f: (len(f[1]), f[0])), max(1, count // len(kinds)))
    return out


def framer(samples):
    seeds = {}
    for i, record in enumerate(every_few(samples.records, 60)):
        seeds[f"record-{i:03}.json"] = record
    for i, (rel, data) in enumerate(whole_files(samples, 24)):
        seeds[f"file-{i:03}.json"] = data
    pinpoint = samples.of_kind(b'"event_type"')[:8]
    seeds["back-to-back.json"] = b"".join(pinpoint)
    seeds["newline-delimited.json"] = b"\n".join(pinpoint) + b"\n"
    trail = samples.of_kind(b'"eventTime"')[:6]
    seeds["cloudtrail.json"] = b'{"Records":[' + b",".join(trail) + b"]}"
    seeds["cloudtrail-pretty.json"] = json.dumps({"Records": [json.loads(r) for r in trail[:2]]}, indent=2).encode()
    activity = samples.of_kind(b'"USER_ACTIVITY"')[:4]
    seeds["cloudwatch.log"] = b"".join(b"2026-10-28T03:29:50.437Z " + r + b"\n" for r in activity)
    seeds["crlf.json"] = b"\r\n".join(pinpoint[:3]) + b"\r\n"
    seeds["bom.json"] = b"\xef\xbb\xbf" + b"\n".join(pinpoint[:2])
    seeds["junk-between.json"] = pinpoint[0] + b"null," + pinpoint[1] + b"\x00\x00hello\xef\xbb\xbf" + pinpoint[2][:40] + pinpoint[3]
    return seeds


def decoder(samples):
    seeds = {}
    for needle in (b'"event_type"', b'"USER_ACTIVITY"', b'"USER_NOTIFICATION"', b'"eventTime"', b'"digestStartTime"', b'"rawData"'):
        kind = needle.decode().strip('"')
        for i, record in enumerate(every_few(samples.of_kind(needle), 12)):
            seeds[f"{kind}-{i:02}.json"] = record
    return seeds


def user_directory(samples):
    listed = samples.files["users/list-users.json"]
    csv = samples.files["users/users.csv"]
    page = json.loads(listed)
    small = {"Users": page["Users"][:3]}
    return {
        "list-users.json": listed,
        "list-users-small.json": json.dumps(small, indent=1).encode(),
        "list-users-two-pages.json": json.dumps(small).encode() + b"\n" + json.dumps({"Users": page["Users"][3:5], "PaginationToken": "x"}).encode(),
        "users.csv": csv,
        "users-small.csv": b"\n".join(csv.split(b"\n")[:4]) + b"\n",
        "users-escaped.csv": b"cognito:username,sub,name\nuser0,694bfc6e,Smith\\, Jane\n",
    }


def analysis(samples):
    seeds = {}
    for i, (rel, data) in enumerate(whole_files(samples, 30)):
        seeds[f"file-{i:03}.json"] = data
    pinpoint = samples.of_kind(b'"event_type"')
    seeds["pinpoint-many.json"] = b"\n".join(pinpoint[:40]) + b"\n"
    seeds["mixed.json"] = b"\n".join(every_few(samples.records, 30)) + b"\n"
    return seeds


def ingest(samples):
    seeds = {}
    files = whole_files(samples, 12)
    for i, (rel, data) in enumerate(files):
        seeds[f"plain-{i:02}.json"] = data
        seeds[f"gzip-{i:02}.gz"] = samples.compressed[rel] if samples.compressed[rel][:2] == b"\x1f\x8b" else gzip.compress(data, mtime=0)
    first, second = files[0][1], files[1][1]
    seeds["bzip2.bz2"] = bz2.compress(first, 1)
    seeds["xz.xz"] = lzma.compress(first)
    seeds["lzma-alone.lzma"] = lzma.compress(first, format=lzma.FORMAT_ALONE)
    if (z := zstd(first)) is not None:
        seeds["zstd.zst"] = z
    seeds["two-members.gz"] = gzip.compress(first, mtime=0) + gzip.compress(second, mtime=0)
    seeds["empty.gz"] = gzip.compress(b"", mtime=0)
    members = [("a/one.json", first), ("b/two.json.gz", gzip.compress(second, mtime=0)), ("c/.hidden", b"{}")]
    seeds["bundle.tar"] = tar(members)
    seeds["bundle.tar.gz"] = gzip.compress(tar(members), mtime=0)
    seeds["bundle.tar.xz"] = lzma.compress(tar(members[:2]))
    seeds["bundle.zip"] = zip_archive(members[:2])
    seeds["nested.tar.gz"] = gzip.compress(tar([("inner.tar", tar(members[:1]))]), mtime=0)
    seeds["users.csv"] = samples.files["users/users.csv"]
    return {name: data for name, data in seeds.items() if len(data) <= MAX_SEED}


# Each fuzz target (Tests/Fuzz/Sources/<Target>) and the function that makes its seeds.
SEEDS = {
    "FuzzFramer": framer,
    "FuzzDecoder": decoder,
    "FuzzUserDirectory": user_directory,
    "FuzzAnalysis": analysis,
    "FuzzIngest": ingest,
}


def main():
    sample_root, out = sys.argv[1], sys.argv[2]
    samples = Samples(sample_root)
    for target, make in SEEDS.items():
        folder = os.path.join(out, target)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        seeds = make(samples)
        for name, data in sorted(seeds.items()):
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(seeds)} seeds, {sum(map(len, seeds.values())):,} bytes")


if __name__ == "__main__":
    main()
