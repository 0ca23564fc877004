import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsCore
@testable import AuthStatsIngest

/// Issue 11, defect 3: records decoded before damage were lost for bzip2, xz, zstd and archive
/// members (libarchive's `archive_read_data` dropped up to 1 MiB it had already copied, and its
/// filters the block they were filling).
@Suite("Damaged compressed streams keep every record decoded before the damage (issue 11, defect 3)")
struct DamagedStreamTests {
    /// 2,328 page views, each with 256 random hex digits: real exports compress about 10:1,
    /// not 100:1, so that a tenth of the file holds several of each codec's blocks.
    static let lines: [String] = {
        var random = SeededRandom(seed: 11)
        return TestFiles.pageViews(2328, users: 2328).map { line in
            let pad = (0..<32).map { _ in String(format: "%08x", UInt32(truncatingIfNeeded: random.next())) }.joined()
            return "{\"pad\":\"\(pad)\"," + line.dropFirst()
        }
    }()

    /// `lines` as a file's text, one per line.
    static func text(_ lines: some Sequence<String>) -> String { lines.joined(separator: "\n") + "\n" }

    /// Each codec's command, and the reference reader of a damaged stream: Python's own codec
    /// (every byte it can decode) or, for zstd, the zstd tool.
    static let codecs: [(name: String, compress: String, reference: String)] = [
        ("xz", "xz -c", "python3 -c 'import lzma,sys; d=lzma.LZMADecompressor(); sys.stdout.buffer.write(d.decompress(sys.stdin.buffer.read()))'"),
        ("bzip2", "bzip2 -1 -c", "python3 -c 'import bz2,sys; d=bz2.BZ2Decompressor(); sys.stdout.buffer.write(d.decompress(sys.stdin.buffer.read()))'"),
        ("zstd", "zstd -q -c", "zstd -q -dc"),
        ("gzip", "gzip -c", "python3 -c 'import zlib,sys; d=zlib.decompressobj(31); sys.stdout.buffer.write(d.decompress(sys.stdin.buffer.read()))'"),
    ]

