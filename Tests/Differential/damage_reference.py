#!/usr/bin/env python3
"""The reference side of the damage differential test (issue 11; DamageDifferentialTests.swift).

    damage_reference.py OUT_FOLDER [--seed N]

writes OUT_FOLDER/inputs/<case files> and OUT_FOLDER/expected.json: for each case, which
records authstats must keep (exactly), whether the stream broke (so the input must be
`partial` or `failed`), and which damaged bytes must show up in rejects.ndjson.

Inputs: Pinpoint records (newline-delimited, or back to back with no separator) and
CloudTrail records (a `{"Records":[…]}` file); every record is a sign-in of a user of its own
(`c<case>r<index>`), so it is kept exactly when sessions.csv has a row for that user. Each is
written in every compression (none, gzip, bzip2, xz, zstd, and a gzip tar with one member),
then damaged in one way:

- truncate: the compressed file cut at a random byte;
- zero-fill (uncompressed only): cut the same way, then NUL bytes to the end, as a file written
  to a preallocated size and cut holds (the NULs are padding, and the file is read as if it
  ended at the cut);
- flip: one byte of the compressed file changed (not for `none`);
- junk: `null`, `,`, a word, a UTF-8 BOM, a run of NUL bytes, or a truncated record put
  between two records of the uncompressed stream (then compressed intact);
- leading-bom: a UTF-8 BOM before the first record; intact: no damage (the control).

The reference decompresses as far as the codec goes, keeping every byte decoded before an
error: gzip with Python's zlib (a copy of the decompressor before each chunk, so the chunk
that fails is decoded again a byte of output at a time, and nothing decoded is lost), bzip2,
xz and zstd with their C libraries through ctypes (Python's bz2 and lzma modules drop the
output of the call that fails; Python has no zstd before 3.14). A record is kept when its
bytes are intact and whole in what was decoded. A flip whose effect the reference cannot
decide exactly (decoded garbage that Python's `json` reads as a record, or as a value that
would swallow an intact record; or a change the codec does not detect) is replaced by the
next flip position (counted in expected.json as `rerolled`).

Deterministic: the same seed gives the same files and expectations.
"""

import ctypes
import ctypes.util
import gzip
import io
import json
import os
import random
import sys
import tarfile
import zlib

RECORDS = 400  # per file: about 140 KB, so bzip2 (100 KB blocks at -1) and zstd have 2+ blocks
FRAMINGS = ["ndjson", "back-to-back", "cloudtrail"]
JUNK = ["null", "comma", "word", "bom", "nul", "truncated-record"]
WORDS = ("account billing cart checkout dashboard export friends gallery help inbox invoice journal "
         "kitchen login music news orders photos profile reports search settings shop sports travel "
         "video weather work").split()
BOM = b"\xef\xbb\xbf"


# MARK: Records


def pinpoint_record(rng, rid, time_ms):
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
    record = {
        "event_type": "_userauth.sign_in", "event_timestamp": time_ms, "arrival_timestamp": time_ms + 731,
        "event_version": "3.1",
        "application": {"app_id": "0123456789abcdef0123456789abcdef", "version_name": "2.4.0"},
        "client": {"client_id": rid},
        "device": {"platform": {"name": rng.choice(["android", "ios", "windows"])}, "locale": {"code": "en_GB"}},
        "attributes": {"url": "https://example.com/" + words.replace(" ", "-"), "title": words.title()},
        "endpoint": {"Location": {"Country": rng.choice(["GB", "ES", "US"])}},
    }
    return json.dumps(record, separators=(",", ":")).encode()


