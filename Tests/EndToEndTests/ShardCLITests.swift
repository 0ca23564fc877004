import AuthStatsTestSupport
import Foundation
import Testing

/// Sharded runs through the built binary (issue 16, `docs/distributed.md`): a plan's shards
/// read into shard states, merged, equal one run over all the files, byte for byte.
@Suite("End to end: shards of a plan merge into one run's reports (issue 16)")
struct ShardCLITests {
    typealias S = StateCLI

    /// The generated files plus the awkward ones: a late file, copies of records read by
    /// another shard (re-gzipped, so different bytes), sessions and users across shards.
    static func inputs(_ folder: URL) throws -> [String] {
        let data = try S.data()
        let extra = folder.appendingPathComponent("extra")
        try FileManager.default.createDirectory(at: extra, withIntermediateDirectories: true)
        let old = try S.gunzip(data.files[0])
        let late = [
            PinpointLine("_userauth.sign_in", iso: "2026-11-02T08:00:00Z", user: "spanning").json,
            PinpointLine("page_view", iso: "2026-11-12T23:50:00Z", user: "spanning").json,
        ]
        let bridge = [PinpointLine("page_view", iso: "2026-11-13T00:10:00Z", user: "spanning").json]
        return data.files + [
            try S.gzip(Array(old.prefix(3)), extra, "copies.json.gz"),
            try S.gzip(late, extra, "late.json.gz"),
            try S.gzip(bridge, extra, "zz-bridge.json.gz"),
        ]
    }