    /// The log compressed with `compress` and cut to `keep` bytes (negative: that many fewer).
    static func damaged(_ compress: String, keep: (Int) -> Int) throws -> String {
        let folder = CLI.temporaryFolder()
        let plain = folder.appendingPathComponent("log.ndjson").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: plain, atomically: true, encoding: .utf8)
        let whole = try Shell.output("\(compress) < '\(plain)'")
        let cut = folder.appendingPathComponent("cut").path
        try Data(whole.prefix(keep(whole.count))).write(to: URL(fileURLWithPath: cut))
        return cut
    }

    @Test("cut by one byte: every record is kept, the input is partial", arguments: codecs.map(\.name))
    func cutByOneByte(codec: String) throws {
        let spec = Self.codecs.first { $0.name == codec }!
        let cut = try Self.damaged(spec.compress) { $0 - 1 }
        let run = FileRun([cut])
        let input = try #require(run.inputs.first)
        #expect(run.inputs.count == 1)
        #expect(input.compression == codec)
        #expect(input.status == .partial)
        #expect(input.events == 2328)  // the damage lies in the trailer, after every record
        #expect(input.rejected == 0)
        #expect(input.error?.hasPrefix("truncated \(codec) input: the file ends inside a compressed stream") == true)
    }

    @Test("cut to 10%: partial, with exactly the whole records the reference decoder recovers", arguments: codecs.map(\.name))
    func cutToTenPercent(codec: String) throws {
        let spec = Self.codecs.first { $0.name == codec }!
        // zstd hands out whole blocks of up to 128 KiB: a tenth of this file lies inside the
        // first one (the zstd tool recovers nothing from it either), so it is cut at 30%.
        let cut = try Self.damaged(spec.compress) { codec == "zstd" ? $0 * 3 / 10 : $0 / 10 }
        let recovered = try Shell.output("\(spec.reference) < '\(cut)' 2>/dev/null || true")
        let whole = recovered.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast().count
        #expect(whole > 100, "the reference decoder recovers records from the first 10%")
        let run = FileRun([cut])
        let input = try #require(run.inputs.first)
        #expect(input.status == .partial)
        #expect(input.events == whole)
        // The record the damage cut in two is the one reject; nothing else is lost.
        #expect(input.rejected == (recovered.last == UInt8(ascii: "\n") ? 0 : 1))
        #expect(input.records == input.events + input.rejected)
    }

    @Test("a zstd frame whose checksum fails: the bytes given to the failing call are named, the blocks before it kept")
    func zstdChecksum() throws {
        let folder = CLI.temporaryFolder()
        let plain = folder.appendingPathComponent("log.ndjson").path
        try Self.text(Self.lines).write(toFile: plain, atomically: true, encoding: .utf8)
        var bytes = [UInt8](try Shell.output("zstd -q -c --check < '\(plain)'"))
        bytes[bytes.count - 1] ^= 0xFF  // the frame's checksum, its last 4 bytes
        let path = folder.appendingPathComponent("log.ndjson.zst").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let run = FileRun([path])
        let input = try #require(run.inputs.first)
        #expect(input.status == .partial)
        // Until 2026-12-05: "at compressed byte 0", where the failed call began by libzstd's count.
        #expect(input.error?.hasPrefix("corrupt zstd data in compressed bytes ") == true, "\(input.error ?? "")")
        #expect(input.error?.hasSuffix("(the decoded block there is lost): Restored data doesn't match checksum") == true, "\(input.error ?? "")")
        // The blocks before the last (128 KiB each) are kept, and the record cut at the lost
        // block's start is the one reject.
        #expect(input.events > 1000 && input.events < 2328, "\(input.events)")
        #expect(input.rejected <= 1)
    }

    @Test("decoding on a second thread (one file, two jobs) reads the same as inline, whole or cut", arguments: codecs.map(\.name))
    func pipelined(codec: String) throws {
        let spec = Self.codecs.first { $0.name == codec }!
        for keep in [{ (n: Int) in n }, { (n: Int) in n / 2 }] {
            let path = try Self.damaged(spec.compress, keep: keep)
            let pipelined = FileRun([path], jobs: 2)
            let inline = FileRun([path], jobs: 1)
            #expect(pipelined.inputs == inline.inputs)
            #expect(pipelined.rejects == inline.rejects)
            #expect(pipelined.csv == inline.csv)
            #expect(inline.inputs.first?.events ?? 0 > 1000)
        }
    }

    @Test("a .tar.gz missing its last 10 bytes keeps its members' records; no ghost input")
    func tarGzipMissingTrailer() throws {
        let folder = CLI.temporaryFolder()
        let content = folder.appendingPathComponent("content")
        try FileManager.default.createDirectory(at: content.appendingPathComponent("d"), withIntermediateDirectories: true)
        try (Self.lines.joined(separator: "\n") + "\n").write(
            to: content.appendingPathComponent("d/a.ndjson"), atomically: true, encoding: .utf8)
        let bundle = folder.appendingPathComponent("bundle.tar.gz").path
        _ = try Shell.output("tar czf '\(bundle)' -C '\(content.path)' d")
        let whole = try Data(contentsOf: URL(fileURLWithPath: bundle))
        let cut = folder.appendingPathComponent("cut.tar.gz").path
        try whole.prefix(whole.count - 10).write(to: URL(fileURLWithPath: cut))
        let run = FileRun([cut])
        // GNU tar extracts the member whole (then fails on the gzip trailer): so does authstats.
        #expect(run.inputs.map(\.member) == ["d/a.ndjson"])
        let member = try #require(run.inputs.first)
        #expect(member.events == 2328)
        #expect(member.rejected == 0)
        #expect(member.container == "tar+gzip")
        #expect(member.status == .partial)
        #expect(member.error?.hasPrefix("the archive breaks after this member: truncated gzip input") == true)
    }

    @Test("a .tar.xz cut inside its member keeps the member's records before the cut")
    func tarXzCutInsideMember() throws {
        let folder = CLI.temporaryFolder()
        let content = folder.appendingPathComponent("content")
        try FileManager.default.createDirectory(at: content, withIntermediateDirectories: true)
        let plain = content.appendingPathComponent("a.ndjson")
        try (Self.lines.joined(separator: "\n") + "\n").write(to: plain, atomically: true, encoding: .utf8)
        let bundle = folder.appendingPathComponent("bundle.tar.xz").path
        _ = try Shell.output("tar cJf '\(bundle)' -C '\(content.path)' a.ndjson")
        let whole = try Data(contentsOf: URL(fileURLWithPath: bundle))
        let cut = folder.appendingPathComponent("cut.tar.xz").path
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: cut))
        // The reference: Python's lzma decodes the cut stream; the member's data starts after
        // one 512-byte tar header.
        let recovered = try Shell.output(
            "python3 -c 'import lzma,sys; sys.stdout.buffer.write(lzma.LZMADecompressor().decompress(sys.stdin.buffer.read())[512:])' < '\(cut)'")
        let wholeLines = recovered.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast().count
        let run = FileRun([cut])
        #expect(run.inputs.map(\.member) == ["a.ndjson"])
        let member = try #require(run.inputs.first)
        #expect(member.status == .partial)
        #expect(member.events == wholeLines)
        #expect(member.events > 1000)
        #expect(member.error?.hasPrefix("truncated xz input") == true)
    }

    @Test("a tar with one damaged member header: the others are read, the loss reported once (as GNU tar)")
    func tarDamagedHeader() throws {
        let folder = CLI.temporaryFolder()
        let content = folder.appendingPathComponent("content")
        try FileManager.default.createDirectory(at: content, withIntermediateDirectories: true)
        for (name, count) in [("1.ndjson", 100), ("2.ndjson", 50), ("3.ndjson", 100)] {
            let start = name == "3.ndjson" ? 200 : 0  // 3 holds other records than 1
            try (Self.lines[start..<start + count].joined(separator: "\n") + "\n").write(
                to: content.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let tar = folder.appendingPathComponent("bundle.tar").path
        _ = try Shell.output("tar cf '\(tar)' -C '\(content.path)' 1.ndjson 2.ndjson 3.ndjson")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tar)))
        let header = try #require((0..<(bytes.count / 512)).first { Array(bytes[$0 * 512..<$0 * 512 + 9]) == Array("2.ndjson\0".utf8) })
        bytes.replaceSubrange(header * 512 + 148..<header * 512 + 156, with: Array("0000000\0".utf8))  // a wrong checksum
        try Data(bytes).write(to: URL(fileURLWithPath: tar))
        let run = FileRun([tar])
        #expect(run.inputs.map(\.member) == ["1.ndjson", nil, "3.ndjson"])
        #expect(run.inputs.map(\.events) == [100, 0, 100])
        #expect(run.inputs.map(\.status) == [.ok, .failed, .ok])
        #expect(run.inputs[1].error?.hasPrefix("damaged archive: ") == true)
        #expect(run.inputs[1].error?.contains("after member 1.ndjson skipped (Damaged tar archive)") == true)
    }

    @Test("a zip member whose data is damaged is partial, with libarchive's reason on one line")
    func zipDamagedMember() throws {
        let folder = CLI.temporaryFolder()
        try (Self.lines.joined(separator: "\n") + "\n").write(
            to: folder.appendingPathComponent("log.ndjson"), atomically: true, encoding: .utf8)
        let zip = folder.appendingPathComponent("bundle.zip").path
        _ = try Shell.output("cd '\(folder.path)' && zip -q bundle.zip log.ndjson")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: zip)))
        for i in (bytes.count / 2)..<(bytes.count / 2 + 32) { bytes[i] ^= 0x55 }
        try Data(bytes).write(to: URL(fileURLWithPath: zip))
        let run = FileRun([zip])
        let member = try #require(run.inputs.first)
        #expect(run.inputs.count == 1)
        #expect(member.status == .partial)
        #expect(member.events > 500)
        let error = try #require(member.error)
        #expect(!error.isEmpty && !error.hasSuffix("\n"))
    }

    @Test("a zip member whose local header is damaged is not lost silently: the central directory's count names the loss")
    func zipDamagedLocalHeader() throws {
        let zip = try Shell.zip(
            [("a.ndjson", Self.text(Self.lines.prefix(5))), ("b.ndjson", Self.text(Self.lines.dropFirst(5).prefix(100))),
             ("c.ndjson", Self.text(Self.lines.suffix(5)))],
            in: CLI.temporaryFolder(), comment: "made by a test")
        let whole = FileRun([zip])
        #expect(whole.inputs.map(\.status) == [.ok, .ok, .ok])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: zip)))
        // b.ndjson's local header signature (PK\3\4), the second one in the file.
        let headers = Shell.offsets(of: [0x50, 0x4B, 0x03, 0x04], in: bytes)
        #expect(headers.count == 3)
        bytes.replaceSubrange(headers[1]..<headers[1] + 2, with: Array("XX".utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: zip))
        let run = FileRun([zip])
        #expect(run.inputs.map(\.member) == ["a.ndjson", "c.ndjson", nil])
        #expect(run.inputs.map(\.events) == [5, 5, 0])
        #expect(run.inputs.map(\.status) == [.ok, .ok, .failed])
        #expect(run.inputs.last?.error?.hasPrefix("damaged archive: the zip's central directory lists 3 entries, its body gave 2: 1 lost") == true)
    }

    @Test("a zip cut between two members: the first member's records, and why the archive broke")
    func zipCutBetweenMembers() throws {
        let zip = try Shell.zip(
            [("a.ndjson", Self.text(Self.lines.prefix(5))), ("b.ndjson", Self.text(Self.lines.suffix(5)))], in: CLI.temporaryFolder())
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: zip)))
        let second = try #require(Shell.offsets(of: [0x50, 0x4B, 0x03, 0x04], in: bytes).dropFirst().first)
        try Data(bytes[..<second]).write(to: URL(fileURLWithPath: zip))
        let run = FileRun([zip])
        #expect(run.inputs.map(\.member) == ["a.ndjson"])
        #expect(run.inputs.map(\.events) == [5])
        #expect(run.inputs.map(\.status) == [.partial])
        #expect(run.inputs.first?.error?.contains("the data ends early") == true, "\(run.inputs.first?.error ?? "")")
    }

    @Test("a zip's end record: its entry count, after a comment, through the zip64 end record, and only where its directory ends at it")
    func zipEndRecord() {
        func le(_ value: UInt64, _ bytes: Int) -> [UInt8] { (0..<bytes).map { UInt8((value >> (8 * UInt64($0))) & 0xFF) } }
        /// An end record whose central directory (of `size` bytes at `offset`) ends at `offset + size`.
        func end(entries: UInt16, comment: [UInt8], offset: UInt64 = 1000, size: UInt64 = 0) -> [UInt8] {
            [0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0] + le(UInt64(entries), 2) + le(UInt64(entries), 2)
                + le(size, 4) + le(offset, 4) + le(UInt64(comment.count), 2) + comment
        }
        func count(_ tail: [UInt8], length: Int? = nil) -> UInt64? { ZipEndRecord.entryCount(tail: tail, length: length ?? tail.count) }
        let body = [UInt8](repeating: 0x41, count: 1000)
        #expect(count(body + end(entries: 3, comment: [])) == 3)
        #expect(count(body + end(entries: 3, comment: [], offset: 900, size: 100)) == 3)
        // A comment that holds an end record's signature itself: the record whose comment ends the tail.
        let tricky = Array("PK\u{5}\u{6} a comment".utf8)
        #expect(count(body + end(entries: 7, comment: tricky)) == 7)
        #expect(count(body) == nil)
        #expect(count(Array(end(entries: 3, comment: []).dropLast())) == nil)
        // Bytes before the zip (two zips end to end, a self-extracting stub): the directory does
        // not end at the record, so there is no count to check the body's entries against.
        #expect(count(body + end(entries: 3, comment: [], offset: 400, size: 100)) == nil)
        #expect(count(body + end(entries: 3, comment: []), length: 5000) == nil)
        // Zip64: 70,000 entries in the zip64 end record, 0xFFFF in the end record.
        var record = [UInt8](repeating: 0, count: 56)
        record.replaceSubrange(0..<4, with: [0x50, 0x4B, 0x06, 0x06])
        record.replaceSubrange(32..<40, with: le(70_000, 8))
        record.replaceSubrange(40..<48, with: le(200, 8))  // the directory's size
        record.replaceSubrange(48..<56, with: le(800, 8))  // its offset: it ends at 1000, where the record begins
        var locator = [UInt8](repeating: 0, count: 20)
        locator.replaceSubrange(0..<4, with: [0x50, 0x4B, 0x06, 0x07])
        let zip64 = end(entries: 0xFFFF, comment: [], offset: 0xFFFF_FFFF, size: 0xFFFF_FFFF)
        #expect(count(body + record + locator + zip64) == 70_000)
        #expect(count(body + zip64) == nil)
        // Both records with real values (Info-ZIP writing a stream, bsdtar): the zip64 one's
        // count, its directory ending where it begins (a review, 2026-12-07: the end record's
        // offset, 76 bytes short of it, made the whole zip partial).
        var real = record
        real.replaceSubrange(4..<12, with: le(44, 8))
        real.replaceSubrange(32..<40, with: le(3, 8))
        #expect(count(body + real + locator + end(entries: 3, comment: [], offset: 800, size: 200)) == 3)
        // A zip64 record with extensible data after its 56 bytes.
        var longer = real + [1, 2, 3, 4]
        longer.replaceSubrange(4..<12, with: le(48, 8))
        #expect(count(body + longer + locator + end(entries: 3, comment: [], offset: 800, size: 200)) == 3)
        // A forged zip64 record whose offset and size overflow when added: no count, no trap.
        var forged = real
        forged.replaceSubrange(40..<48, with: le(UInt64.max, 8))
        forged.replaceSubrange(48..<56, with: le(UInt64.max, 8))
        #expect(count(body + forged + locator + end(entries: 3, comment: [])) == nil)
        #expect(ZipEndRecord.problem(tail: body + forged + locator + end(entries: 3, comment: []), length: 1098) != nil)
        // 0xFFFF entries and no zip64 record (Python's zipfile): a count like any other.
        #expect(count(body + end(entries: 0xFFFF, comment: [])) == 0xFFFF)
        // What is wrong with an end, if anything.
        #expect(ZipEndRecord.problem(tail: body + end(entries: 3, comment: []), length: 1022) == nil)
        #expect(ZipEndRecord.problem(tail: body + real + locator + end(entries: 3, comment: [], offset: 800, size: 200), length: 1098) == nil)
        #expect(ZipEndRecord.problem(tail: body, length: 1000)?.contains("the zip does not end with its end record") == true)
        #expect(ZipEndRecord.problem(tail: body + end(entries: 3, comment: []), length: 5022)?.contains("does not match where it lies") == true)
    }

    @Test("zips other tools write read whole: Info-ZIP from a stream (zip64 end records with real values), 65,535 entries without zip64, bsdtar")
    func zipsOfOtherTools() throws {
        let folder = CLI.temporaryFolder("zip-tools")
        let text = Self.text(Self.lines.prefix(5))
        try text.write(to: folder.appendingPathComponent("a.ndjson"), atomically: true, encoding: .utf8)
        var made = ["streamed.zip"]
        _ = try Shell.output("cd '\(folder.path)' && cat a.ndjson | zip -q streamed.zip -")
        _ = try Shell.output(
            "cd '\(folder.path)' && python3 -c 'import zipfile; z=zipfile.ZipFile(\"many.zip\",\"w\"); z.write(\"a.ndjson\"); "
                + "[z.writestr(\"%05x/\" % i, b\"\") for i in range(65534)]; z.close()'")
        made.append("many.zip")
        if (try? Shell.output("command -v bsdtar")) != nil {
            _ = try Shell.output("cd '\(folder.path)' && bsdtar --format zip --options zip:zip64 -cf bsd64.zip a.ndjson")
            made.append("bsd64.zip")
        }
        for name in made {
            let run = FileRun([folder.appendingPathComponent(name).path])
            #expect(run.inputs.allSatisfy { $0.status == .ok }, "\(name): \(run.inputs.map { "\($0.member ?? "-") \($0.status) \($0.error ?? "")" })")
            #expect(run.inputs.reduce(0) { $0 + $1.events } == 5, "\(name)")
        }
    }

    @Test("NUL bytes after a gzip member are padding, not damage")
    func gzipTrailingNULs() throws {
        let folder = CLI.temporaryFolder()
        let path = folder.appendingPathComponent("padded.gz").path
        try TestFiles.gzip(Array(Self.lines.prefix(100)), to: path)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(count: 1000))
        try handle.close()
        let run = FileRun([path])
        #expect(run.inputs.map(\.status) == [.ok])
        #expect(run.inputs.map(\.events) == [100])
        #expect(run.inputs.first?.error == nil)
    }
}