def cloudtrail_record(rng, rid, time_ms):
    when = time_ms // 1000
    stamp = "%04d-%02d-%02dT%02d:%02d:%02dZ" % __import__("time").gmtime(when)[:6]
    record = {
        "eventVersion": "1.08", "userIdentity": {"type": "Unknown", "principalId": "Anonymous"},
        "eventTime": stamp, "eventSource": "cognito-idp.amazonaws.com", "eventName": "InitiateAuth",
        "awsRegion": "eu-west-1", "sourceIPAddress": "198.51.100.%d" % rng.randint(1, 254),
        "userAgent": " ".join(rng.choice(WORDS) for _ in range(4)),
        "requestParameters": {"authFlow": "USER_SRP_AUTH", "clientId": "7webclient1example2abc"},
        "responseElements": {"authenticationResult": {"accessToken": "HIDDEN_DUE_TO_SECURITY_REASONS"}},
        "additionalEventData": {"sub": rid}, "eventID": rid + "-event", "readOnly": False,
        "eventType": "AwsApiCall", "recipientAccountId": "111122223333",
    }
    return json.dumps(record, separators=(",", ":")).encode()


class Stream:
    """An uncompressed stream: its bytes, and where each record lies in them."""

    def __init__(self, framing, records, junk=None, junk_after=None, leading=b""):
        self.framing = framing
        self.spans = []  # (id, start, end)
        out = bytearray(leading)
        if framing == "cloudtrail":
            out += b'{"Records":['
        self.junk_span = None
        for index, (rid, record) in enumerate(records):
            if index > 0:
                out += b"," if framing == "cloudtrail" else b""
            if junk is not None and index == junk_after + 1:
                start = len(out)
                out += junk
                self.junk_span = (start, len(out))
            self.spans.append((rid, len(out), len(out) + len(record)))
            out += record
            if framing == "ndjson":
                out += b"\n"
        if framing == "cloudtrail":
            out += b"]}"
        self.data = bytes(out)


def junk_bytes(kind, framing, rng, truncated_record):
    """The junk put before a record: its own line when newline-delimited, its own element in
    a CloudTrail array."""
    body = {
        "null": b"null",
        "comma": b",",
        "word": b"hello",
        "bom": BOM,
        "nul": b"\x00" * rng.choice([1, 7, 512, rng.randint(2, 600)]),
        "truncated-record": truncated_record[: rng.randint(1, len(truncated_record) - 1)],
    }[kind]
    if kind == "bom":
        return body  # a BOM sits right before a record, as when two files were concatenated
    if framing == "ndjson":
        return body + b"\n"
    if framing == "cloudtrail" and kind != "comma":
        return body + b","
    return body


# MARK: Codecs


def tar_member(data):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        info = tarfile.TarInfo("records.json")
        info.size = len(data)
        info.mtime = 1_700_000_000
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


TAR_HEADER = 512  # one ustar header block before the member's data


class CLib:
    """A C library, or None with the reason it could not be loaded."""

    def __init__(self, name):
        path = ctypes.util.find_library(name)
        try:
            self.lib = ctypes.CDLL(path or f"lib{name}.so")
            self.error = None
        except OSError as error:
            self.lib, self.error = None, str(error)


BZ2, LZMA, ZSTD = CLib("bz2"), CLib("lzma"), CLib("zstd")


def inflate_gzip(data):
    """Python's zlib, keeping every byte decoded before an error. Returns (bytes, broke)."""
    d = zlib.decompressobj(31)
    out = bytearray()
    step = 4096
    for pos in range(0, len(data), step):
        saved = d.copy()
        chunk = data[pos:pos + step]
        try:
            out += d.decompress(chunk)
        except zlib.error:
            # Again from before this chunk, one byte of output per call: zlib stops when the
            # output is full, so the call that meets the error has produced nothing.
            d, pending = saved, chunk
            try:
                while True:
                    piece = d.decompress(pending, 1)
                    out += piece
                    pending = d.unconsumed_tail
                    if not piece and not pending:
                        break
            except zlib.error:
                return bytes(out), True
        if d.eof:
            return bytes(out), False  # trailing bytes after the member are not ours to judge
    return bytes(out), not d.eof


