import AuthStatsTestSupport
import Foundation
import Testing

/// Runs the built `authstats` on `sample-logs/` and compares every report with the golden
/// files in `Golden/` (`make record-golden` re-records them).
@Suite("End to end: sample-logs/ against golden reports", .serialized)
struct GoldenReportTests {
    static let reportFiles = [
        "daily.csv", "daily.json", "monthly.csv", "monthly.json", "breakdown.csv", "breakdown.json",
        "retention.csv", "retention.json", "sessions.csv", "sessions.json", "summary.json", "rejects.ndjson",
        "segments.csv", "segments.json", "segment_daily.csv", "segment_daily.json",
        "segments/paying-android-active-7d.csv", "segments/struggling-to-sign-in.csv",
        "segments/free-plan web%2Fdesktop users (EU).csv", "report.html",
    ]
    static let directory = "sample-logs/users/list-users.json"
    static let segments = "sample-logs/segments.json"
    /// Files of sample-logs/ written by hand, not by `authstats generate`.
    static let handWritten: Set<String> = [
        "segments.json", "clients.json", "iam/CognitoPinpointAnalytics.policy.json", "iam/CognitoPinpointAnalytics.role.json",
    ]
    let goldenFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// The files of one run, with `generated_at` (the one value allowed to change) masked.
    func runReports(_ extra: [String] = []) throws -> (CLI.Result, [String: String]) {
        let out = CLI.temporaryFolder("golden")
        let result = try CLI.run(
            ["report", "sample-logs", "--users", Self.directory, "--segments", Self.segments, "--sessions-detail", "--out", out.path] + extra)
        var files: [String: String] = [:]
        for name in Self.reportFiles {
            let text = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
            files[name] = name == "summary.json" ? Self.maskGeneratedAt(text) : text
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "temporary files left behind: \(leftovers)")
        return (result, files)
    }

    static func maskGeneratedAt(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.contains("\"generated_at\"") ? "  \"generated_at\": \"(masked)\"," : String(line)
        }.joined(separator: "\n")
    }

    @Test("every report matches its golden file")
    func matchesGolden() throws {
        let (result, files) = try runReports()
        #expect(result.status == 0, "\(result.stderr)")
        for name in Self.reportFiles {
            if let problem = Golden.check(files[name]!, file: goldenFolder.appendingPathComponent(name)) {
                Issue.record("\(problem)")
            }
        }
        // The sample is meant to exercise duplicates, users on two platforms, and 10+ days.
        let summary = try JSONSerialization.jsonObject(with: Data(files["summary.json"]!.utf8)) as! [String: Any]
        let totals = summary["totals"] as! [String: Int]
        #expect(totals["duplicates"]! > 0)
        #expect(totals["rejected"] == 0)
        #expect(files["daily.csv"]!.split(separator: "\n").count >= 11)
    }

    @Test("two runs write byte-identical reports")
    func deterministic() throws {
        let out1 = CLI.temporaryFolder("run1")
        let out2 = CLI.temporaryFolder("run2")
        for out in [out1, out2] {
            #expect(try CLI.run(["report", "sample-logs", "--users", Self.directory, "--segments", Self.segments, "--sessions-detail", "--out", out.path, "--quiet"]).status == 0)
        }
        for name in Self.reportFiles {
            let a = try Data(contentsOf: out1.appendingPathComponent(name))
            let b = try Data(contentsOf: out2.appendingPathComponent(name))
            if name == "summary.json" {
                #expect(Self.maskGeneratedAt(String(decoding: a, as: UTF8.self)) == Self.maskGeneratedAt(String(decoding: b, as: UTF8.self)))
            } else {
                #expect(a == b, "\(name) differs between runs")
            }
        }
    }

    @Test("a tiny dedup window (spilling to disk) writes the same reports")
    func spilling() throws {
        let (result, files) = try runReports(["--dedup-window", "25", "--session-memory", "4096", "--profile-memory", "2048"])
        #expect(result.status == 0)
        for name in Self.reportFiles {
            #expect(Golden.check(files[name]!, file: goldenFolder.appendingPathComponent(name)) == nil, "\(name)")
        }
    }

    @Test("when nothing can be spilled, the run says so and keeps everything in memory: same reports")
    func unspillable() throws {
        let notAFolder = CLI.temporaryFolder().appendingPathComponent("file")
        try Data("x".utf8).write(to: notAFolder)
        let out = CLI.temporaryFolder("nospill")
        let result = try CLI.run(
            ["report", "sample-logs", "--users", Self.directory, "--dedup-window", "10", "--session-memory", "2048", "--out", out.path],
            environment: ["TMPDIR": notAFolder.path])
        #expect(result.status == 0)
        #expect(result.stderr.contains("could not spill to disk, kept everything in memory: the temporary folder \(notAFolder.path) is not a writable folder; set TMPDIR to one"))
        let daily = try String(contentsOf: out.appendingPathComponent("daily.csv"), encoding: .utf8)
        #expect(Golden.check(daily, file: goldenFolder.appendingPathComponent("daily.csv")) == nil)
    }

    @Test("sample-logs/ is exactly what its documented generate command writes")
    func sampleLogsReproducible() throws {
        let out = CLI.temporaryFolder("sample")
        let result = try CLI.run([
            "generate", "--out", out.path, "--users", "40", "--days", "10", "--start", "2026-10-28", "--seed", "8", "--kinds", "pinpoint,activity,cloudtrail", "--quiet",
        ])
        #expect(result.status == 0)
        let root = CLI.packageRoot.appendingPathComponent("sample-logs")
        let generated = try files(under: out)
        let committed = try files(under: root).filter { !Self.handWritten.contains($0) }
        #expect(generated == committed)
        for name in generated.prefix(20) {
            #expect(try Data(contentsOf: out.appendingPathComponent(name)) == Data(contentsOf: root.appendingPathComponent(name)), "\(name)")
        }
    }

    func files(under folder: URL) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder.path)!
        var out: [String] = []
        while let name = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isDirectory),
               !isDirectory.boolValue { out.append(name) }
        }
        return out.sorted()
    }
}

