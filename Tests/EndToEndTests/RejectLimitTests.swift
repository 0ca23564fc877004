import AuthStatsTestSupport
import Foundation
import Testing

/// `--max-rejects` and the accepted time range, through the real binary (issue 11).
@Suite("Reject cap and accepted time range on the command line")
struct RejectLimitTests {
    func summary(_ out: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
    }

    @Test("rejects.ndjson keeps the first --max-rejects in input order, the same for every --jobs; all are counted")
    func cap() throws {
        let folder = CLI.temporaryFolder("junk")
        for file in 0..<3 {
            let lines = (0..<5).map { "junk \(file)-\($0)" }.joined(separator: "\n") + "\n"
            try lines.write(to: folder.appendingPathComponent("f\(file).ndjson"), atomically: true, encoding: .utf8)
        }
        var files: [Data] = []
        for jobs in ["1", "3"] {
            let out = CLI.temporaryFolder()
            let result = try CLI.run(["report", folder.path, "--out", out.path, "--max-rejects", "7", "--jobs", jobs])
            #expect(result.status == 0)
            #expect(result.stderr.contains("8 rejected records past --max-rejects 7 are counted in summary.json but not written to rejects.ndjson"))
            let text = try String(contentsOf: out.appendingPathComponent("rejects.ndjson"), encoding: .utf8)
            let raws = text.split(separator: "\n").map { line in
                (try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])["raw"] as! String
            }
            #expect(raws == (0..<5).map { "junk 0-\($0)" } + ["junk 1-0", "junk 1-1"])
            let object = try summary(out)
            #expect(object["rejects_file"] as? [String: Int] == ["limit": 7, "max_bytes": 268_435_456, "written": 7, "omitted": 8])
            #expect((object["totals"] as? [String: Any])?["rejected"] as? Int == 15)
            files.append(try Data(contentsOf: out.appendingPathComponent("rejects.ndjson")))
        }
        #expect(files[0] == files[1])
    }

    @Test("rejects.ndjson holds the first rejects that fit in --max-rejects-bytes, whole, the same for every --jobs; all are counted")
    func byteCap() throws {
        let folder = CLI.temporaryFolder("junk-bytes")
        for file in 0..<3 {
            let lines = (0..<5).map { "junk \(file)-\($0) " + String(repeating: "x", count: 10 * (file + 1) * ($0 + 1)) }
            try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("f\(file).ndjson"), atomically: true, encoding: .utf8)
        }
        // Every reject's line, from a run that keeps them all.
        let all = CLI.temporaryFolder()
        #expect(try CLI.run(["report", folder.path, "--out", all.path, "-q"]).status == 0)
        let lines = try Data(contentsOf: all.appendingPathComponent("rejects.ndjson")).split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 15)
        // Room for the first six lines and most of the seventh.
        let budget = lines.prefix(6).reduce(0) { $0 + $1.count + 1 } + lines[6].count
        var files: [Data] = []
        for (jobs, environment) in [("1", false), ("3", false), ("2", true)] {
            let out = CLI.temporaryFolder()
            let arguments = ["report", folder.path, "--out", out.path, "--jobs", jobs] + (environment ? [] : ["--max-rejects-bytes", "\(budget)"])
            let result = try CLI.run(arguments, environment: environment ? ["AUTHSTATS_MAX_REJECTS_BYTES": "\(budget)"] : [:])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("9 rejected records past --max-rejects-bytes \(budget) (the 6 that fit) are counted in summary.json"), "\(result.stderr)")
            let written = try Data(contentsOf: out.appendingPathComponent("rejects.ndjson"))
            #expect(written == Data(lines.prefix(6).joined(separator: [0x0A]) + [0x0A]))
            #expect(written.count <= budget)
            let object = try summary(out)
            #expect(object["rejects_file"] as? [String: Int] == ["limit": 10_000, "max_bytes": budget, "written": 6, "omitted": 9])
            #expect((object["totals"] as? [String: Any])?["rejected"] as? Int == 15)
            files.append(written)
        }
        #expect(files.allSatisfy { $0 == files[0] })
        // --max-rejects cuts first when it is the smaller; 0 bytes, an empty file; a bad value
        // is a usage error.
        let both = CLI.temporaryFolder()
        #expect(try CLI.run(["report", folder.path, "--out", both.path, "-q", "--max-rejects", "4", "--max-rejects-bytes", "\(budget)"]).status == 0)
        #expect(try summary(both)["rejects_file"] as? [String: Int] == ["limit": 4, "max_bytes": budget, "written": 4, "omitted": 11])
        let none = CLI.temporaryFolder()
        #expect(try CLI.run(["report", folder.path, "--out", none.path, "-q", "--max-rejects-bytes", "0"]).status == 0)
        #expect(try Data(contentsOf: none.appendingPathComponent("rejects.ndjson")).isEmpty)
        for bad in [["--max-rejects-bytes", "-1"], ["--max-rejects-bytes", "lots"]] {
            #expect(try CLI.run(["report", folder.path, "--out", CLI.temporaryFolder().path] + bad).status == 64, "\(bad)")
        }
        #expect(try CLI.run(["report", folder.path, "--out", CLI.temporaryFolder().path], environment: ["AUTHSTATS_MAX_REJECTS_BYTES": "x"]).status == 64)
    }

    @Test("a reject that does not fit in --max-rejects-bytes ends the file there, though shorter ones after it would fit")
    func byteCapPrefix() throws {
        let folder = CLI.temporaryFolder("junk-prefix")
        let text = ["junk a", "junk " + String(repeating: "x", count: 5_000), "junk b", "junk c"].joined(separator: "\n") + "\n"
        try text.write(to: folder.appendingPathComponent("f.ndjson"), atomically: true, encoding: .utf8)
        let all = CLI.temporaryFolder()
        #expect(try CLI.run(["report", folder.path, "--out", all.path, "-q"]).status == 0)
        let lines = try Data(contentsOf: all.appendingPathComponent("rejects.ndjson")).split(separator: 0x0A)
        #expect(lines.count == 4)
        // Room for every line but the long one.
        let budget = [0, 2, 3].reduce(0) { $0 + lines[$1].count + 1 }
        for jobs in ["1", "2"] {
            let out = CLI.temporaryFolder()
            #expect(try CLI.run(["report", folder.path, "--out", out.path, "-q", "--jobs", jobs, "--max-rejects-bytes", "\(budget)"]).status == 0)
            #expect(try Data(contentsOf: out.appendingPathComponent("rejects.ndjson")) == Data(lines[0] + [0x0A]))
            #expect(try summary(out)["rejects_file"] as? [String: Int] == ["limit": 10_000, "max_bytes": budget, "written": 1, "omitted": 3])
        }
        // The long reject ending one file, a short one in the next (a review found the next
        // file's written after the gap), as two files and as two members of a tar.
        let two = CLI.temporaryFolder("junk-prefix-two")
        try "junk a1\njunk \(String(repeating: "x", count: 3_000))\n".write(to: two.appendingPathComponent("a.ndjson"), atomically: true, encoding: .utf8)
        try "junk b1\n".write(to: two.appendingPathComponent("b.ndjson"), atomically: true, encoding: .utf8)
        let tarred = CLI.temporaryFolder("junk-prefix-tar")
        let tar = try CLI.program(URL(fileURLWithPath: "/bin/tar"), ["-cf", tarred.appendingPathComponent("both.tar").path, "-C", two.path, "a.ndjson", "b.ndjson"])
        #expect(tar.status == 0, "\(tar.stderr)")
        for input in [two, tarred] {
            for jobs in ["1", "2"] {
                let out = CLI.temporaryFolder()
                let result = try CLI.run(["report", input.path, "--out", out.path, "--jobs", jobs, "--max-rejects-bytes", "1000"])
                #expect(result.status == 0, "\(result.stderr)")
                let written = try String(contentsOf: out.appendingPathComponent("rejects.ndjson"), encoding: .utf8)
                #expect(written.split(separator: "\n").count == 1 && written.contains(#""raw": "junk a1""#), "\(input.lastPathComponent): \(written)")
                #expect(result.stderr.contains("2 rejected records past --max-rejects-bytes 1000 (the 1 that fit)"), "\(result.stderr)")
            }
        }
        // A first reject longer than the budget: an empty file, not a later one.
        let long = CLI.temporaryFolder("junk-prefix-long")
        try "junk \(String(repeating: "x", count: 3_000))\n".write(to: long.appendingPathComponent("a.ndjson"), atomically: true, encoding: .utf8)
        try "junk b1\n".write(to: long.appendingPathComponent("b.ndjson"), atomically: true, encoding: .utf8)
        let out = CLI.temporaryFolder()
        #expect(try CLI.run(["report", long.path, "--out", out.path, "-q", "--max-rejects-bytes", "1000"]).status == 0)
        #expect(try Data(contentsOf: out.appendingPathComponent("rejects.ndjson")).isEmpty)
    }

    @Test("long rejects of control bytes (escaped six to one) stay within --max-rejects-bytes")
    func hostileRejects() throws {
        let folder = CLI.temporaryFolder("junk-control")
        // 40 lines of 200 KB of control bytes, 8 MB in all (a few KB compressed): escaped, each
        // kept reject's line is ~1.2 MB, so that 10,000 of them would have written ~12 GB.
        let line = [UInt8](repeating: 0x01, count: 200_000) + [0x0A]
        try Data((0..<40).flatMap { _ in line }).write(to: folder.appendingPathComponent("junk.log"))
        let out = CLI.temporaryFolder()
        let result = try CLI.run(["report", folder.path, "--out", out.path, "-q", "--max-rejects-bytes", "5000000"])
        #expect(result.status == 0, "\(result.stderr)")
        let written = try Data(contentsOf: out.appendingPathComponent("rejects.ndjson"))
        #expect(written.count <= 5_000_000 && written.count > 3_000_000, "\(written.count)")
        let rejects = try summary(out)["rejects_file"] as? [String: Int]
        #expect(rejects?["written"] == written.split(separator: 0x0A).count && rejects?["omitted"] == 40 - (rejects?["written"] ?? 0))
        // Nothing of the staging (the rejects' parts) left in the report folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).allSatisfy { !$0.hasPrefix(".") })
    }

    @Test("a rejected record's text on stderr is escaped: it cannot move the terminal or pass for another line of the log")
    func rejectTextEscaped() throws {
        let folder = CLI.temporaryFolder("reject-escape")
        let records = [
            #"{"event_type":"_session.start","event_timestamp":"\u001b[2J\u001b]0;pwned\u0007\nauthstats: all fine","client":{"client_id":"c"}}"#,
            #"{"eventVersion":"1.08","eventSource":"cognito-idp.amazonaws.com","eventName":"InitiateAuth","eventTime":"\u001b[31m2026","eventID":"x"}"#,
        ]
        try (records.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        let result = try CLI.run(["report", folder.path, "--out", CLI.temporaryFolder().path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(result.stderr.debugDescription)")
        #expect(!result.stderr.contains("\nauthstats: all fine"))
        #expect(result.stderr.contains(#"record 1: event_timestamp is not an integer of epoch milliseconds: the string "\x1b[2J\x1b]0;pwned\x07\nauthstats: all fine""#), "\(result.stderr)")
        #expect(result.stderr.contains(#"record 2: eventTime is not an ISO 8601 time: "\x1b[31m2026""#), "\(result.stderr)")
    }

    @Test("a million junk lines write only the default 10,000 rejects")
    func millionJunk() throws {
        let folder = CLI.temporaryFolder("junk")
        let line = Array("not json at all\n".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(line.count * 1_000_000)
        for _ in 0..<1_000_000 { bytes += line }
        try Data(bytes).write(to: folder.appendingPathComponent("junk.log"))
        let out = CLI.temporaryFolder()
        let result = try CLI.run(["report", folder.path, "--out", out.path, "-q"])
        #expect(result.status == 0)
        let text = try String(contentsOf: out.appendingPathComponent("rejects.ndjson"), encoding: .utf8)
        #expect(text.split(separator: "\n").count == 10_000)
        #expect(try summary(out)["rejects_file"] as? [String: Int] == ["limit": 10_000, "max_bytes": 268_435_456, "written": 10_000, "omitted": 990_000])
    }

    @Test("--oldest-event/--newest-event widen or narrow the accepted range; bad values are usage errors")
    func range() throws {
        let folder = CLI.temporaryFolder("times")
        // 1999-12-31T12:00:00Z and 2026-11-01T00:00:00Z
        let text = [944_654_400_000, 1_793_491_200_000].map {
            #"{"event_type":"_userauth.sign_in","event_timestamp":\#($0),"client":{"client_id":"c\#($0)"},"endpoint":{"User":{"UserId":"u"}}}"#
        }.joined(separator: "\n")
        try text.write(to: folder.appendingPathComponent("e.ndjson"), atomically: true, encoding: .utf8)
        let narrow = CLI.temporaryFolder()
        #expect(try CLI.run(["report", folder.path, "--out", narrow.path, "-q"]).status == 0)
        #expect((try summary(narrow)["totals"] as? [String: Any])?["events"] as? Int == 1)
        let wide = CLI.temporaryFolder()
        #expect(try CLI.run(["report", folder.path, "--out", wide.path, "--oldest-event", "1999-01-01", "-q"]).status == 0)
        #expect((try summary(wide)["totals"] as? [String: Any])?["events"] as? Int == 2)
        for bad in [["--oldest-event", "1969-12-31"], ["--newest-event", "2200-01-01"], ["--oldest-event", "2020-01-02", "--newest-event", "2020-01-01"], ["--newest-event", "soon"]] {
            let result = try CLI.run(["report", folder.path, "--out", CLI.temporaryFolder().path] + bad)
            #expect(result.status == 64, "\(bad)")
        }
    }
}