class BzStream(ctypes.Structure):
    _fields_ = [("next_in", ctypes.c_void_p), ("avail_in", ctypes.c_uint), ("total_in_lo32", ctypes.c_uint),
                ("total_in_hi32", ctypes.c_uint), ("next_out", ctypes.c_void_p), ("avail_out", ctypes.c_uint),
                ("total_out_lo32", ctypes.c_uint), ("total_out_hi32", ctypes.c_uint), ("state", ctypes.c_void_p),
                ("bzalloc", ctypes.c_void_p), ("bzfree", ctypes.c_void_p), ("opaque", ctypes.c_void_p)]


def decode_bzip2(data):
    """libbz2 (BZ2_bzDecompress), keeping what it wrote before an error."""
    lib = BZ2.lib
    s = BzStream()
    assert lib.BZ2_bzDecompressInit(ctypes.byref(s), 0, 0) == 0
    src = ctypes.create_string_buffer(data, len(data))
    s.next_in, s.avail_in = ctypes.cast(src, ctypes.c_void_p), len(data)
    out, size = bytearray(), 1 << 16
    dst = ctypes.create_string_buffer(size)
    try:
        while True:
            s.next_out, s.avail_out = ctypes.cast(dst, ctypes.c_void_p), size
            status = lib.BZ2_bzDecompress(ctypes.byref(s))
            out += dst.raw[: size - s.avail_out]
            if status == 4:  # BZ_STREAM_END
                return bytes(out), False
            if status < 0:
                return bytes(out), True
            if s.avail_in == 0 and s.avail_out > 0:
                return bytes(out), True  # the input ended inside the stream
    finally:
        lib.BZ2_bzDecompressEnd(ctypes.byref(s))


class LzmaStream(ctypes.Structure):
    # The leading fields of lzma_stream; the rest (reserved) is padding, zeroed as LZMA_STREAM_INIT.
    _fields_ = [("next_in", ctypes.c_void_p), ("avail_in", ctypes.c_size_t), ("total_in", ctypes.c_uint64),
                ("next_out", ctypes.c_void_p), ("avail_out", ctypes.c_size_t), ("total_out", ctypes.c_uint64),
                ("rest", ctypes.c_byte * 256)]


def decode_xz(data):
    """liblzma (lzma_code on an .xz stream), keeping what it wrote before an error."""
    lib = LZMA.lib
    s = LzmaStream()
    assert lib.lzma_stream_decoder(ctypes.byref(s), ctypes.c_uint64(2**64 - 1), ctypes.c_uint32(0)) == 0
    src = ctypes.create_string_buffer(data, len(data))
    s.next_in, s.avail_in = ctypes.cast(src, ctypes.c_void_p), len(data)
    out, size = bytearray(), 1 << 16
    dst = ctypes.create_string_buffer(size)
    try:
        while True:
            s.next_out, s.avail_out = ctypes.cast(dst, ctypes.c_void_p), size
            status = lib.lzma_code(ctypes.byref(s), 3)  # LZMA_FINISH: all the input is there
            out += dst.raw[: size - s.avail_out]
            if status == 1:  # LZMA_STREAM_END
                return bytes(out), False
            if status != 0:  # an error, or LZMA_BUF_ERROR: the input ended inside the stream
                return bytes(out), True
    finally:
        lib.lzma_end(ctypes.byref(s))


class ZstdBuffer(ctypes.Structure):
    _fields_ = [("buffer", ctypes.c_void_p), ("size", ctypes.c_size_t), ("pos", ctypes.c_size_t)]