    static func plan(_ inputs: [String], shards: Int, _ folder: URL) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let listing = folder.appendingPathComponent("listing.tsv")
        let lines = try inputs.map { path -> String in
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! NSNumber
            return "\(path)\t\(size)"
        }
        try (lines.joined(separator: "\n") + "\n").write(to: listing, atomically: true, encoding: .utf8)
        let plan = folder.appendingPathComponent("plan.json").path
        let result = try CLI.run(["plan", "--listing", listing.path, "--shards", "\(shards)", "--out", plan])
        #expect(result.status == 0, "\(result.stderr)")
        return plan
    }

    /// Runs every shard of `plan` (or those of `only`) into `folder/shard-I` (`--state-horizon
    /// none`, `options` added), each expected to succeed; the states, in shard order.
    static func shardStates(_ plan: String, _ shards: Int, _ folder: URL, _ options: [String], only: [Int]? = nil) throws -> [URL] {
        try (only ?? Array(0..<shards)).map { shard in
            let state = folder.appendingPathComponent("shard-\(shard)")
            let result = try CLI.run(
                ["report", "--plan", plan, "--shard", "\(shard)", "--state", state.path, "--state-horizon", "none", "-q"] + options)
            #expect(result.status == 0, "shard \(shard): \(result.stderr)")
            return state
        }
    }

    @Test("shards merged equal one run", arguments: [(2, "UTC"), (3, "America/New_York")])
    func shardsEqualOneRun(shards: Int, zone: String) throws {
        let folder = CLI.temporaryFolder("shards")
        let inputs = try Self.inputs(folder)
        let options = S.reportOptions + ["--timezone", zone]
        let expected = try S.single(inputs, options)
        let plan = try Self.plan(inputs, shards: shards, folder)
        let states = try Self.shardStates(plan, shards, folder, options).map(\.path)
        let out = folder.appendingPathComponent("merged")
        let merged = try CLI.run(["merge"] + states.reversed() + ["--out", out.path, "--report-options", options.joined(separator: " ")])
        #expect(merged.status == 0, "\(merged.stderr)")
        try S.expectSame(expected, out, "\(shards) shards in \(zone)")

        // The same through state merge, then a night on top of the merged state.
        let state = folder.appendingPathComponent("merged-state")
        let merge = try CLI.run(["state", "merge", "--into", state.path] + states)
        #expect(merge.status == 0, "\(merge.stderr)")
        // One state at a time, or several read at once and merged in turn: the same state.
        for jobs in Set(["1", "2", "\(shards)"]).sorted() {
            let alone = folder.appendingPathComponent("merged-state-jobs-\(jobs)")
            let result = try CLI.run(["state", "merge", "--jobs", jobs, "--into", alone.path] + states)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try S.streams(alone) == S.streams(state), "state merge --jobs \(jobs)")
        }
        // The states listed in a file (for more than a command line holds), after those given
        // as arguments, and from standard input: the same state, the same reports.
        let list = folder.appendingPathComponent("states.txt")
        try (states.dropFirst().map { $0 + "\n" }.joined() + "\n").write(to: list, atomically: true, encoding: .utf8)
        let listed = folder.appendingPathComponent("merged-state-listed")
        let fromList = try CLI.run(["state", "merge", "--into", listed.path, states[0], "--states-from", list.path])
        #expect(fromList.status == 0, "\(fromList.stderr)")
        #expect(try S.streams(listed) == S.streams(state), "state merge --states-from")
        let piped = folder.appendingPathComponent("merged-piped")
        let line = "printf '%s\\n' \(states.map { "'\($0)'" }.joined(separator: " ")) | '\(CLI.executable.path)' merge --states-from - --out '\(piped.path)' --report-options '\(options.joined(separator: " "))'"
        let fromStdin = try CLI.program(URL(fileURLWithPath: "/bin/sh"), ["-c", line])
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
        try S.expectSame(expected, piped, "authstats merge --states-from -")
        let info = try S.info(state)
        #expect(info["horizon_days"] as? NSNumber == 35)
        let again = folder.appendingPathComponent("from-state")
        #expect(try S.report([], state: state, out: again, options).status == 0)
        try S.expectSame(expected, again, "\(shards) shards merged with state merge")
    }

    /// `authstats merge` restores the shard states on several threads at once, into one spill
    /// store, the sorted streams straight into its runs: with tiny memory budgets (every
    /// state spills), segments (profiles), --by-project (each project's analysis restored
    /// too) and a users directory, its reports still equal one run's.
    /// Without session rows, each shard state's fingerprints and session events are read in
    /// place, in every project's scope too (one lock for the state's connection).
    @Test("authstats merge, spilled, with segments, --by-project and users, equals one run", arguments: [true, false])
    func mergeSpilledWithProfilesEqualsOneRun(sessionRows: Bool) throws {
        let folder = CLI.temporaryFolder("shards-spilled")
        // The sample logs: their app clients belong to two projects (sample-logs/clients.json).
        let samples = CLI.packageRoot.appendingPathComponent("sample-logs")
        let given = ["clients.json", "segments.json", "users/list-users.json"].map { samples.appendingPathComponent($0).path }
        let inputs = try ["2026", "AWSLogs", "cloudwatch-export"].flatMap { top in
            try FileManager.default.subpathsOfDirectory(atPath: samples.appendingPathComponent(top).path).sorted()
                .map { samples.appendingPathComponent(top).appendingPathComponent($0).path }
                .filter { (try? FileManager.default.attributesOfItem(atPath: $0)[.type] as? FileAttributeType) == .typeRegular }
        }
        #expect(inputs.count > 100)
        let options = [
            "--no-html", "--clients", given[0], "--by-project", "--segments", given[1], "--users", given[2],
            "--dedup-window", "64", "--session-memory", "4096", "--profile-memory", "2048",
        ] + (sessionRows ? ["--sessions-detail"] : [])
        let expected = try S.single(inputs, options)
        let plan = try Self.plan(inputs, shards: 4, folder)
        let states = try Self.shardStates(plan, 4, folder, options).map(\.path)
        let out = folder.appendingPathComponent("merged")
        let merged = try CLI.run(["merge"] + states + ["--out", out.path, "--report-options", options.joined(separator: " ")])
        #expect(merged.status == 0, "\(merged.stderr)")
        try S.expectSame(expected, out, "4 shards, spilled, with segments and projects")
        // States read on any number of threads, each merged in its turn: the same reports.
        for jobs in ["1", "3"] {
            let again = folder.appendingPathComponent("merged-jobs-\(jobs)")
            let result = try CLI.run(
                ["merge"] + states + ["--out", again.path, "--report-options", (options + ["--jobs", jobs]).joined(separator: " ")])
            #expect(result.status == 0, "\(result.stderr)")
            try S.expectSame(expected, again, "4 shards, --jobs \(jobs)")
        }
        for file in ["segments.csv", "projects"] + (sessionRows ? ["sessions.csv"] : []) {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
    }

    @Test("a state given twice, by any path, or the --into state among those merged into it, is refused (exit 1), not taken for another process's (exit 75)")
    func stateGivenTwice() throws {
        let folder = CLI.temporaryFolder("shards-twice")
        let inputs = try Self.inputs(folder)
        let plan = try Self.plan(inputs, shards: 2, folder)
        let states = try Self.shardStates(plan, 2, folder, ["--no-html"]).map(\.path)
        let out = folder.appendingPathComponent("merged")
        for again in [states[1], states[1] + "/", folder.appendingPathComponent("./shard-1").path] {
            let refused = try CLI.run(["merge", states[0], states[1], again, "--out", out.path])
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("are the same state, given twice: each state is merged once"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
        let into = try CLI.run(["state", "merge", "--into", states[0], states[1], states[0]])
        #expect(into.status == 1, "\(into.stderr)")
        #expect(into.stderr.contains("is the state merged into (--into \(states[0])): a state is not merged into itself"), "\(into.stderr)")
        // -q as report's: nothing on stderr but errors.
        let quiet = try CLI.run(["merge", states[0], states[1], "--out", out.path, "-q"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        let stateQuiet = try CLI.run(["state", "merge", "-q", "--into", folder.appendingPathComponent("merged-state").path, states[0], states[1]])
        #expect(stateQuiet.status == 0 && stateQuiet.stderr.isEmpty, "\(stateQuiet.stderr)")
    }

    @Test("an --allow-missing merge of 40 days into a new state keeps all detail, so the missing shard completes it later (it took 35 days and refused the shard)")
    func allowMissingLongerThanHorizon() throws {
        let folder = CLI.temporaryFolder("shards-missing-long")
        let exports = folder.appendingPathComponent("ex")
        #expect(try CLI.run(["generate", "--out", exports.path, "--users", "50", "--days", "40", "--start", "2026-09-01", "-q"]).status == 0)
        try FileManager.default.removeItem(at: exports.appendingPathComponent("users"))
        let plan = folder.appendingPathComponent("plan.json").path
        #expect(try CLI.run(["plan", exports.path, "--shards", "2", "--out", plan, "-q"]).status == 0)
        let shards = (0..<2).map { folder.appendingPathComponent("sh\($0)").path }
        for (index, state) in shards.enumerated() {
            #expect(try CLI.run(["report", "--plan", plan, "--shard", "\(index)", "--state", state, "-q"]).status == 0)
        }
        let merged = folder.appendingPathComponent("M").path
        let first = try CLI.run(["state", "merge", "--into", merged, "--allow-missing", shards[0]])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("is kept without a horizon, so that the missing shards can be merged into it later"), "\(first.stderr)")
        #expect(first.stderr.contains("; partial: shard 1 of 2"), "\(first.stderr)")
        let completed = try CLI.run(["state", "merge", "--into", merged, shards[1]])
        #expect(completed.status == 0, "\(completed.stderr)")
        let fromState = folder.appendingPathComponent("from-state")
        #expect(try S.report([], state: URL(fileURLWithPath: merged), out: fromState, ["--no-html"]).status == 0)
        let plain = folder.appendingPathComponent("plain")
        #expect(try CLI.run(["report", exports.path, "--out", plain.path, "--no-html", "-q"]).status == 0)
        try S.expectSame(plain, fromState, "40 days in 2 shards, one merged later")
    }

    /// A review on 2026-12-07: a planned file made a folder was walked, its files read at the
    /// place of the listing's first file (merged reports differed from one run's, exit 0), and
    /// a file of another size read without a word.
    @Test("a planned file that is a folder now, or of another size, is not read: failed, named, exit 1")
    func changedSincePlan() throws {
        let folder = CLI.temporaryFolder("changed-since-plan")
        let files = (0..<3).map { folder.appendingPathComponent("in/p\($0).ndjson").path }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("in"), withIntermediateDirectories: true)
        for (i, file) in files.enumerated() {
            try PinpointLine("_userauth.sign_in", iso: "2026-11-0\(i + 1)T10:00:00Z", user: "u\(i)").json.write(toFile: file, atomically: true, encoding: .utf8)
        }
        let plan = try Self.plan(files, shards: 1, folder.appendingPathComponent("plan"))
        // p0 becomes a folder of files; p1 grows.
        try FileManager.default.removeItem(atPath: files[0])
        try FileManager.default.createDirectory(atPath: files[0], withIntermediateDirectories: true)
        try PinpointLine("_userauth.sign_in", iso: "2026-11-05T10:00:00Z", user: "x").json.write(
            toFile: files[0] + "/x.ndjson", atomically: true, encoding: .utf8)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: files[1]))
        handle.seekToEndOfFile()
        handle.write(Data(("\n" + PinpointLine("_userauth.sign_in", iso: "2026-11-06T10:00:00Z", user: "y").json).utf8))
        try handle.close()
        let result = try CLI.run(["report", "--plan", plan, "--shard", "0", "--state", folder.appendingPathComponent("s0").path, "--state-horizon", "none"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("\(files[0]): failed: not read: it is a folder now, where a file was planned; it changed since the plan was made: plan again"), "\(result.stderr)")
        #expect(result.stderr.contains("\(files[1]): failed: not read: it is "), "\(result.stderr)")
        let info = try CLI.run(["state", "info", "--state", folder.appendingPathComponent("s0").path, "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any]
        #expect(json["events"] as? Int == 1, "\(info.stdout)")
    }

    @Test("a missing shard is refused, named; --allow-missing marks the reports partial (exit 1)")
    func missingShard() throws {
        let folder = CLI.temporaryFolder("shards-missing")
        let inputs = try Self.inputs(folder)
        let plan = try Self.plan(inputs, shards: 3, folder)
        let states = try Self.shardStates(plan, 3, folder, ["--no-html"], only: [0, 2]).map(\.path)
        let out = folder.appendingPathComponent("merged")
        let refused = try CLI.run(["merge"] + states + ["--out", out.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("shard 1 of 3"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("daily.csv").path))
        let partial = try CLI.run(["merge"] + states + ["--out", out.path, "--allow-missing", "--report-options", "--no-html"])
        #expect(partial.status == 1, "\(partial.stderr)")
        let summary = try String(contentsOf: out.appendingPathComponent("summary.json"), encoding: .utf8)
        #expect(summary.contains("\"partial\": \"shard 1 of 3"), "\(summary)")
        // A partial merged state merged again stays partial: the result still lacks shard 1.
        let first = folder.appendingPathComponent("first").path
        #expect(try CLI.run(["state", "merge", "--allow-missing", "--into", first] + states).status == 0)
        let again = folder.appendingPathComponent("again").path
        #expect(try CLI.run(["state", "merge", "--into", again, first]).status == 0)
        let fromAgain = folder.appendingPathComponent("from-again")
        let report = try S.report([], state: URL(fileURLWithPath: again), out: fromAgain, ["--no-html"])
        #expect(report.status == 1 && report.stderr.contains("partial"), "\(report.stderr)")
        let merged = try CLI.run(["merge", first, "--out", folder.appendingPathComponent("merged-again").path, "--report-options", "--no-html"])
        #expect(merged.status == 1, "\(merged.stderr)")
        for folder in [fromAgain, folder.appendingPathComponent("merged-again")] {
            let text = try String(contentsOf: folder.appendingPathComponent("summary.json"), encoding: .utf8)
            #expect(text.contains("\"partial\": \"shard 1 of 3"), "\(text)")
        }
        // The missing shard merged into the partial state completes it: counted with the shards
        // the state holds, not refused as missing them, and no longer marked partial (a review
        // found both: every later run on such a state exited 1 for good).
        let shard1 = try Self.shardStates(plan, 3, folder, ["--no-html"], only: [1]).map(\.path)
        let completed = try CLI.run(["state", "merge", "--into", first] + shard1)
        #expect(completed.status == 0, "\(completed.stderr)")
        let fromCompleted = folder.appendingPathComponent("from-completed")
        let whole = try S.report([], state: URL(fileURLWithPath: first), out: fromCompleted, ["--no-html"])
        #expect(whole.status == 0, "\(whole.stderr)")
        try S.expectSame(try S.single(inputs, ["--no-html"]), fromCompleted, "two shards, then the third, merged into one state")
        // Into a state that holds shards 0 and 2, a second copy of shard 0 is refused (an input in both).
        let twice = try CLI.run(["state", "merge", "--into", again, states[0]])
        #expect(twice.status == 1 && twice.stderr.contains("is in both"), "\(twice.stderr)")
    }

    @Test("--shard-from-env takes the shard from each scheduler's variable", arguments: [
        "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "SLURM_ARRAY_TASK_ID",
    ])
    func shardFromEnvironment(variable: String) throws {
        let folder = CLI.temporaryFolder("shards-env")
        let inputs = Array(try S.data().files.prefix(40))
        let plan = try Self.plan(inputs, shards: 2, folder)
        let byIndex = folder.appendingPathComponent("by-index")
        let byEnvironment = folder.appendingPathComponent("by-env")
        #expect(try CLI.run(["report", "--plan", plan, "--shard", "1", "--state", byIndex.path, "--state-horizon", "none",
                             "--out", folder.appendingPathComponent("o1").path, "--no-html", "-q"]).status == 0)
        let result = try CLI.run(
            ["report", "--plan", plan, "--shard-from-env", "--state", byEnvironment.path, "--state-horizon", "none",
             "--out", folder.appendingPathComponent("o2").path, "--no-html"],
            environment: [variable: "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("shard 1 of 2"), "\(result.stderr)")
        #expect(result.stderr.contains("no reports"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("o2/daily.csv").path))
        let (a, b) = (try S.info(byIndex), try S.info(byEnvironment))
        for field in ["inputs", "events", "users", "days"] {
            #expect(S.number(a, field) == S.number(b, field) && S.number(a, field) ?? 0 > 0, "\(field): \(a) \(b)")
        }
        let none = try CLI.run(
            ["report", "--plan", plan, "--shard-from-env", "--state", folder.appendingPathComponent("x").path, "--out",
             folder.appendingPathComponent("o3").path])
        #expect(none.status == 64)
        #expect(none.stderr.contains("JOB_COMPLETION_INDEX"), "\(none.stderr)")
    }

    @Test("a shard given options that only shape reports (--out, --from, --to, --no-html, --strict) says they do nothing there; without them it says nothing")
    func reportOnlyOptionsOnAShard() throws {
        let folder = CLI.temporaryFolder("shards-report-only")
        let files = Array(try S.data().files.prefix(2))
        let plan = try Self.plan(files, shards: 2, folder)
        let out = folder.appendingPathComponent("never")
        let given = try CLI.run(["report", "--plan", plan, "--shard", "0", "--state", folder.appendingPathComponent("s0").path,
            "--out", out.path, "--from", "2026-11-01", "--no-html"])
        #expect(given.status == 0, "\(given.stderr)")
        #expect(given.stderr.contains("--out, --from, --no-html: a shard writes no reports, so they do nothing here"), "\(given.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let plain = try CLI.run(["report", "--plan", plan, "--shard", "1", "--state", folder.appendingPathComponent("s1").path])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stderr.contains("a shard writes no reports"), "\(plain.stderr)")
    }

    @Test("a shard with no file writes a state that merges (more shards than files)")
    func emptyShard() throws {
        let folder = CLI.temporaryFolder("shards-empty")
        let files = Array(try S.data().files.prefix(2))
        let plan = try Self.plan(files, shards: 4, folder)
        var states: [String] = []
        for shard in 0..<4 {
            let state = folder.appendingPathComponent("s\(shard)").path
            // Shards keep session rows only when asked (their merged state is what sessions.csv is made from).
            #expect(try CLI.run(["report", "--plan", plan, "--shard", "\(shard)", "--state", state, "--state-horizon", "none", "-q"]
                + (shard == 3 ? [] : ["--sessions-detail"])).status == 0)
            states.append(state)
        }
        let out = folder.appendingPathComponent("merged")
        // One shard without rows: the merged state keeps none, and a report asking for them is refused.
        let refused = try CLI.run(["merge"] + states + ["--out", out.path, "--report-options", S.reportOptions.joined(separator: " ")])
        #expect(refused.status == 64 && refused.stderr.contains("keeps no session rows"), "\(refused.stderr)")
        // Merged into a state that keeps rows, a state without them is refused: the rows would be lost for good.
        let keeping = folder.appendingPathComponent("keeping").path
        #expect(try CLI.run(["state", "merge", "--allow-missing", "--into", keeping, states[0]]).status == 0)
        let dropping = try CLI.run(["state", "merge", "--allow-missing", "--into", keeping, states[3]])
        #expect(dropping.status == 1 && dropping.stderr.contains("keeps session rows"), "\(dropping.stderr)")
        #expect(try S.info(URL(fileURLWithPath: keeping))["session_rows"] as? String == "on")
        let counts = try CLI.run(["merge"] + states + ["--out", out.path, "--report-options", "--no-html"])
        #expect(counts.status == 0, "\(counts.stderr)")
        try S.expectSame(try S.single(files, ["--no-html"]), out, "2 files in 4 shards, one without session rows")
        let rows = folder.appendingPathComponent("s3")
        try FileManager.default.removeItem(at: rows)
        #expect(try CLI.run(["report", "--plan", plan, "--shard", "3", "--state", rows.path, "--state-horizon", "none", "-q", "--sessions-detail"]).status == 0)
        let merged = try CLI.run(["merge"] + states + ["--out", out.path, "--report-options", S.reportOptions.joined(separator: " ")])
        #expect(merged.status == 0, "\(merged.stderr)")
        try S.expectSame(try S.single(files), out, "2 files in 4 shards")
    }

    @Test("authstats merge refuses report options the states were not made with, inputs, and its own flag on report")
    func mergeChecksTheReportOptions() throws {
        let folder = CLI.temporaryFolder("shards-usage")
        let files = Array(try S.data().files.prefix(2))
        let plan = try Self.plan(files, shards: 2, folder)
        var states: [String] = []
        for shard in 0..<2 {
            let state = folder.appendingPathComponent("s\(shard)").path
            #expect(try CLI.run(["report", "--plan", plan, "--shard", "\(shard)", "--state", state, "--state-horizon", "none", "-q"]).status == 0)
            states.append(state)
        }
        let out = folder.appendingPathComponent("merged")
        for (options, says) in [
            ("--session-timeout 10m", "--session-timeout"), ("--timezone Europe/Berlin", "count days in UTC"),
            (files[0], "reads the states it is given"), ("--segments sample-logs/segments.json", "keep no user profiles"),
            ("--shard 1", "--shard"),
            // Report's own parse errors, and a request for its help (it printed the tool's help and
            // exited 0 without merging), are usage errors of merge.
            ("--nope", "--report-options: Unknown option '--nope'"), ("--jobs 0", "--report-options: --jobs must be positive"),
            ("--help", "not a request for its help"), ("-h", "not a request for its help"),
            // A second --out won over merge's own, in silence (a review, 2026-12-05).
            ("--no-html --out \(folder.appendingPathComponent("elsewhere").path)", "--out is merge's own option"),
            ("--out=\(folder.appendingPathComponent("elsewhere").path)", "--out is merge's own option"),
        ] {
            let result = try CLI.run(["merge"] + states + ["--out", out.path, "--report-options", options], in: CLI.packageRoot)
            #expect(result.status == 64 && result.stderr.contains(says), "\(options): \(result.stderr)")
            #expect(!result.stderr.contains("Usage: report"), "\(options): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(options)")
        }
        let own = try CLI.run(["report", "--merged-states", "--out", out.path])
        #expect(own.status == 64 && own.stderr.contains("authstats merge"), "\(own.stderr)")
        // What is accepted is one run's reports, from the states merged in memory.
        #expect(try CLI.run(["merge"] + states + ["--out", out.path, "--report-options", "--no-html"]).status == 0)
        try S.expectSame(try S.single(files, ["--no-html"]), out, "2 files in 2 shards")
        // --users at the merge sets no user_type (the shards' reading did): said, not taken in silence.
        let users = try CLI.run(["merge"] + states + ["--out", out.path, "--report-options", "--no-html --users sample-logs/users/list-users.json"], in: CLI.packageRoot)
        #expect(users.status == 0 && users.stderr.contains("--users: user_type is set as events are read"), "\(users.stderr)")
        // States of other counting options: each value named with its state (the first state's
        // was called "the state's" and the other's "this run's", a review found).
        let other = folder.appendingPathComponent("other").path
        #expect(try CLI.run(["report", files[0], "--state", other, "--session-timeout", "5m", "--out", folder.appendingPathComponent("o").path, "-q"]).status == 0)
        let mixed = try CLI.run(["merge", states[0], other, "--out", out.path])
        #expect(mixed.status == 1, "\(mixed.stderr)")
        #expect(mixed.stderr.contains("\(other) was built with other counting options than \(states[0]): --session-timeout (\(states[0])'s: 30m; \(other)'s: 5m)"), "\(mixed.stderr)")
    }

    @Test("a shard state keeps all its event detail: no horizon without --state-horizon, and a number refused")
    func shardHorizon() throws {
        let folder = CLI.temporaryFolder("shards-horizon")
        let plan = try Self.plan(Array(try S.data().files.prefix(20)), shards: 2, folder)
        let state = folder.appendingPathComponent("shard-0")
        let result = try CLI.run(["report", "--plan", plan, "--shard", "0", "--state", state.path,
                                  "--out", folder.appendingPathComponent("o").path, "--no-html", "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try S.info(state)["horizon_days"] as? String == "none")
        let numbered = try CLI.run(["report", "--plan", plan, "--shard", "1", "--state", folder.appendingPathComponent("shard-1").path,
                                    "--state-horizon", "35", "--out", folder.appendingPathComponent("o1").path, "--no-html", "-q"])
        #expect(numbered.status == 64, "\(numbered.stderr)")
        #expect(numbered.stderr.contains("--state-horizon none"), "\(numbered.stderr)")
        // A shard run into a nightly state, and a merge into one with another horizon: each
        // told what to do (both were told "or --rebuild", which turned the nightly state into
        // a shard's, or which state merge does not have; a review, 2026-12-05).
        let nightly = folder.appendingPathComponent("nightly")
        #expect(try CLI.run(["report", try S.data().files[30], "--state", nightly.path, "--out", folder.appendingPathComponent("o2").path, "-q"]).status == 0)
        let shardInto = try CLI.run(["report", "--plan", plan, "--shard", "1", "--state", nightly.path, "--out", folder.appendingPathComponent("o3").path, "-q"])
        #expect(shardInto.status == 64 && shardInto.stderr.contains("keeps a horizon of 35 days, not none: it is no shard state"), "\(shardInto.stderr)")
        #expect(!shardInto.stderr.contains("--rebuild"), "\(shardInto.stderr)")
        let mergeInto = try CLI.run(["state", "merge", "--into", nightly.path, state.path, "--allow-missing", "--state-horizon", "5"])
        #expect(mergeInto.status == 64 && mergeInto.stderr.contains("drop --state-horizon: a state merged into keeps its own"), "\(mergeInto.status) \(mergeInto.stderr)")
    }

    @Test("shard states of two plans do not merge")
    func twoPlans() throws {
        let folder = CLI.temporaryFolder("shards-plans")
        let files = try S.data().files
        let a = try Self.plan(Array(files.prefix(30)), shards: 1, folder.appendingPathComponent("a"))
        let b = try Self.plan(Array(files.dropFirst(30).prefix(30)), shards: 1, folder.appendingPathComponent("b"))
        for (name, plan) in [("a", a), ("b", b)] {
            #expect(try CLI.run(["report", "--plan", plan, "--shard", "0", "--state", folder.appendingPathComponent("s-\(name)").path,
                                 "--state-horizon", "none", "--out", folder.appendingPathComponent("o-\(name)").path, "--no-html", "-q"]).status == 0)
        }
        let merge = try CLI.run(["state", "merge", "--into", folder.appendingPathComponent("m").path,
                                 folder.appendingPathComponent("s-a").path, folder.appendingPathComponent("s-b").path])
        #expect(merge.status == 1)
        #expect(merge.stderr.contains("only the shard states of one plan merge"), "\(merge.stderr)")
    }

    @Test("shards without session rows merged by authstats merge (their fingerprints and session events read in place) equal one run")
    func shardsReadInPlaceEqualOneRun() throws {
        let folder = CLI.temporaryFolder("shards-in-place")
        let inputs = try Self.inputs(folder)  // copies across shards, a session spanning them, a late file
        let options = S.reportOptions.filter { $0 != "--sessions-detail" } + ["--timezone", "America/New_York"]
        let expected = try S.single(inputs, options)
        let plan = try Self.plan(inputs, shards: 3, folder)
        let states = try Self.shardStates(plan, 3, folder, options).map(\.path)
        for jobs in ["1", "2"] {
            let out = folder.appendingPathComponent("merged-\(jobs)")
            let merged = try CLI.run(
                ["merge"] + states + ["--out", out.path, "--report-options", (options + ["--jobs", jobs]).joined(separator: " ")])
            #expect(merged.status == 0, "\(merged.stderr)")
            try S.expectSame(expected, out, "3 shards read in place, --jobs \(jobs)")
        }
    }

    @Test("a shard state's fingerprints, read in place by authstats merge, found damaged: the state named, nothing written")
    func damagedFingerprintsReadInPlace() throws {
        let folder = CLI.temporaryFolder("shards-damaged")
        let plan = try Self.plan(Array(try S.data().files.prefix(40)), shards: 2, folder)
        let states = try Self.shardStates(plan, 2, folder, [])
        // One fingerprint chunk of shard 1 zeroed under its check (its size kept: read in place).
        try S.sqlite(states[1], "UPDATE chunks SET data = zeroblob(length(data)) WHERE rowid = (SELECT min(rowid) FROM chunks WHERE name LIKE 'fingerprints.%')")
        let out = folder.appendingPathComponent("merged")
        let merged = try CLI.run(["merge"] + states.map(\.path) + ["--out", out.path])
        #expect(
            merged.stderr.contains(
                "could not read the state in \(states[1].path): the state's data is damaged: chunk 1 of fingerprints."),
            "\(merged.stderr)")
        #expect(merged.stderr.contains("fails its checksum; nothing written"), "\(merged.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("daily.csv").path))
        // state merge copies them as a restore does (not in place): refused, with the same status.
        let merge = try CLI.run(["state", "merge", "--into", folder.appendingPathComponent("m").path] + states.map(\.path))
        #expect(merge.stderr.contains("could not read the state in \(states[1].path): the state's data is damaged"), "\(merge.stderr)")
        #expect(merged.status == 2 && merge.status == 2, "\(merged.status) \(merge.status)")
    }

    @Test("--states-from: a list that cannot be read, or lists no state, is bad usage (exit 64), named")
    func statesFromRefused() throws {
        let folder = CLI.temporaryFolder("states-from")
        let empty = folder.appendingPathComponent("empty.txt")
        try "\n  \n".write(to: empty, atomically: true, encoding: .utf8)
        let missing = folder.appendingPathComponent("missing.txt").path
        for command in [["state", "merge", "--into", folder.appendingPathComponent("into").path], ["merge", "--out", folder.appendingPathComponent("out").path]] {
            let unreadable = try CLI.run(command + ["--states-from", missing])
            #expect(unreadable.status == 64)
            #expect(unreadable.stderr.contains("--states-from \(missing): cannot read it: No such file or directory"), "\(unreadable.stderr)")
            let none = try CLI.run(command + ["--states-from", empty.path])
            #expect(none.status == 64)
            #expect(none.stderr.contains("lists no state"), "\(none.stderr)")
            let neither = try CLI.run(command)
            #expect(neither.status == 64)
            #expect(neither.stderr.contains("(or --states-from FILE)"), "\(neither.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("into").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }

    /// A shard's rejected records went with its staging folder until 2026-12-05: the merged
    /// reports said 0 rejected. Now each shard state keeps what its run read (`ShardRuns`), and
    /// the reports of the merge count it as one run over all the inputs does.
    @Test("--max-rejects-bytes: the merged rejects.ndjson is one run's, the shards cut by the same bytes; by fewer, what they kept")
    func shardRejectBytes() throws {
        let folder = CLI.temporaryFolder("shard-reject-bytes")
        let bad = folder.appendingPathComponent("bad")
        // Three inputs of an event and 4, 5 and 6 rejects of lengths that differ: of three
        // sizes, so that the plan puts each in a shard of its own (files of one size go together).
        let inputs = try (0..<3).map { file in
            let event = PinpointLine("_userauth.sign_in", iso: "2026-11-0\(3 + file)T08:00:00Z", user: "u\(file)").json
            return try S.gzip([event] + (0..<(4 + file)).map { "junk \(file)-\($0) " + String(repeating: "y", count: 40 * ($0 + 1)) }, bad, "\(file)-rejects.json.gz")
        }
        let all = folder.appendingPathComponent("all")
        #expect(try S.report(inputs, state: nil, out: all, ["--no-html"]).status == 0)
        let lines = try Data(contentsOf: all.appendingPathComponent("rejects.ndjson")).split(separator: 0x0A)
        #expect(lines.count == 15)
        // Room for seven lines: the cut falls in the second input's rejects.
        let plan = try Self.plan(inputs, shards: 3, folder)
        let shards = try (JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: plan))) as! [String: Any])["inputs"] as! [[String: Any]]
        #expect(Set(shards.compactMap { $0["shard"] as? Int }) == [0, 1, 2], "each input in a shard of its own")
        let budget = lines.prefix(7).reduce(0) { $0 + $1.count + 1 } + 10
        func merged(_ shardBudget: Int, _ name: String) throws -> URL {
            var states: [String] = []
            for shard in 0..<3 {
                let state = folder.appendingPathComponent("\(name)-shard-\(shard)")
                let result = try CLI.run(
                    ["report", "--plan", plan, "--shard", "\(shard)", "--state", state.path, "-q", "--no-html", "--max-rejects-bytes", "\(shardBudget)"])
                #expect(result.status == 0, "\(result.stderr)")
                states.append(state.path)
            }
            let out = folder.appendingPathComponent(name)
            let result = try CLI.run(["merge"] + states + ["--out", out.path, "--report-options", "--no-html --max-rejects-bytes \(budget)"])
            #expect(result.status == 0, "\(result.stderr)")
            return out
        }
        let single = folder.appendingPathComponent("single")
        #expect(try S.report(inputs, state: nil, out: single, ["--no-html", "--max-rejects-bytes", "\(budget)"]).status == 0)
        #expect(try Data(contentsOf: single.appendingPathComponent("rejects.ndjson")).split(separator: 0x0A).count == 7)
        func rejectsFile(_ out: URL) throws -> NSDictionary? {
            (try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])?["rejects_file"] as? NSDictionary
        }
        let same = try merged(budget, "same")
        try S.expectSame(single, same, "shards with the merge's --max-rejects-bytes")
        #expect(try rejectsFile(same) == rejectsFile(single))
        // Shards that kept fewer bytes (room for two lines): the merged file holds what they
        // kept, no line of a later input after a cut one, and says so.
        let fewer = try merged(lines.prefix(2).reduce(0) { $0 + $1.count + 1 }, "fewer")
        let kept = try Data(contentsOf: fewer.appendingPathComponent("rejects.ndjson")).split(separator: 0x0A)
        #expect(Array(kept) == Array(lines.prefix(kept.count)), "a prefix of the whole listing's rejects")
        #expect(kept.count == 2, "the first shard's two: the others' would come after its rejects it did not keep")

        // Two inputs of one long reject each in one shard, a short one after them in another:
        // one run writes the first alone (the second does not fit); the merge must not add
        // the third after the second it left out (a review found it did).
        let gap = folder.appendingPathComponent("gap")
        let long = "junk " + String(repeating: "z", count: 600)
        let gapInputs = try [
            S.gzip([long + "a"], gap, "a.json.gz"), S.gzip([long + "b"], gap, "b.json.gz"), S.gzip(["junk c"], gap, "c.json.gz"),
        ]
        let gapPlan = try Self.plan(gapInputs, shards: 2, gap)
        let gapOptions = "--no-html --max-rejects-bytes 1000"
        let gapSingle = gap.appendingPathComponent("single")
        #expect(try S.report(gapInputs, state: nil, out: gapSingle, gapOptions.split(separator: " ").map(String.init)).status == 0)
        var gapStates: [String] = []
        for shard in 0..<2 {
            let state = gap.appendingPathComponent("shard-\(shard)")
            #expect(try CLI.run(["report", "--plan", gapPlan, "--shard", "\(shard)", "--state", state.path, "-q"] + gapOptions.split(separator: " ").map(String.init)).status == 0)
            gapStates.append(state.path)
        }
        let gapMerged = gap.appendingPathComponent("merged")
        #expect(try CLI.run(["merge"] + gapStates + ["--out", gapMerged.path, "--report-options", gapOptions]).status == 0)
        let one = try String(contentsOf: gapSingle.appendingPathComponent("rejects.ndjson"), encoding: .utf8)
        #expect(one.split(separator: "\n").count == 1 && one.contains("zzza"), "\(one)")
        #expect(try String(contentsOf: gapMerged.appendingPathComponent("rejects.ndjson"), encoding: .utf8) == one)
        try S.expectSame(gapSingle, gapMerged, "a merge of shards cut inside the listing")
    }

    @Test("rejected records and partial inputs of the shard runs reach the merged reports as one run's")
    func shardRejectsReachTheMerge() throws {
        let folder = CLI.temporaryFolder("shard-rejects")
        let data = try S.data()
        let bad = folder.appendingPathComponent("bad")
        let good = PinpointLine("_userauth.sign_in", iso: "2026-11-03T08:00:00Z", user: "rejecting").json
        var inputs = data.files + [
            // (The broken record before a whole one: at the end, the file would be cut short.)
            try S.gzip(["not json at all", "{\"broken\": ", good], bad, "a-rejects.json.gz"),
            try S.gzip(["garbage line"] + (1...3).map { "bad \($0)" }, bad, "b-rejects.json.gz"),
        ]
        // One input cut short (read in part: the shard's exit status 1, and the merged reports').
        let whole = try Data(contentsOf: URL(fileURLWithPath: data.files[1]))
        let cut = bad.appendingPathComponent("c-cut.json.gz")
        try whole.prefix(whole.count / 2).write(to: cut)
        inputs.append(cut.path)
        let options = ["--no-html", "--max-rejects", "4"]
        let single = folder.appendingPathComponent("single")
        #expect(try S.report(inputs, state: nil, out: single, options).status == 1)
        let plan = try Self.plan(inputs, shards: 3, folder)
        var states: [String] = []
        var statuses: [Int32] = []
        for shard in 0..<3 {
            let state = folder.appendingPathComponent("shard-\(shard)")
            let result = try CLI.run(["report", "--plan", plan, "--shard", "\(shard)", "--state", state.path, "-q"] + options)
            statuses.append(result.status)
            states.append(state.path)
        }
        #expect(statuses.sorted() == [0, 0, 1], "the shard with the cut input exits 1")
        let merged = folder.appendingPathComponent("merged")
        let viaMerge = try CLI.run(["merge"] + states + ["--out", merged.path, "--report-options", options.joined(separator: " ")])
        #expect(viaMerge.status == 1, "\(viaMerge.stderr)")
        #expect(viaMerge.stderr.contains("1 input was read only in part and 0 not at all by the shard runs"), "\(viaMerge.stderr)")
        let state = folder.appendingPathComponent("merged-state")
        #expect(try CLI.run(["state", "merge", "--into", state.path] + states).status == 0)
        let shown = try #require(try S.info(state)["shard_runs"] as? String, "state info shows what the shard runs read")
        #expect(shown.hasPrefix("shards=3 inputs=\(inputs.count) "), "\(shown)")
        #expect(shown.contains(" partial=1 failed=0 limit=4"), "\(shown)")
        let fromState = folder.appendingPathComponent("from-state")
        #expect(try S.report([], state: state, out: fromState, options).status == 1)
        func summary(_ out: URL) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        }
        let expected = try summary(single)
        let expectedRejects = try String(contentsOf: single.appendingPathComponent("rejects.ndjson"), encoding: .utf8)
        #expect(expectedRejects.split(separator: "\n").count == 4, "the first 4 of 6 rejects")
        for out in [merged, fromState] {
            try S.expectSame(single, out, "\(out.lastPathComponent)")
            // The totals the comparison leaves aside (this run's reading), here the shards'.
            let got = try summary(out)
            let totals = try #require(got["totals"] as? [String: Any])
            for name in ["inputs", "records", "skipped", "rejected"] {
                #expect(totals[name] as? Int == (expected["totals"] as? [String: Any])?[name] as? Int, "\(out.lastPathComponent): \(name)")
            }
            #expect(got["rejects_file"] as? NSDictionary == expected["rejects_file"] as? NSDictionary)
            #expect(got["shard_runs"] as? NSDictionary == ["shards": 3, "partial": 1, "failed": 0] as NSDictionary)
        }
        // A shard state is one run's: run again into it, the shard is refused (its counts and
        // rejects would become those of the inputs read again).
        let again0 = try CLI.run(["report", "--plan", plan, "--shard", "0", "--state", states[0], "-q"] + options)
        #expect(again0.status == 64)
        #expect(again0.stderr.contains("holds a run of shard 0 already"), "\(again0.stderr)")

        // A shard that kept every reject it found cuts nothing, whatever its --max-rejects (a
        // shard with none, run with 0, emptied the merged rejects.ndjson).
        func rejected(_ state: String) throws -> Int {
            let result = try CLI.program(URL(fileURLWithPath: "/usr/bin/sqlite3"), [S.databasePath(URL(fileURLWithPath: state)), "select value from meta where name = 'shard_runs'"])
            let field = result.stdout.split(separator: " ").first { $0.hasPrefix("rejected=") }
            return try #require(field.flatMap { Int($0.dropFirst("rejected=".count)) })
        }
        let clean = try #require(try states.firstIndex { try rejected($0) == 0 }, "a shard without rejects")
        let zero = folder.appendingPathComponent("shard-\(clean)-zero").path
        #expect(try CLI.run(["report", "--plan", plan, "--shard", "\(clean)", "--state", zero, "-q", "--no-html", "--max-rejects", "0"]).status <= 1)
        var mixed = states
        mixed[clean] = zero
        let mixedOut = folder.appendingPathComponent("merged-mixed-limits")
        #expect(try CLI.run(["merge"] + mixed + ["--out", mixedOut.path, "--report-options", options.joined(separator: " ")]).status == 1)
        #expect(try String(contentsOf: mixedOut.appendingPathComponent("rejects.ndjson"), encoding: .utf8) == expectedRejects)

        // The page of the merge shows the shard runs' first rejects, as one run's page does.
        let page = folder.appendingPathComponent("merged-page")
        #expect(try CLI.run(["merge"] + states + ["--out", page.path, "--report-options", "--max-rejects 4"]).status == 1)
        let html = try String(contentsOf: page.appendingPathComponent("report.html"), encoding: .utf8)
        let total = try #require((expected["totals"] as? [String: Any])?["rejected"] as? Int)
        #expect(total > 4)
        #expect(html.contains("\(total) rejected by the shard runs; rejects.ndjson holds 4 (--max-rejects 4); the first 4 below."), "the page's note")
        #expect(html.contains("not JSON: &quot;not json at all&quot;") || html.contains("not JSON: \"not json at all\""), "a reject's reason on the page")
        #expect(html.contains("3 shard runs read the"), "the inputs' note")

        // Another plan's shards merged into the merged state: the merge's batch is theirs alone
        // (the first plan's reading was added to it, and its partial input made every later
        // report exit 1).
        let other = try S.gzip([PinpointLine("page_view", iso: "2026-11-12T09:00:00Z", user: "other-plan").json], folder.appendingPathComponent("other"), "o.json.gz")
        let otherPlan = try Self.plan([other], shards: 1, folder.appendingPathComponent("other-plan"))
        let otherShard = folder.appendingPathComponent("other-shard-0")
        #expect(try CLI.run(["report", "--plan", otherPlan, "--shard", "0", "--state", otherShard.path, "-q"] + options).status == 0)
        let twoPlans = folder.appendingPathComponent("two-plans")
        try FileManager.default.copyItem(at: state, to: twoPlans)
        #expect(try CLI.run(["state", "merge", "--into", twoPlans.path, otherShard.path]).status == 0)
        let twoPlansOut = folder.appendingPathComponent("two-plans-out")
        #expect(try S.report([], state: twoPlans, out: twoPlansOut, options).status == 0)
        let afterOther = try summary(twoPlansOut)
        #expect(afterOther["shard_runs"] as? NSDictionary == ["shards": 1, "partial": 0, "failed": 0] as NSDictionary)
        #expect((afterOther["totals"] as? [String: Any])?["inputs"] as? Int == 1)
        #expect((afterOther["totals"] as? [String: Any])?["rejected"] as? Int == 0)

        // A nightly batch onto the merged state reports its own reading from then on.
        let night = try S.gzip([PinpointLine("page_view", iso: "2026-11-12T10:00:00Z", user: "late").json], folder, "night.json.gz")
        let afterNight = folder.appendingPathComponent("after-night")
        #expect(try S.report([night], state: state, out: afterNight, options).status == 0)
        let again = folder.appendingPathComponent("again")
        #expect(try S.report([], state: state, out: again, options).status == 0)
        #expect(try S.info(state)["shard_runs"] is NSNull, "state info: none after a nightly batch")
        let last = try summary(again)
        #expect((last["totals"] as? [String: Any])?["rejected"] as? Int == 0)
        #expect(last["shard_runs"] == nil)
        #expect(try String(contentsOf: again.appendingPathComponent("rejects.ndjson"), encoding: .utf8).isEmpty)
    }
}