extension DamagedStreamTests {
    /// Until 2026-12-05 bytes after the last frame of a stream that libarchive's filters decode
    /// (lz4 here) were passed over in silence; `lz4 -d` fails on them.
    @Test("bytes after an lz4 stream: junk makes the input partial, naming where the filter stopped; NUL padding passes", arguments: [
        (Data("GARBAGE after the frame\n".utf8), 4), (Data("XY".utf8), 0), (Data(count: 3000), nil), (Data(count: 3000) + Data("Z".utf8), 4),
    ])
    func lz4Trailing(after: Data, past: Int?) throws {
        let folder = CLI.temporaryFolder()
        let plain = folder.appendingPathComponent("log.ndjson").path
        try Self.text(Self.lines.prefix(300)).write(toFile: plain, atomically: true, encoding: .utf8)
        let stream = try Shell.output("lz4 -q -c < '\(plain)'")
        for (name, bytes) in [("frames.lz4", stream), ("two-frames.lz4", stream + stream)] {
            let path = folder.appendingPathComponent(name).path
            try (bytes + after).write(to: URL(fileURLWithPath: path))
            let run = FileRun([path])
            let records = name == "frames.lz4" ? 300 : 600
            #expect(run.inputs.map(\.records) == [records], "\(name): every record before the end is read")
            if let past {
                #expect(run.inputs.map(\.status) == [.partial], "\(name)")
                #expect(run.inputs.first?.error == "unexpected data after the end of the lz4 stream (libarchive stopped at compressed byte \(bytes.count + past))", "\(name)")
            } else {
                #expect(run.inputs.map(\.status) == [.ok], "\(name)")
                #expect(run.inputs.first?.error == nil, "\(name)")
            }
        }
    }
}