def decode_zstd(data):
    """libzstd (ZSTD_decompressStream), keeping what it wrote before an error."""
    lib = ZSTD.lib
    lib.ZSTD_createDStream.restype = ctypes.c_void_p
    lib.ZSTD_decompressStream.restype = ctypes.c_size_t
    lib.ZSTD_isError.argtypes = [ctypes.c_size_t]
    stream = ctypes.c_void_p(lib.ZSTD_createDStream())
    lib.ZSTD_initDStream(stream)
    src = ctypes.create_string_buffer(data, len(data))
    inb = ZstdBuffer(ctypes.cast(src, ctypes.c_void_p), len(data), 0)
    out, size = bytearray(), 1 << 17
    dst = ctypes.create_string_buffer(size)
    try:
        while True:
            outb = ZstdBuffer(ctypes.cast(dst, ctypes.c_void_p), size, 0)
            hint = lib.ZSTD_decompressStream(stream, ctypes.byref(outb), ctypes.byref(inb))
            out += dst.raw[: outb.pos]
            if lib.ZSTD_isError(hint):
                return bytes(out), True
            if hint == 0 and inb.pos == len(data):
                return bytes(out), False  # the frame ended with the input
            if inb.pos == len(data) and outb.pos < size:
                return bytes(out), True  # the input ended inside the frame
    finally:
        lib.ZSTD_freeDStream(stream)


def compress(codec, data):
    if codec == "none":
        return data
    if codec in ("gzip", "tar.gz"):
        return gzip.compress(tar_member(data) if codec == "tar.gz" else data, compresslevel=6, mtime=0)
    if codec == "bzip2":
        import bz2
        return bz2.compress(data, 1)
    if codec == "xz":
        import lzma
        return lzma.compress(data, preset=6)
    if codec == "zstd":
        import subprocess
        return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, capture_output=True, check=True).stdout
    raise ValueError(codec)


def decode(codec, blob):
    """What the codec decodes of `blob`: (the stream's bytes, broke)."""
    if codec == "none":
        return blob, False
    decoded, broke = {"gzip": inflate_gzip, "tar.gz": inflate_gzip, "bzip2": decode_bzip2, "xz": decode_xz,
                      "zstd": decode_zstd}[codec](blob)
    return decoded, broke


EXTENSIONS = {"none": "json", "gzip": "json.gz", "tar.gz": "tar.gz", "bzip2": "json.bz2", "xz": "json.xz",
              "zstd": "json.zst"}


def available_codecs():
    codecs, missing = ["none", "gzip", "tar.gz"], {}
    for codec, lib in (("bzip2", BZ2), ("xz", LZMA), ("zstd", ZSTD)):
        if lib.lib is None:
            missing[codec] = lib.error
        else:
            codecs.append(codec)
    if "zstd" in codecs and not __import__("shutil").which("zstd"):
        codecs.remove("zstd")
        missing["zstd"] = "the zstd command is missing (it writes the test files)"
    return codecs, missing


# MARK: The reference's verdict


EVENT_KEYS = ("event_type", "event_timestamp", "eventTime", "eventName", "eventTimestamp")


def verdict(stream, codec, blob):
    """Which records survive `blob`: (kept ids, broke, content, decidable)."""
    decoded, broke = decode(codec, blob)
    # NUL bytes that end a stream are padding (an intact stream never ends with them).
    content = decoded.rstrip(b"\0") if codec == "none" else decoded
    if codec == "tar.gz":
        original_header = tar_member(stream.data)[:TAR_HEADER]
        if decoded[:TAR_HEADER] != original_header[: len(decoded[:TAR_HEADER])]:
            return [], broke, b"", len(decoded) == 0  # a damaged tar header: not decidable
        content = decoded[TAR_HEADER:TAR_HEADER + len(stream.data)]
    if stream.framing == "cloudtrail":
        # A Records file cut before its end was cut short: authstats marks it partial (its whole
        # records kept). Whole: it ends `]}`.
        end = content.rstrip()
        closed = end.endswith(b"}") and end[:-1].rstrip().endswith(b"]")
        broke = broke or not closed
    else:
        # A stream of records cut inside one (what is left the original's bytes up to the cut):
        # authstats marks it partial too (since 2026-12-07; it was `ok` with the cut record
        # rejected), as a compressed file cut anywhere, its whole records kept.
        cut = len(content)
        if stream.data[:cut] == content and any(start < cut < end for _, start, end in stream.spans):
            broke = True
    kept, covered = [], []
    for rid, start, end in stream.spans:
        if end <= len(content) and content[start:end] == stream.data[start:end]:
            kept.append(rid)
            covered.append((start, end))
    return kept, broke, content, garbage_is_inert(content, stream, covered)