@Suite("--jobs: the same bytes for every number of workers")
struct JobsTests {
    @Test("sample-logs/ with --jobs 1, 2 and 3")
    func sampleLogs() throws {
        var outputs: [[String: String]] = []
        for jobs in ["1", "2", "3"] {
            let out = CLI.temporaryFolder("jobs\(jobs)")
            let result = try CLI.run([
                "report", "sample-logs", "--users", GoldenReportTests.directory, "--segments", GoldenReportTests.segments,
                "--sessions-detail", "--jobs", jobs, "--profile-memory", "4096",
                "--dedup-window", "50", "--session-memory", "8192", "--out", out.path, "-q",
            ])
            #expect(result.status == 0)
            var files: [String: String] = [:]
            for name in GoldenReportTests.reportFiles {
                let text = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
                files[name] = name == "summary.json" ? GoldenReportTests.maskGeneratedAt(text) : text
            }
            outputs.append(files)
        }
        for name in GoldenReportTests.reportFiles {
            #expect(outputs[1][name] == outputs[0][name], "\(name): --jobs 2 differs from --jobs 1")
            #expect(outputs[2][name] == outputs[0][name], "\(name): --jobs 3 differs from --jobs 1")
        }
    }

    @Test("rejects come out in input order with several workers")
    func rejectOrder() throws {
        let folder = CLI.temporaryFolder("rejects")
        for i in 0..<12 {
            try "not json \(i)\n{\"event_type\":\"x\",\"event_timestamp\":1793491200000}\nbad again \(i)\n".write(
                to: folder.appendingPathComponent(String(format: "f%02d.ndjson", i)), atomically: true, encoding: .utf8)
        }
        let out = CLI.temporaryFolder()
        #expect(try CLI.run(["report", folder.path, "--out", out.path, "--jobs", "3", "-q"]).status == 0)
        let lines = try String(contentsOf: out.appendingPathComponent("rejects.ndjson"), encoding: .utf8).split(separator: "\n")
        let raws = lines.map { line -> String in
            let object = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return object["raw"] as! String
        }
        #expect(raws == (0..<12).flatMap { ["not json \($0)", "bad again \($0)"] })
    }
}