extension DamagedStreamTests {
    /// Until 2026-12-05 an lz4 file cut under 11 bytes was read as text: one reject ("not
    /// JSON"), status ok, exit 0; cut longer, it failed as truncated.
    @Test("an lz4 file cut so short that libarchive declines it fails as truncated; text starting 'begin ' is still records")
    func shortLz4() throws {
        let folder = CLI.temporaryFolder()
        let plain = folder.appendingPathComponent("log.ndjson").path
        try Self.text(Self.lines.prefix(3)).write(toFile: plain, atomically: true, encoding: .utf8)
        let stream = try Shell.output("lz4 -q -c < '\(plain)'")
        let cut = folder.appendingPathComponent("cut.lz4").path
        try stream.prefix(8).write(to: URL(fileURLWithPath: cut))
        let run = FileRun([cut])
        #expect(run.inputs.map(\.status) == [.failed])
        #expect(run.inputs.first?.error == "truncated lz4 input: it starts with the lz4 magic number but is too short to be such a stream")
        let text = folder.appendingPathComponent("begin.txt").path
        try "begin of a note\n".write(toFile: text, atomically: true, encoding: .utf8)
        let words = FileRun([text])
        #expect(words.inputs.map(\.status) == [.ok] && words.inputs.map(\.records) == [1] && words.rejects.count == 1)
    }
}