def garbage_is_inert(content, stream, covered):
    """True when no damaged byte can make a record: Python's json reads no event record, and
    no value that runs into an intact record, from any `{` or `[` outside the intact records."""
    regions, last = [], 0
    for start, end in covered:
        if start > last:
            regions.append((last, start))
        last = end
    if last < len(content):
        regions.append((last, len(content)))
    text = content.decode("latin-1")  # one character per byte, so offsets stay byte offsets
    decoder = json.JSONDecoder()
    for start, end in regions:
        # Bytes equal to the original stream's at the same place are not damage (separators,
        # envelope, or the clean start of a cut record).
        if content[start:end] == stream.data[start:end]:
            continue
        for i in range(start, end):
            if text[i] not in "{[":
                continue
            try:
                value, stop = decoder.raw_decode(text, i)
            except ValueError:
                continue
            if stop > end or (isinstance(value, dict) and any(k in value for k in EVENT_KEYS)):
                return False
    return True


# MARK: Cases


def make_cases(out, seed):
    rng = random.Random(seed)
    codecs, missing = available_codecs()
    inputs = os.path.join(out, "inputs")
    os.makedirs(inputs, exist_ok=True)
    cases, rerolled, number = [], 0, 0
    base_ms = 1_704_067_200_000  # 2024-01-01T00:00:00Z
    plan = []
    for codec in codecs:
        for framing in FRAMINGS:
            damages = [("intact", None), ("leading-bom", None), ("truncate", "start"), ("truncate", "middle"),
                       ("truncate", "end")] + [("junk", kind) for kind in JUNK]
            if codec != "none":
                damages += [("flip", "a"), ("flip", "b")]
            plan += [(codec, framing, damage, detail) for damage, detail in damages]
    # The zero-fill cases come last and draw from a generator of their own: the cases before
    # them are the ones each seed gave before they were added.
    if "none" in codecs:
        plan += [("none", framing, "zero-fill", detail) for framing in FRAMINGS for detail in ("start", "middle", "end")]
    main_rng, zero_rng = rng, random.Random(seed * 7919 + 1)
    for codec, framing, damage, detail in plan:
        rng = zero_rng if damage == "zero-fill" else main_rng
        number += 1
        tag = "c%03d" % number
        make = cloudtrail_record if framing == "cloudtrail" else pinpoint_record
        start_ms = base_ms + number * 43_200_000  # half a day apart: each case on its days
        records = [("%sr%04d" % (tag, i), make(rng, "%sr%04d" % (tag, i), start_ms + i * 60_000))
                   for i in range(RECORDS)]
        junk, junk_after = None, None
        if damage == "junk":
            junk_after = rng.randint(0, RECORDS - 2)
            junk = junk_bytes(detail, framing, rng, make(rng, tag + "j0000", start_ms))
        stream = Stream(framing, records, junk, junk_after, BOM if damage == "leading-bom" else b"")
        blob = compress(codec, stream.data)
        check_reference(codec, stream, blob)
        case = {"file": "%s-%s-%s-%s%s.%s" % (tag, codec.replace(".", ""), framing, damage,
                                             "-" + detail if detail else "", EXTENSIONS[codec]),
                "prefix": tag, "codec": codec, "framing": framing, "damage": damage, "detail": detail,
                "records": RECORDS, "member": "records.json" if codec == "tar.gz" else None}
        if damage in ("truncate", "zero-fill"):
            low, high = {"start": (0.0, 0.1), "middle": (0.3, 0.7), "end": (0.97, 1.0)}[detail]
            cut = min(len(blob) - 1, max(1, int(len(blob) * rng.uniform(low, high))))
            if detail == "end" and rng.random() < 0.5:
                cut = len(blob) - 1  # cut by one byte
            case["detail"] = "%s: cut at byte %d of %d" % (detail, cut, len(blob))
            blob = blob[:cut]
            if damage == "zero-fill":
                zeros = rng.choice([1, 7, 512, rng.randint(2, 70_000)])
                case["detail"] += ", then %d NUL bytes" % zeros
                blob += b"\0" * zeros
        elif damage == "flip":
            blob, where, tries = flip_decidably(rng, stream, codec, blob)
            rerolled += tries
            case["detail"] = "byte %d xor 0x%02x" % where
        kept, broke, content, decidable = verdict(stream, codec, blob)
        assert decidable or damage == "flip", case
        if codec == "tar.gz" and len(decode(codec, blob)[0]) < TAR_HEADER:
            case["member"] = None  # cut inside the member's header: no member name was read
        case.update(kept=kept, broke=broke)
        # Bytes that must show up in a reject's `raw`: junk (not a BOM, which may be read
        # as an encoding mark, nor a comma, which may be read as a separator, nor NULs) and, when
        # the stream did not break, a cut record.
        needles = []
        if damage == "junk" and detail not in ("bom", "comma", "nul"):
            needles.append(junk.strip(b",\n").decode())
        # A run of NUL bytes between records is padding (what copytruncate leaves): a
        # skip with its reason, not a reject.
        case["padding"] = (damage == "junk" and detail == "nul") or damage == "zero-fill"
        if damage in ("truncate", "zero-fill") and not broke and codec == "none":
            tail = cut_record(stream, len(content))
            if tail:
                needles.append(tail.decode())
        case["reject_contains"] = needles
        if damage == "flip":
            # Decoded garbage often copies text of earlier records (ids included), so a
            # reject is checked against the whole text of each kept record instead.
            spans = {rid: (start, end) for rid, start, end in stream.spans}
            case["kept_records"] = [stream.data[slice(*spans[rid])].decode() for rid in kept]
        with open(os.path.join(inputs, case["file"]), "wb") as f:
            f.write(blob)
        cases.append(case)
    return {"seed": seed, "cases": cases, "rerolled_flips": rerolled, "codecs": codecs,
            "missing_codecs": missing}


