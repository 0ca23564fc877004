import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsCore
@testable import AuthStatsIngest

@Suite("Bad input is reported precisely and never stops the run")
struct BadInputTests {
    let fixtures = Fixtures()

    @Test("the altis sample: 3 events, the third record rejected with its location")
    func altis() throws {
        let run = FileRun([fixtures.path("pinpoint-altis-events.ndjson")])
        #expect(run.inputs.map(\.events) == [3])
        let reject = try #require(run.rejects.first)
        #expect(run.rejects.count == 1)
        #expect(reject.record == 3)
        #expect(reject.member == nil)
        #expect(reject.input.hasSuffix("pinpoint-altis-events.ndjson"))
        #expect(reject.reason == "invalid JSON at byte 592: expected ':' after object key")
        #expect(reject.raw.count == 2111)  // the whole third line
        #expect(run.reports.breakdown.filter { $0.dimension == .platform }.map(\.value) == ["ios", "windows"])
        #expect(run.reports.daily.map { "\($0.date) \($0.activeUsers)" } == ["2022-02-01 1"])
    }

    @Test("a truncated .gz keeps the records before the damage and is partial")
    func truncated() throws {
        let run = FileRun([fixtures.path("truncated.ndjson.gz"), fixtures.path("canonical.ndjson")])
        let damaged = run.inputs[0]
        #expect(damaged.status == .partial)
        #expect(damaged.events == 3)
        #expect(damaged.error == "truncated gzip input: the file ends inside a compressed stream, at compressed byte 330")
        #expect(run.rejects.first?.reason.hasPrefix("the input broke inside this record") == true)
        #expect(run.inputs[1].status == .ok)  // the next input is still read
        // Its first three records are the ones already read from the damaged copy: duplicates.
        #expect((run.inputs[1].events, run.inputs[1].duplicates) == (6, 4))
    }

    @Test("a large truncated .gz: every record before the damage is kept")
    func truncatedLarge() throws {
        let folder = CLI.temporaryFolder()
        let path = folder.appendingPathComponent("big.gz").path
        try TestFiles.gzip(TestFiles.pageViews(3000, users: 3000), to: path)
        let cut = try TestFiles.truncatedCopy(of: path, fraction: 2.0 / 3)
        // What gzip itself recovers is the reference: every whole line before the damage.
        let run = FileRun([cut])
        #expect(run.inputs[0].status == .partial)
        #expect(run.inputs[0].events > 1500)
        #expect(run.inputs[0].events + run.inputs[0].rejected == run.inputs[0].records)
        #expect(run.rejects.count == 1)
    }

    @Test("a multi-member gzip file (members concatenated) is read to its end")
    func multiMember() throws {
        let folder = CLI.temporaryFolder()
        var data = Data()
        let lines = TestFiles.pageViews(300, users: 1)
        for part in 0..<3 {
            let path = folder.appendingPathComponent("part\(part).gz").path
            try TestFiles.gzip(Array(lines[part * 100..<(part + 1) * 100]), to: path)
            data.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        let joined = folder.appendingPathComponent("joined.gz")
        try data.write(to: joined)
        let run = FileRun([joined.path])
        #expect(run.inputs.map(\.events) == [300])
        #expect(run.inputs.map(\.status) == [.ok])
    }

    @Test("corrupt gzip data keeps what came before and says where")
    func corrupt() throws {
        let path = CLI.temporaryFolder().appendingPathComponent("c.gz").path
        try TestFiles.gzip(TestFiles.pageViews(5000, users: 5000), to: path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        for i in (bytes.count / 2)..<(bytes.count / 2 + 64) { bytes[i] ^= 0x5A }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let run = FileRun([path])
        #expect(run.inputs[0].status == .partial)
        #expect(run.inputs[0].events > 1000)
        #expect(run.inputs[0].error?.hasPrefix("corrupt gzip data at compressed byte ") == true)
    }

    @Test("a text file named .gz is read as the text it is")
    func notGzip() {
        let run = FileRun([fixtures.path("not-gzip.gz")])
        #expect(run.inputs.map(\.compression) == ["none"])
        #expect(run.inputs.map(\.status) == [.ok])
        #expect(run.rejects.map(\.reason) == [
            #"not a record: not JSON: "this is not gzip" where a record should start"#,
            #"not a record: not JSON: "nor JSON" where a record should start"#,
        ])
        #expect(run.rejects.map(\.record) == [1, 2])
    }

    @Test("empty files and empty .gz files are read, with no records")
    func empty() {
        let run = FileRun([fixtures.path("empty.ndjson"), fixtures.path("empty.gz")])
        #expect(run.inputs.map(\.status) == [.ok, .ok])
        #expect(run.inputs.map(\.records) == [0, 0])
        #expect(run.inputs.map(\.format) == ["unknown", "unknown"])
        #expect(run.reports.daily.isEmpty)
    }

    @Test("a valid record of 9 MiB is read whole")
    func nineMiB() throws {
        let folder = CLI.temporaryFolder()
        let path = folder.appendingPathComponent("large.ndjson")
        let filler = String(repeating: "x", count: 9 << 20)
        let big = #"{"event_type":"pageView","event_timestamp":1700000000000,"client":{"client_id":"c"},"attributes":{"blob":"\#(filler)"}}"#
        try (big + "\n" + PinpointLine("pageView", at: 1_700_000_001_000, client: "d").json + "\n").write(to: path, atomically: true, encoding: .utf8)
        let run = FileRun([path.path])
        #expect(run.inputs[0].events == 2)
        #expect(run.rejects.isEmpty)
    }