extension DamagedStreamTests {
    /// Until 2026-12-05 junk after an xz stream was "corrupt xz data … invalid compressed data",
    /// after a zstd frame "Unknown frame descriptor": now each says what it is, where it starts.
    @Test("bytes after an xz, zstd or bzip2 stream: junk is named as such at its first byte; NUL padding and a second stream pass",
          arguments: ["xz -c", "zstd -q -c", "bzip2 -c"])
    func trailingAfterStreams(compress: String) throws {
        let folder = CLI.temporaryFolder()
        let plain = folder.appendingPathComponent("log.ndjson").path
        try Self.text(Self.lines.prefix(300)).write(toFile: plain, atomically: true, encoding: .utf8)
        let stream = try Shell.output("\(compress) < '\(plain)'")
        let name = String(compress.prefix { $0 != " " })
        for (label, bytes, junkAt) in [
            ("junk", stream + Data("GARBAGE after the stream\n".utf8), stream.count),
            ("padding", stream + Data(count: 1024), nil),
            ("two streams, then junk", stream + stream + Data("X".utf8), 2 * stream.count),
            ("padding, then junk", stream + Data(count: 8) + Data("JUNK".utf8), stream.count + 8),
        ] as [(String, Data, Int?)] {
            let path = folder.appendingPathComponent("\(name)-\(label).z").path
            try bytes.write(to: URL(fileURLWithPath: path))
            let run = FileRun([path])
            #expect(run.inputs.map(\.records) == [label.hasPrefix("two") ? 600 : 300], "\(name), \(label)")
            if let junkAt {
                #expect(run.inputs.map(\.status) == [.partial], "\(name), \(label)")
                #expect(
                    run.inputs.first?.error == "unexpected data after the end of the \(name) stream, at compressed byte \(junkAt) (no \(name) stream starts there)",
                    "\(name), \(label)")
            } else {
                #expect(run.inputs.map(\.status) == [.ok] && run.inputs.first?.error == nil, "\(name), \(label)")
            }
        }
        // A second stream cut after its first 8 bytes (its magic number whole) is a truncation.
        let cut = folder.appendingPathComponent("\(name)-cut-second.z").path
        try (stream + stream.prefix(8)).write(to: URL(fileURLWithPath: cut))
        let run = FileRun([cut])
        #expect(run.inputs.map(\.status) == [.partial] && run.inputs.map(\.records) == [300])
        #expect(run.inputs.first?.error?.hasPrefix("truncated \(name) input: the file ends inside a compressed stream") == true, "\(run.inputs.first?.error ?? "")")
    }
}