@Suite("make bench-shards, smoke test: it runs on a tiny input, and the merged reports equal one run's")
struct BenchShardsSmokeTests {
    @Test("the sharded benchmark prints its table and checks the merges against one run")
    func smoke() throws {
        let work = CLI.temporaryFolder("bench-shards")
        defer { try? FileManager.default.removeItem(at: work) }
        let (status, output) = try BenchSmokeTests.run(
            "bench-shards.sh", ["BENCH_USERS": "2000", "BENCH_DAYS": "3", "BENCH_WORK": work.path, "RUNS": "1", "BENCH_SHARDS": "2 3"])
        #expect(status == 0, "\(output)")
        for n in [2, 3] {
            for row in ["| \(n) shards, sum of shard runs ", "| authstats merge, \(n) states ", "| state merge + report --state, \(n) "] {
                #expect(output.contains(row), "no row \(row)")
            }
        }
        #expect(output.contains("| one run (mean of before, after) "))
        #expect(output.contains("the reports of every merge equal the one run's"))
    }
}

@Suite("make bench, smoke test: it runs on a tiny input, and --jobs N matches --jobs 1")
struct BenchSmokeTests {
    /// Runs `Tests/Benchmark/SCRIPT` with the debug binary and `environment` (no `BENCH_*`
    /// of the caller's: a developer's `BENCH_DATA` would point it at the full set); its status
    /// and its output and errors together.
    static func run(_ script: String, _ environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [CLI.packageRoot.appendingPathComponent("Tests/Benchmark/" + script).path]
        process.currentDirectoryURL = CLI.packageRoot
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BENCH_") }
            .merging(environment.merging(["AUTHSTATS_BIN": CLI.executable.path]) { new, _ in new }) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test("the benchmark script prints its table; its two runs write the same reports")
    func smoke() throws {
        let work = CLI.temporaryFolder("bench")
        defer { try? FileManager.default.removeItem(at: work) }
        let (status, output) = try Self.run(
            "bench.sh",
            [
                "BENCH_USERS": "3000", "BENCH_DAYS": "4", "BENCH_WORK": work.path, "RUNS": "1", "BENCH_DUCKDB": "0",
                "BENCH_MEM_USERS": "300", "BENCH_SINGLE_MB": "2", "BENCH_SHAPES_SCALE": "1000", "BENCH_SHAPES_DAYS": "2",
            ])
        #expect(status == 0, "\(output)")
        #expect(output.contains("| authstats report (--jobs"))
        #expect(output.contains("| gzip -dc > /dev/null"))
        #expect(output.contains("authstats / gzip -dc throughput:"))
        #expect(output.contains("peak RSS, the same 300 users:"))
        #expect(output.contains("one .gz of "))
        #expect(output.contains("| + directory, 3 segments") || output.contains("|   + directory, 3 segments"))
        #expect(output.contains("with the directory and 3 segments:"))
        // The per-shape table (issue 18): a row for the set above and for every shape, each
        // with events read; the scaling line and the two fixed costs.
        for shape in ["current", "small-objects", "small-records", "real-compressibility", "back-to-back", "trail-and-activity", "many-dimensions"] {
            let row = output.split(separator: "\n").first { $0.hasPrefix("| \(shape) ") }
            #expect(row != nil, "no row for \(shape)")
            let events = row.map { $0.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }.flatMap { Int($0[6].replacingOccurrences(of: ",", with: "")) }
            #expect((events ?? 0) > 0, "\(row ?? "")")
        }
        #expect(output.contains("scaling at this moment (current set, wall, medians): two gzip -dc in parallel"))
        #expect(output.contains("one day's objects (2026-01-03: "))
        #expect(output.contains("one small file ("))
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("reports-segments/segments.csv").path))
        for name in ["daily.csv", "monthly.csv", "breakdown.csv", "retention.csv", "rejects.ndjson"] {
            let parallel = try Data(contentsOf: work.appendingPathComponent("reports/\(name)"))
            let sequential = try Data(contentsOf: work.appendingPathComponent("reports-1/\(name)"))
            #expect(parallel == sequential, "\(name) differs between --jobs \(ProcessInfo.processInfo.activeProcessorCount) and --jobs 1")
        }
    }
}