    /// A rejected record is kept whole up to 1 MiB (`RejectedRecord.keptBytes`), then its
    /// first MiB and its length: a 64 MB line of junk took ~1 GB (a review, 2026-12-06).
    @Test("a rejected record over 1 MiB keeps its first MiB and its length; damage with pieces merged into it too")
    func longReject() throws {
        let folder = CLI.temporaryFolder()
        let path = folder.appendingPathComponent("junk.ndjson")
        let junk = String(repeating: "\u{1}", count: 3 << 20)
        try ([junk, PinpointLine("pageView", at: 1_700_000_001_000).json].joined(separator: "\n") + "\n").write(to: path, atomically: true, encoding: .utf8)
        let run = FileRun([path.path])
        #expect(run.inputs[0].events == 1)
        #expect(run.rejects.count == 1)
        #expect(run.rejects.first?.raw.count == RejectedRecord.keptBytes)
        #expect(run.rejects.first?.raw == Array(junk.utf8.prefix(RejectedRecord.keptBytes)))
        #expect(run.rejects.first?.truncatedFrom == junk.utf8.count)
        let short = folder.appendingPathComponent("short.ndjson")
        try ("\u{1}\u{1}\n" + PinpointLine("pageView", at: 1_700_000_001_000).json + "\n").write(to: short, atomically: true, encoding: .utf8)
        let shortRun = FileRun([short.path])
        #expect(shortRun.rejects.count == 1)  // (else the next would hold with no reject at all)
        #expect(shortRun.rejects.first?.truncatedFrom == nil)
        // Damage of 2 MiB and an object of no known kind right after it (back to back): one
        // reject, its length both pieces'.
        let damaged = folder.appendingPathComponent("damaged.ndjson")
        let broken = #"{"x":"# + String(repeating: "z", count: 2 << 20) + "}"
        let piece = #"{"y":1}"#
        try ([broken + piece, PinpointLine("pageView", at: 1_700_000_001_000).json].joined(separator: "\n") + "\n")
            .write(to: damaged, atomically: true, encoding: .utf8)
        let merged = FileRun([damaged.path])
        #expect(merged.inputs[0].events == 1)
        #expect(merged.rejects.count == 1)
        #expect(merged.rejects.first?.raw == Array(broken.utf8.prefix(RejectedRecord.keptBytes)))
        #expect(merged.rejects.first?.truncatedFrom == broken.utf8.count + piece.utf8.count)
        #expect(merged.rejects.first?.reason.hasSuffix("(with the \(piece.utf8.count) bytes after it, which are no record either)") == true,
                "\(merged.rejects.first?.reason ?? "")")
    }

    @Test("a record over --max-record-bytes is rejected with its length; the next is read")
    func oversize() throws {
        let folder = CLI.temporaryFolder()
        let path = folder.appendingPathComponent("long.ndjson")
        let long = #"{"event_type":"pageView","event_timestamp":1700000000000,"attributes":{"blob":"\#(String(repeating: "y", count: 5000))"}}"#
        try ([long, PinpointLine("pageView", at: 1_700_000_001_000).json].joined(separator: "\n") + "\n").write(to: path, atomically: true, encoding: .utf8)
        let run = FileRun([path.path], maxRecordBytes: 1000)
        #expect(run.inputs[0].events == 1)
        #expect(run.rejects.map(\.record) == [1])
        #expect(run.rejects.first?.reason == "record of \(long.utf8.count) bytes is longer than --max-record-bytes 1000; skipped to its end")
        #expect(run.rejects.first?.truncatedFrom == long.utf8.count)
        #expect(run.rejects.first?.raw.count == RecordFramer.rejectPrefixBytes)
    }

    @Test("a missing path is reported by name")
    func missing() {
        let run = FileRun(["/nonexistent/authstats-input"])
        #expect(run.inputs.map(\.status) == [.failed])
        #expect(run.inputs.first?.error == "Unable to open /nonexistent/authstats-input: No such file or directory")
    }

    @Test("folders are read recursively in sorted order, hidden files skipped")
    func discovery() throws {
        let folder = CLI.temporaryFolder()
        for name in ["b/2.ndjson", "a/1.ndjson", ".hidden/x.ndjson", "a/.y.ndjson", "c.ndjson"] {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data().write(to: url)
        }
        let found = InputDiscovery.expand([folder.path]).map { entry -> String in
            guard case .file(let path) = entry else { return "problem" }
            return String(path.display.dropFirst(folder.path.count + 1))
        }
        #expect(found == ["a/1.ndjson", "b/2.ndjson", "c.ndjson"])
    }
}

@Suite("Pipelined inflating (a second thread) reads the same as inline")
struct PipelinedGzipTests {
    @Test("large, truncated and empty gzip files, pipelined or not")
    func same() throws {
        let folder = CLI.temporaryFolder()
        let path = folder.appendingPathComponent("big.gz").path
        try TestFiles.gzip(TestFiles.pageViews(40_000, users: 977), to: path)
        let cut = try TestFiles.truncatedCopy(of: path, fraction: 0.5)
        let fixtures = Fixtures()
        for file in [path, cut, fixtures.path("empty.gz"), fixtures.path("canonical.ndjson.gz")] {
            // One file and two jobs: the worker inflates on a second thread.
            let pipelined = FileRun([file], jobs: 2)
            let inline = FileRun([file], jobs: 1)
            #expect(pipelined.csv == inline.csv, "\(file)")
            #expect(pipelined.inputs == inline.inputs, "\(file)")
            #expect(pipelined.rejects == inline.rejects, "\(file)")
        }
    }
}