def check_reference(codec, stream, blob):
    """The reference decodes the undamaged file to exactly the stream (else it is wrong)."""
    kept, broke, content, decidable = verdict(stream, codec, blob)
    assert not broke and decidable and kept == [rid for rid, _, _ in stream.spans], (codec, stream.framing)


def cut_record(stream, length):
    """The bytes of the record that `length` cuts, if it cuts one (not counting whitespace)."""
    for rid, start, end in stream.spans:
        if start < length < end:
            return stream.data[start:length]
    return b""


def flip_decidably(rng, stream, codec, blob):
    """A copy of `blob` with one byte changed, at the first position (from a random one) whose
    effect the reference decides exactly: the codec notices (or nothing changes) and the
    garbage cannot make a record. Returns the blob, (position, mask) and positions passed over."""
    position = rng.randrange(len(blob))
    for tries in range(len(blob)):
        at = (position + tries * 7919) % len(blob)
        mask = 1 << rng.randrange(8)
        damaged = bytearray(blob)
        damaged[at] ^= mask
        damaged = bytes(damaged)
        kept, broke, content, decidable = verdict(stream, codec, damaged)
        unchanged = not broke and content == stream.data
        if decidable and (broke or unchanged):
            return damaged, (at, mask), tries
    raise RuntimeError("no decidable flip in %s" % codec)


def main():
    args = sys.argv[1:]
    seed = 11
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    out = args[0]
    expected = make_cases(out, seed)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    for codec, reason in expected["missing_codecs"].items():
        print("WARNING: no %s cases: %s" % (codec, reason), file=sys.stderr)
    print("%d cases, %d flip positions passed over as undecidable" % (len(expected["cases"]), expected["rerolled_flips"]))


if __name__ == "__main__":
    main()
