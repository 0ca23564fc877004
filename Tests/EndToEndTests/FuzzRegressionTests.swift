import AuthStatsCore
import AuthStatsTestSupport
import Foundation
import Testing

/// Faults the fuzz targets (`make fuzz`, Tests/Fuzz) found, each kept as a test (issue 11).
/// Inputs too long to write here are under Tests/Fuzz/Regressions.
@Suite("Fuzz findings (regressions)")
struct FuzzRegressionTests {
    static let regressions = CLI.packageRoot.appendingPathComponent("Tests/Fuzz/Regressions")

    /// The rejects of `file` in rejects.ndjson under `out`: (reason, raw).
    static func rejects(in out: URL, of file: String) throws -> [(reason: String, raw: String)] {
        let text = try String(contentsOf: out.appendingPathComponent("rejects.ndjson"), encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line in
            let reject = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            guard (reject["input"] as! String).hasSuffix(file) else { return nil }
            return (reject["reason"] as! String, reject["raw"] as! String)
        }
    }

    // MARK: FuzzIngest: a damaged gzip stream (ISA-L)

    /// What zlib decodes of gzip-invalid-lookback.gz before the damage (Python:
    /// `zlib.decompressobj(31)` fed a byte at a time): the start of a CloudTrail digest record,
    /// 186 bytes, cut where the stream asks for a distance further back than its start.
    static let decodedBeforeLookback =
        #"{"awsAccountId":"111122223333","digestStartTime":"2026-10-28T00:00:00Z","digestEndTime":"2026-10-28T01:00:00Z","digestS3Bucket":"trail-bucket","digestS3Object":"igesw0TSeDuck:udbepFb::Fs"#

    @Test("fuzz: a gzip stream broken by an invalid lookback distance yields only the bytes decoded before it")
    func gzipInvalidLookback() throws {
        let out = CLI.temporaryFolder()
        let file = Self.regressions.appendingPathComponent("gzip-invalid-lookback.gz").path
        let result = try CLI.run(["report", file, "--out", out.path, "--quiet"])
        #expect(result.status == 1)
        let rejects = try Self.rejects(in: out, of: "gzip-invalid-lookback.gz")
        #expect(rejects.count == 1)
        // Before the fix, 10 more bytes came after these: 8 that ISA-L never decoded ("\u{08}\u{01}\0…")
        // and 2 that were in the buffer before (from whatever was read earlier).
        #expect(rejects.first?.raw == Self.decodedBeforeLookback, "\(rejects.first?.raw.debugDescription ?? "no reject")")
    }