/// Runs shell commands (the real compression tools) for tests.
enum Shell {
    /// The standard output of `/bin/sh -c command`; throws when it exits non-zero.
    static func output(_ command: String, input: Data? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let out = Pipe()
        process.standardOutput = out
        if let input {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            try pipe.fileHandleForWriting.write(contentsOf: input)
            try pipe.fileHandleForWriting.close()
        } else {
            try process.run()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(command: command, status: process.terminationStatus) }
        return data
    }

    struct Failure: Error { var command: String; var status: Int32 }

    /// Writes `files` (name, text) into `folder` and `bundle.zip` of them, deflated, in that
    /// order, by Python's `zipfile` (another program's zip); returns the zip's path.
    static func zip(_ files: [(name: String, text: String)], in folder: URL, comment: String = "") throws -> String {
        for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let names = files.map { "\"\($0.name)\"" }.joined(separator: ",")
        _ = try output(
            "cd '\(folder.path)' && python3 -c 'import zipfile; z=zipfile.ZipFile(\"bundle.zip\",\"w\",zipfile.ZIP_DEFLATED); "
                + "[z.write(n) for n in (\(names),)]; z.comment=b\"\(comment)\"; z.close()'")
        return folder.appendingPathComponent("bundle.zip").path
    }

    /// Where the 4-byte `signature` (a zip's `PK\3\4`, `PK\1\2`, …) starts in `bytes`.
    static func offsets(of signature: [UInt8], in bytes: [UInt8]) -> [Int] {
        (0...(bytes.count - signature.count)).filter { bytes[$0..<$0 + signature.count].elementsEqual(signature) }
    }
}
