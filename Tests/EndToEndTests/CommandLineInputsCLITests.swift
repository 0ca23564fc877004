import AuthStatsTestSupport
import Foundation
import Testing

/// Many input paths on the command line: most are kept away from the argument parser
/// (`CommandLineInputs`, whose parse of them took O(N²)) and put back in their places. The
/// commands must read the same files in the same order, and refuse what they refused.
@Suite("Many input paths on the command line: read in their order, refused as before")
struct CommandLineInputsCLITests {
    /// The sample's files in a seeded shuffle, split into three runs by options.
    static func shuffledFiles() throws -> [String] {
        let root = CLI.packageRoot.appendingPathComponent("sample-logs").path
        var files = try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.hasSuffix(".gz") }
            .map { "sample-logs/" + $0 }.sorted()
        var random = SeededRandom(seed: 16)
        for i in files.indices.reversed() where i > 0 { files.swapAt(i, random.below(i + 1)) }
        return files
    }

    static func inputs(_ folder: URL) throws -> [String] {
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as! [String: Any]
        return (summary["inputs"] as! [[String: Any]]).map { $0["path"] as! String }
    }

    @Test("report: paths between options are read in the order given, with the reports of the parser's own reading (after --)")
    func reportOrder() throws {
        let files = try Self.shuffledFiles()
        #expect(files.count > 60)
        let folder = CLI.temporaryFolder("many-inputs")
        let lifted = folder.appendingPathComponent("lifted")
        let plain = folder.appendingPathComponent("plain")
        let third = files.count / 3
        let mixed = Array(files[..<third]) + ["--no-html", "-q"] + Array(files[third..<2 * third])
            + ["--out", lifted.path] + Array(files[(2 * third)...])
        let a = try CLI.run(["report"] + mixed)
        #expect(a.status == 0, "\(a.stderr)")
        let b = try CLI.run(["report", "--no-html", "-q", "--out", plain.path, "--"] + files)
        #expect(b.status == 0, "\(b.stderr)")
        #expect(try Self.inputs(lifted) == files)
        for name in ["daily.csv", "daily.json", "monthly.json", "breakdown.csv", "retention.csv", "rejects.ndjson"] {
            let one = try Data(contentsOf: lifted.appendingPathComponent(name))
            #expect(one == (try Data(contentsOf: plain.appendingPathComponent(name))), "\(name)")
        }
        // The default subcommand too.
        let c = try CLI.run(mixed.map { $0 == lifted.path ? folder.appendingPathComponent("default").path : $0 })
        #expect(c.status == 0, "\(c.stderr)")
        #expect(try Self.inputs(folder.appendingPathComponent("default")) == files)
    }

    @Test("report over 4,000 small inputs: summary.json (larger than the writer's 1 MiB buffer, streamed into it) lists every one in order, whole")
    func summaryOfManyInputs() throws {
        let folder = CLI.temporaryFolder("many-inputs-summary")
        let logs = folder.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let count = 4_000
        var names: [String] = []
        for i in 0..<count {
            let name = String(format: "object-%05d.json", i)
            let time = SessionJoinCLITests.base + Int64(i) * 60_000
            // Every fifth a record authstats does not know: a skip reason in its entry.
            let line = i % 5 == 0
                ? #"{"eventVersion":"1.08","eventTime":"2026-03-01T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject"}"#
                : SessionJoinCLITests.pinpoint("_session.start", time, user: i % 40)
            try Data((line + "\n").utf8).write(to: logs.appendingPathComponent(name))
            names.append(name)
        }
        let out = folder.appendingPathComponent("out")
        let run = try CLI.run(["report", logs.path, "--out", out.path, "--no-html", "-q"])
        #expect(run.status == 0, "\(run.stderr)")
        let bytes = try Data(contentsOf: out.appendingPathComponent("summary.json"))
        #expect(bytes.count > 1 << 20)
        let summary = try JSONSerialization.jsonObject(with: bytes) as! [String: Any]
        let inputs = summary["inputs"] as! [[String: Any]]
        #expect(inputs.map { ($0["path"] as! String).split(separator: "/").last.map(String.init) } == names)
        #expect(inputs.map { $0["records"] as! Int } == Array(repeating: 1, count: count))
        #expect(inputs.filter { ($0["skip_reasons"] as! [String: Int]).isEmpty }.count == count - count / 5)
        #expect((summary["totals"] as! [String: Any])["inputs"] as? Int == count)
    }

    @Test("report: a path the parser never saw is still checked, with the message the whole line gives")
    func reportRefusals() throws {
        let files = Array(try Self.shuffledFiles().prefix(20))
        let state = CLI.temporaryFolder("many-inputs-state").path
        // Standard input among the lifted paths, with --state: exit 64 naming it.
        let stdin = try CLI.run(["report", "--state", state] + files.prefix(5) + ["-"] + files.dropFirst(5))
        #expect(stdin.status == 64)
        #expect(stdin.stderr.contains("standard input (-) is a stream"), "\(stdin.stderr)")
        // Paths with --plan, the first of them an option's neighbour.
        let plan = try CLI.run(["report", "--plan", "p.json", "--state", state] + files)
        #expect(plan.status == 64)
        #expect(plan.stderr.contains("--plan names the files to read: give no INPUT with it."), "\(plan.stderr)")
        // --help with many paths: the help, exit 0.
        let help = try CLI.run(["report"] + files + ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: authstats report"))
    }

    @Test("plan: the paths given between options are planned as the parser's own reading plans them")
    func planOrder() throws {
        let files = try Self.shuffledFiles()
        let folder = CLI.temporaryFolder("many-inputs-plan")
        let a = folder.appendingPathComponent("a.json").path
        let b = folder.appendingPathComponent("b.json").path
        let half = files.count / 2
        let one = try CLI.run(["plan"] + files[..<half] + ["--shards", "3", "-q"] + files[half...] + ["--out", a])
        #expect(one.status == 0, "\(one.stderr)")
        let two = try CLI.run(["plan", "--shards", "3", "-q", "--out", b, "--"] + files)
        #expect(two.status == 0, "\(two.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == (try Data(contentsOf: URL(fileURLWithPath: b))))
    }

    @Test("report and plan: every option takes one value, right after it, and the paths are the one positional argument (what the lifting rests on)")
    func optionsTakeOneValue() throws {
        for command in ["report", "plan"] {
            let result = try CLI.run([command, "--experimental-dump-help"])
            #expect(result.status == 0, "\(result.stderr)")
            let tool = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
            let arguments = (tool["command"] as! [String: Any])["arguments"] as! [[String: Any]]
            for argument in arguments {
                // Another strategy (.upToNextOption, .remaining, .unconditional, .scanningForValue)
                // would let an option take values that the lifting takes for paths.
                #expect(argument["parsingStrategy"] as? String == "default", "\(command): \(argument)")
            }
            #expect(arguments.filter { $0["kind"] as? String == "positional" }.count == 1, "\(command)")
            #expect(arguments.contains { $0["kind"] as? String == "option" }, "\(command)")
        }
    }
}