    @Test("fuzz: what a damaged gzip yields does not depend on the file read before it (no stale buffer bytes)")
    func gzipStaleBytes() throws {
        let folder = CLI.temporaryFolder()
        // Read first (sorted order) by the one worker: it leaves its bytes in the pooled buffer.
        try TestFiles.gzip(
            [#"{"event_type":"x","event_timestamp":1793750327993,"pad":""# + String(repeating: "Q", count: 3_000_000) + "\"}"],
            to: folder.appendingPathComponent("a-filler.json.gz").path)
        try FileManager.default.copyItem(
            at: Self.regressions.appendingPathComponent("gzip-invalid-lookback.gz"),
            to: folder.appendingPathComponent("b-damaged.gz"))
        let out = CLI.temporaryFolder()
        _ = try CLI.run(["report", folder.path, "--out", out.path, "--quiet", "--jobs", "1"])
        let rejects = try Self.rejects(in: out, of: "b-damaged.gz")
        #expect(rejects.map(\.raw) == [Self.decodedBeforeLookback], "bytes of the file read before: \(rejects.first?.raw.suffix(20).debugDescription ?? "no reject")")
    }

    // MARK: FuzzAnalysis: the user-CSV sniff and where the stream was cut

    /// A CloudWatch Logs export line of a Cognito activity record whose user name happens to be
    /// `cognito:username`.
    static let cloudWatchLine =
        #"2026-10-28T10:28:46.022Z {"eventTimestamp":"1793183326022","eventSource":"USER_ACTIVITY","message":{"eventType":"SignIn","eventResponse":"Pass","userSub":"u1","userName":"cognito:username"}}"#
        + "\n"

    @Test(
        "fuzz: a CloudWatch export line that mentions cognito:username is a record, not a user CSV, however it is cut",
        arguments: [1 << 20, 7, 1])
    func cloudWatchLineIsNoCSV(chunkSize: Int) {
        let run = InMemoryRun([("activity.log", Array(Self.cloudWatchLine.utf8))], chunkSize: chunkSize)
        // Before the fix, read whole, its first line did not start with `{` and named cognito:username,
        // so the file is skipped as a user CSV; cut in small chunks, the framer has stepped over
        // the time before the sniff looks, and it is read as a record.
        #expect(run.inputs.first?.events == 1)
        #expect(run.inputs.first?.skipped == 0)
        #expect(run.inputs.first?.format == "cognito-activity")
    }

    @Test(
        "fuzz: the user-CSV sniff reads the stream's first line, not a later part, however the stream is cut",
        arguments: [1 << 20, 10, 1])
    func sniffReadsTheFirstLine(chunkSize: Int) {
        // A broken record, then more on its line: the framer ends the record at its closing
        // brace, so in chunks of 10 bytes it has moved on to `cognito:…` before the line is whole.
        let text = #"{"a":x}cognito:username,sub"# + "\nuser0,694bfc6e\n"
        let run = InMemoryRun([("events.json", Array(text.utf8))], chunkSize: chunkSize)
        // A stream whose first line starts with `{` is no user CSV: two rejects (the broken
        // record to the end of its line, and the next line). Before, in chunks of 10 bytes, the
        // sniff took the rest of the first line for the first line and skipped the stream as a
        // user CSV.
        #expect(run.inputs.first?.rejected == 2)
        #expect(run.inputs.first?.skipped == 0)
    }

    // MARK: FuzzAnalysis with the data's own report range (issue 11, defect 1)

    @Test("fuzz: an event time in nanoseconds beside one in milliseconds is a reject, not a crash")
    func timeInNanoseconds() throws {
        // Found with an open report range: a day row for every day between the two times,
        // 69,007,642,976 bytes, and the run aborts (signal 6) before writing anything.
        let folder = CLI.temporaryFolder()
        let file = folder.appendingPathComponent("far.json")
        let lines = [
            #"{"event_type":"_session.start","event_timestamp":1793150671484,"client":{"client_id":"a"}}"#,
            #"{"event_type":"_session.start","event_timestamp":1793318993318375242,"client":{"client_id":"b"}}"#,
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        let out = CLI.temporaryFolder()
        let result = try CLI.run(["report", file.path, "--out", out.path, "--quiet"])
        #expect([0, 1].contains(result.status), "exit \(result.status): \(result.stderr.prefix(300))")
        let summary = try? JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any]
        let totals = summary?["totals"] as? [String: Any]
        #expect(totals?["events"] as? Int == 1)
        #expect(totals?["rejected"] as? Int == 1)
    }

    // MARK: FuzzFramer: an over-long record's quarantined prefix

    @Test("fuzz: an over-long record's raw prefix is its first bytes, however the stream is cut", arguments: [1 << 20, 1])
    func overLongPrefix(chunkSize: Int) {
        let record = #"{"event_type":"_session.start","pad":"# + "\"" + String(repeating: "x", count: 40) + "\"}"
        let run = InMemoryRun(text: record + "\n", maxRecordBytes: 64, chunkSize: chunkSize)
        // Before the fix, in chunks of one byte, the limit was passed at byte 65 and only those
        // 65 bytes were kept, where the whole stream kept all 80 (the record is shorter than 4 KiB).
        #expect(run.rejects.count == 1)
        #expect(run.rejects.first?.raw == Array(record.utf8))
        #expect(run.rejects.first?.truncatedFrom == record.utf8.count)
    }
}

/// Review findings on the gzip replay (issue 11): a member larger than the 4 KiB the sniff
/// peeks at, or than one 1 MiB input chunk, keeps every record before the damage.
@Suite("gzip damage after many records: everything zlib decodes is kept")
struct GzipReplayTests {
    /// A gzip member of `count` Pinpoint records (deflate blocks at `level`: 0 stored, 6
    /// Huffman-coded), then a block of the reserved type 3: zlib decodes every record, then
    /// stops with "invalid block type".
    static func damagedMember(records count: Int, level: Int, to path: String) throws {
        let script = """
            import struct, zlib, sys
            records = b"".join(b'{"event_type":"_userauth.sign_in","event_timestamp":%d,"client":{"client_id":"c%d"},"endpoint":{"User":{"UserId":"u%d"}}}\\n' % (1793491200000 + i, i, i) for i in range(\(count)))
            c = zlib.compressobj(\(level), zlib.DEFLATED, -15)
            raw = c.compress(records) + c.flush(zlib.Z_SYNC_FLUSH)
            header = b"\\x1f\\x8b\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x03"
            open(sys.argv[1], "wb").write(header + raw + b"\\x07" + b"\\x00" * 16)
            """
        let result = try CLI.program(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, path])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test(
        "3, 30, 12,000 and 60,000 records, stored or compressed: all kept, the input partial",
        arguments: [3, 30, 12_000, 60_000], [0, 6])
    func kept(records: Int, level: Int) throws {
        let folder = CLI.temporaryFolder("gzip-replay")
        let path = folder.appendingPathComponent("damaged.gz").path
        try Self.damagedMember(records: records, level: level, to: path)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["report", path, "--out", out.path, "--quiet"])
        #expect(result.status == 1)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let input = (summary["inputs"] as! [[String: Any]])[0]
        #expect(input["events"] as? Int == records)
        #expect(input["status"] as? String == "partial")
        #expect((input["error"] as? String)?.hasPrefix("corrupt gzip data at compressed byte ") == true)
        #expect((input["error"] as? String)?.contains("-") == false, "a negative offset: \(input["error"] ?? "")")
    }
}

