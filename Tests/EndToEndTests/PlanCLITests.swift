import AuthStatsTestSupport
import Foundation
import Testing

/// `authstats plan` (issue 16): the command's exit statuses and its file.
@Suite("authstats plan: the command (issue 16)")
struct PlanCLITests {
    @Test("the same inputs twice give the same plan file, byte for byte, listing every input once")
    func deterministic() throws {
        let folder = CLI.temporaryFolder("plan-cli")
        let a = folder.appendingPathComponent("a.json").path
        let b = folder.appendingPathComponent("b.json").path
        for out in [a, b] {
            let result = try CLI.run(["plan", "sample-logs", "--shards", "3", "--out", out])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains(" inputs, "), "\(result.stderr)")
        }
        let text = try String(contentsOfFile: a, encoding: .utf8)
        #expect(text == (try String(contentsOfFile: b, encoding: .utf8)))
        let stdout = try CLI.run(["plan", "sample-logs", "--shards", "3", "--out", "-", "-q"])
        #expect(stdout.stdout == text)
        #expect(stdout.stderr.isEmpty)
        let report = try CLI.run(["report", "sample-logs", "--out", folder.appendingPathComponent("reports").path, "-q", "--no-html"])
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("reports/summary.json"))) as! [String: Any]
        let plan = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        #expect(report.status == 0)
        // Every file `report` reads, in its order, by its absolute path: a shard may run in
        // another folder (until 2026-12-05 the paths were kept as typed, and a shard run
        // elsewhere failed every input).
        let read = (summary["inputs"] as! [[String: Any]]).map { CLI.packageRoot.path + "/" + ($0["path"] as! String) }
        #expect((plan["inputs"] as! [[String: Any]]).map { $0["path"] as! String } == read)
        let elsewhere = try CLI.run(
            ["report", "--plan", a, "--shard", "1", "--state", folder.appendingPathComponent("shard-1").path,
             "--out", folder.appendingPathComponent("shard-reports").path, "--no-html"], in: folder)
        #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
        #expect(elsewhere.stderr.contains("(0 partial or failed, 0 records rejected"), "\(elsewhere.stderr)")
    }

    @Test("two names that differ only in Unicode normalization (é in NFC and NFD) are two files: planned, sharded and ledgered apart")
    func normalization() throws {
        let folder = CLI.temporaryFolder("plan-normalization")
        let samples = try FileManager.default.subpathsOfDirectory(atPath: CLI.packageRoot.appendingPathComponent("sample-logs/2026").path)
            .filter { $0.hasSuffix(".gz") }.sorted().prefix(2).map { CLI.packageRoot.appendingPathComponent("sample-logs/2026/" + $0).path }
        for (name, sample) in zip(["caf\u{E9}", "cafe\u{301}"], samples) {
            let sub = folder.appendingPathComponent("in").appendingPathComponent(name)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: sample, toPath: sub.appendingPathComponent("x.gz").path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("in").path).count == 2)
        let plan = folder.appendingPathComponent("plan.json").path
        // "…/x.gz is listed twice" until 2026-12-05 (Swift's String equality is canonical equivalence).
        let planned = try CLI.run(["plan", folder.appendingPathComponent("in").path, "--shards", "2", "--out", plan])
        #expect(planned.status == 0, "\(planned.stderr)")
        #expect(planned.stderr.contains(": 2 inputs, "), "\(planned.stderr)")
        let state = folder.appendingPathComponent("state").path
        let night = try CLI.run(["report", folder.appendingPathComponent("in").path, "--state", state, "--out", folder.appendingPathComponent("o").path, "--no-html"])
        #expect(night.status == 0, "\(night.stderr)")
        let info = try CLI.run(["state", "info", "--state", state, "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any]
        #expect((object?["inputs"] as? Int) == 2, "\(info.stdout)")
    }

    @Test("bad usage is exit 64 with the reason", arguments: [
        (["--shards", "0", "sample-logs"], "--shards 0: give a number of shards from 1 to 100000."),
        (["--shards", "x", "sample-logs"], "The value 'x' is invalid for '--shards <n>'"),
        (["--shards", "2"], "Give the files or folders to plan"),
        (["--shards", "2", "sample-logs", "--listing", "l.tsv"], "Give either INPUT paths or --listing, not both."),
        (["--shards", "2", "-"], "- (standard input) cannot be planned"),
    ])
    func usage(arguments: [String], message: String) throws {
        let result = try CLI.run(["plan"] + arguments + ["--out", CLI.temporaryFolder("plan-usage").appendingPathComponent("p.json").path])
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("an input that cannot be listed, or a bad listing line: exit 1, no plan; no input at all: exit 2")
    func failures() throws {
        let folder = CLI.temporaryFolder("plan-fail")
        let out = folder.appendingPathComponent("p.json").path
        let missing = try CLI.run(["plan", "sample-logs", folder.appendingPathComponent("nope").path, "--shards", "2", "--out", out])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("Unable to open \(folder.path)/nope: No such file or directory"))
        #expect(!FileManager.default.fileExists(atPath: out))
        let listing = folder.appendingPathComponent("l.tsv")
        try "s3://b/a.gz\t12\ns3://b/b.gz\ttwelve\n".write(to: listing, atomically: true, encoding: .utf8)
        let bad = try CLI.run(["plan", "--listing", listing.path, "--shards", "2", "--out", out])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("\(listing.path):2: size 'twelve' is not a number of bytes"))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let empty = try CLI.run(["plan", folder.appendingPathComponent("empty").path, "--shards", "2", "--out", out])
        #expect(empty.status == 2)
        #expect(!FileManager.default.fileExists(atPath: out))
        // A folder where a file is named: said so, not an error number left from another call.
        let folderListing = try CLI.run(["plan", "--listing", folder.appendingPathComponent("empty").path, "--shards", "2", "--out", out])
        #expect(folderListing.status == 1)
        #expect(folderListing.stderr.contains("Unable to read \(folder.path)/empty: is a folder"), "\(folderListing.stderr)")
        let folderOut = try CLI.run(["plan", "sample-logs", "--shards", "2", "--out", folder.appendingPathComponent("empty").path])
        #expect(folderOut.status == 2)
        #expect(folderOut.stderr.contains("Unable to write \(folder.path)/empty: it is a folder"), "\(folderOut.stderr)")
        try Data([0x61, 0xFF, 0x09, 0x31, 0x0A]).write(to: listing)
        let notText = try CLI.run(["plan", "--listing", listing.path, "--shards", "2", "--out", out])
        #expect(notText.status == 1)
        #expect(notText.stderr.contains("Unable to read \(listing.path): it is not UTF-8 text"), "\(notText.stderr)")
    }
}
