import AuthStatsTestSupport
import Foundation
import Testing

/// A command line that starts with a subcommand's name is parsed by that subcommand alone
/// (`AuthStats.parsedDirectly`, 2 ms off every process), and by the whole tree whenever that
/// parse fails or makes the parser's own help command. What the whole tree prints, with
/// `authstats` in every usage line, must not change: these are the lines where the two
/// parses differ.
@Suite("Command lines parsed by their subcommand: help, version and errors as the whole tree prints them")
struct CLIParseTests {
    @Test("each command's help names it under authstats", arguments: [
        (["report", "--help"], "USAGE: authstats report"),
        (["report", "-h"], "USAGE: authstats report"),
        (["plan", "--help"], "USAGE: authstats plan"),
        (["merge", "--help"], "USAGE: authstats merge"),
        (["generate", "--help"], "USAGE: authstats generate"),
        (["check-config", "--help"], "USAGE: authstats check-config"),
        (["state", "--help"], "USAGE: authstats state"),
        (["state", "info", "--help"], "USAGE: authstats state info"),
        (["state", "merge", "-h"], "USAGE: authstats state merge"),
        (["help", "state", "info"], "USAGE: authstats state info"),
    ])
    func help(arguments: [String], usage: String) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(usage), "\(arguments): \(result.stdout.prefix(200))")
    }

    @Test("--version after a subcommand is the root's", arguments: [["report", "--version"], ["report", "x", "--version"], ["state", "--version"]])
    func version(arguments: [String]) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).range(of: #"^\d+\.\d+\.\d+$"#, options: .regularExpression) != nil)
    }

    @Test("errors name the command under authstats, with the usage exit status", arguments: [
        (["report", "--nope"], "authstats report"),
        (["report", "--jobs", "0", "sample-logs"], "authstats report"),
        (["report", "--from", "2026-02-30", "sample-logs"], "authstats report"),
        (["plan", "--shards", "0", "sample-logs"], "authstats plan"),
        (["state", "help"], "authstats state"),
        (["state", "info"], "authstats state info"),
    ])
    func errors(arguments: [String], usage: String) throws {
        let result = try CLI.run(arguments, in: CLI.packageRoot)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(usage), "\(arguments): \(result.stderr.prefix(300))")
    }

    /// The parser says a required input or option is missing before it says an option is
    /// unknown, so a mistyped option with nothing else was reported as the missing one.
    @Test("an unknown option is named before a missing input or option", arguments: [
        (["report", "--bogus"], "unknown option '--bogus' for 'authstats report'"),
        (["--bogus"], "unknown option '--bogus' for 'authstats report'"),
        (["report", "-q", "--jobs=2", "--bogus=1"], "unknown option '--bogus' for 'authstats report'"),
        (["plan", "--bogus"], "unknown option '--bogus' for 'authstats plan'"),
        (["state", "merge", "--into", "x", "--bogus"], "unknown option '--bogus' for 'authstats state merge'"),
        (["merge", "--report-options", "--no-html --bogus", "--nope"], "unknown option '--nope' for 'authstats merge'"),
        (["check-config", "--bogus"], "unknown option '--bogus' for 'authstats check-config'"),
    ])
    func unknownOptionFirst(arguments: [String], message: String) throws {
        let result = try CLI.run(arguments, in: CLI.temporaryFolder("unknown-option"))
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr.prefix(300))")
    }

    @Test("the missing input is said when no option is unknown (hidden options and values that look like options are known)", arguments: [
        (["report", "--merged-states"], "authstats merge's own"),
        (["report", "--out", "--x", "-q"], "Missing value for '--out <dir>'"),
        (["report", "--out=--x", "-q"], "Give the files or folders to read"),
        (["merge", "--report-options", "--no-html"], "Give the shard states"),
    ])
    func knownOptions(arguments: [String], message: String) throws {
        let result = try CLI.run(arguments, in: CLI.temporaryFolder("known-option"))
        #expect(result.status != 0, "\(arguments)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr.prefix(300))")
        #expect(!result.stderr.contains("unknown option"), "\(arguments): \(result.stderr.prefix(300))")
    }

    @Test("help help is the tool's help")
    func helpHelp() throws {
        let result = try CLI.run(["help", "help"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("USAGE: authstats help"))
    }

    @Test("help for a command that is not there is an error (exit 64), naming the commands there are", arguments: [
        (["help", "nosuch"], "'nosuch' is no command of 'authstats'; its commands: report, plan"),
        (["help", "state", "nosuch"], "'nosuch' is no command of 'authstats state'; its commands: info, merge"),
        (["help", "report", "x"], "'x' is no command of 'authstats report' (it has none)"),
        // Not only under help: the parser blamed the option of the command meant.
        (["state", "infoo", "--state", "s"], "'infoo' is no command of 'authstats state'; its commands: info, merge"),
        (["state", "nosuch"], "'nosuch' is no command of 'authstats state'; its commands: info, merge"),
    ])
    func helpForNoCommand(arguments: [String], message: String) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr.prefix(300))")
        #expect(result.stdout.isEmpty)
    }

    @Test("an empty path is refused before anything is read or written (--out \"\" replaced the current folder's reports and removed its projects/ and segments/)", arguments: [
        (["report", "in", "--out", ""], "--out"), (["report", "", "--out", "o"], "an input"), (["report", "in", "--state", "", "--out", "o"], "--state"),
        (["report", "in", "--users", "", "--out", "o"], "--users"), (["report", "in", "--segments", "", "--out", "o"], "--segments"),
        (["report", "in", "--clients", "", "--out", "o"], "--clients"), (["report", "in", "--plan", "", "--shard", "0", "--state", "s", "--out", "o"], "--plan"),
        (["merge", "s", "--out", ""], "--out"), (["merge", "", "--out", "o"], "a state"), (["plan", "in", "--shards", "2", "--out", ""], "--out"),
        (["generate", "--out", ""], "--out"), (["state", "info", "--state", ""], "--state"), (["state", "merge", "--into", "", "s"], "--into"),
        (["state", "merge", "--into", "s", ""], "a state"), (["check-config", ""], "a file"), (["check-config", "c.json", "--iam", ""], "--iam"),
    ])
    func emptyPaths(arguments: [String], named: String) throws {
        let folder = CLI.temporaryFolder("empty-path")
        let inputs = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs.appendingPathComponent("projects"), withIntermediateDirectories: true)
        try Data(PinpointLine("_session.start", at: 1_767_225_600_000, user: "u1").json.utf8).write(to: inputs.appendingPathComponent("a.json"))
        let result = try CLI.run(arguments, in: folder)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("\(named) is empty: give a path (an unset shell variable gives an empty one)."), "\(arguments): \(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["in"], "\(arguments): something was written")
        #expect(FileManager.default.fileExists(atPath: inputs.appendingPathComponent("projects").path))
    }

    @Test("--users taking the folder meant as the input: said so")
    func folderAsUsers() throws {
        let result = try CLI.run(["report", "--users", "sample-logs/"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("sample-logs/ is a folder, taken as the value of an option that names a file (--users, --segments or --clients), and no input is left: give the files or folders to read"), "\(result.stderr)")
    }

    @Test("a negative number or a zero timeout is named as such (the parser said the value was missing, or that 0s is no duration)", arguments: [
        (["report", "sample-logs", "--jobs", "-1"], "--jobs -1: must not be negative."),
        (["report", "sample-logs", "--max-rejects", "-1"], "--max-rejects -1: must not be negative."),
        (["report", "sample-logs", "--session-timeout", "-5m"], "--session-timeout -5m: must not be negative."),
        (["report", "sample-logs", "--session-timeout", "0s"], "--session-timeout '0s' must be longer than 0."),
        (["generate", "--out", "g", "--users", "-5"], "--users -5: must not be negative."),
        (["state", "merge", "--into", "a", "b", "--jobs", "-2"], "--jobs -2: must not be negative."),
    ])
    func negativeNumbers(arguments: [String], message: String) throws {
        let result = try CLI.run(arguments, in: CLI.temporaryFolder("negative"))
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        // With the command's usage, not the root's.
        let command = arguments[0] == "state" ? "state merge" : arguments[0]
        #expect(result.stderr.contains("Usage: authstats \(command)") && result.stderr.contains("See 'authstats \(command) --help'"), "\(arguments): \(result.stderr)")
    }

    @Test("a number past what a run can use is refused with its bound (a crash, a failed allocation or all the memory, until 2026-12-07)", arguments: [
        (["report", "sample-logs", "--jobs", "9223372036854775807"], "--jobs 9223372036854775807: at most 1024 worker threads"),
        (["report", "sample-logs", "--jobs", "1025"], "--jobs 1025: at most 1024 worker threads"),
        (["report", "sample-logs", "--max-record-bytes", "9223372036854775807"], "--max-record-bytes 9223372036854775807: more than this machine's memory"),
        (["report", "sample-logs", "--session-memory", "9223372036854775807"], "--session-memory 9223372036854775807: more than this machine's memory"),
        (["report", "sample-logs", "--profile-memory", "9223372036854775807"], "--profile-memory 9223372036854775807: more than this machine's memory"),
        (["report", "sample-logs", "--dedup-window", "384307168202282326"], "--dedup-window 384307168202282326 (48 bytes each): more than this machine's memory"),
        (["state", "merge", "--into", "a", "b", "--jobs", "5000"], "--jobs 5000: at most 1024 worker threads"),
        (["generate", "--out", "g", "--users", "9223372036854775807"], "--users 9223372036854775807: at most 10000000"),
        (["generate", "--out", "g", "--days", "100000"], "--days 100000: at most 3660"),
    ])
    func boundedNumbers(arguments: [String], message: String) throws {
        let result = try CLI.run(arguments, in: CLI.temporaryFolder("bounded"))
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }

    @Test("AUTHSTATS_JOBS past the bound is refused as --jobs is, naming the variable (and, for merge, not blaming --report-options)")
    func boundedJobsVariable() throws {
        let result = try CLI.run(["report", "sample-logs", "--out", "r"], in: CLI.temporaryFolder("bounded"), environment: ["AUTHSTATS_JOBS": "5000"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("AUTHSTATS_JOBS=5000: not a whole number from 1 to 1024"), "\(result.stderr)")
        let merge = try CLI.run(["merge", "s0", "-q"], in: CLI.temporaryFolder("bounded"), environment: ["AUTHSTATS_JOBS": "abc"])
        #expect(merge.status == 64, "\(merge.stderr)")
        #expect(merge.stderr.contains("report's options: AUTHSTATS_JOBS=abc"), "\(merge.stderr)")
        let given = try CLI.run(["merge", "s0", "-q", "--report-options", "--jobs 0"], in: CLI.temporaryFolder("bounded"))
        #expect(given.status == 64 && given.stderr.contains("--report-options: "), "\(given.stderr)")
    }

    @Test("after --, files named like an option and a negative number are inputs")
    func inputsAfterDoubleDash() throws {
        let folder = CLI.temporaryFolder("double-dash")
        for name in ["--jobs", "-1"] {
            try Data(PinpointLine("_session.start", at: 1_767_225_600_000, user: "u\(name)").json.utf8).write(to: folder.appendingPathComponent(name))
        }
        let result = try CLI.run(["report", "--out", "o", "-q", "--", "--jobs", "-1"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("o/summary.json"))) as! [String: Any]
        #expect((summary["inputs"] as! [[String: Any]]).count == 2)
    }

    @Test("a mistyped command is refused (exit 64, naming the command), not read as a missing input over ./reports", arguments: [
        (["chek-config", "sample-logs/clients.json"], "check-config"),
        (["stat", "info", "--state", "s"], "state"),
        (["reprot", "sample-logs"], "report"),
        (["genrate", "--help"], "generate"),
    ])
    func mistypedCommand(arguments: [String], meant: String) throws {
        let folder = CLI.temporaryFolder("mistyped")
        let result = try CLI.run(arguments + ["--out", folder.appendingPathComponent("reports").path], in: CLI.packageRoot)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("did you mean '\(meant)'?"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("reports").path))
        // A path that exists, or looks like one, is an input as before.
        #expect(try CLI.run(["sample-logs", "--out", folder.appendingPathComponent("r2").path, "-q"], in: CLI.packageRoot).status == 0)
    }

    @Test("--quiet still names the inputs that failed, which make the exit status 1")
    func quietNamesFailedInputs() throws {
        let folder = CLI.temporaryFolder("quiet")
        let missing = folder.appendingPathComponent("nosuch.gz").path
        let result = try CLI.run(["report", "sample-logs", missing, "--out", folder.appendingPathComponent("r").path, "-q"], in: CLI.packageRoot)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("nosuch.gz: failed: "), "\(result.stderr)")
        // And nothing else: no per-record warnings, no totals.
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        // With --strict, a reject makes the exit status 1: one line says so.
        let junk = folder.appendingPathComponent("junk.ndjson")
        try "abc\n".write(to: junk, atomically: true, encoding: .utf8)
        let strict = try CLI.run(["report", junk.path, "--out", folder.appendingPathComponent("s").path, "-q", "--strict"], in: CLI.packageRoot)
        #expect(strict.status == 1, "\(strict.stderr)")
        #expect(strict.stderr == "authstats: warning: 1 record rejected, and --strict makes that exit status 1: see rejects.ndjson\n", "\(strict.stderr)")
    }
}