@Suite("Fuzz findings: archives whose entries are all passed over")
struct ArchiveEntriesPassedOverTests {
    @Test("fuzz: a damaged zip whose only entry reads as a folder still gets its line, saying why nothing was read")
    func zipWithoutRegularMember() throws {
        // The fuzzer's zip has no end record: since 2026-12-07 that is its line's reason (it
        // failed; until then it read as whole, its folder entry passed over).
        let file = FuzzRegressionTests.regressions.appendingPathComponent("ingest-zip-no-regular-member.zip").path
        let damaged = try CLI.run(["report", file, "--out", CLI.temporaryFolder().path])
        #expect(damaged.status == 2, "\(damaged.stderr)")
        #expect(damaged.stderr.contains("ingest-zip-no-regular-member.zip: failed: damaged archive: the zip does not end with its end record"))
        // A whole zip of one folder: its line says why nothing was read.
        let folder = CLI.temporaryFolder("zip-folder")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        #expect(try CLI.program(URL(fileURLWithPath: "/bin/sh"), ["-c", "cd '\(folder.path)' && zip -q -r bundle.zip sub"]).status == 0)
        let out = folder.appendingPathComponent("out")
        #expect(try CLI.run(["report", folder.appendingPathComponent("bundle.zip").path, "--out", out.path, "--quiet"]).status == 0)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let inputs = summary["inputs"] as! [[String: Any]]
        #expect(inputs.count == 1)  // before: none at all, and "no input files found"
        #expect(inputs.first?["skip_reasons"] as? [String: Int] == ["an archive entry that is not a regular file (a folder, link or device)": 1])
    }

    @Test("a tar of only a folder and a hidden file: one line with both reasons")
    func tarOfFolderAndHiddenFile() throws {
        let folder = CLI.temporaryFolder("tar")
        let content = folder.appendingPathComponent("content")
        try FileManager.default.createDirectory(at: content.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try "{}".write(to: content.appendingPathComponent(".hidden.json"), atomically: true, encoding: .utf8)
        let tar = folder.appendingPathComponent("bundle.tar").path
        #expect(try CLI.program(URL(fileURLWithPath: "/bin/sh"), ["-c", "cd '\(content.path)' && tar -cf '\(tar)' sub .hidden.json"]).status == 0)
        let out = folder.appendingPathComponent("out")
        #expect(try CLI.run(["report", tar, "--out", out.path, "--quiet"]).status == 0)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let inputs = summary["inputs"] as! [[String: Any]]
        #expect(inputs.count == 1)
        #expect(inputs.first?["skipped"] as? Int == 2)
    }
}
