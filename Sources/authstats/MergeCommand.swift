import ArgumentParser
import AuthStatsCore
import AuthStatsIngest
import Foundation

/// `authstats merge SHARD_STATE… --out DIR`: the reduce step of a sharded run in one command
/// (`docs/distributed.md`): the reports of `state merge` then `report --state`, made from the
/// states merged in memory, with no merged state written; keep one with `state merge --into`.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge shard states and write the reports, in one step.",
        discussion: """
            The reports of `authstats state merge --into TMP SHARD_STATE…` then `authstats report \
            --state TMP --out DIR`, made from the states merged in memory: no merged state is \
            written (keep one with state merge --into). --report-options gives report its \
            options, split at spaces: those the shards were made with (--clients, --by-project, \
            --session-timeout, --pinpoint-parity, --auth-source) and any of --sessions-detail, \
            --no-html, --from, --to, --segments, --users (for a path with a space, run state \
            merge and report yourself). --users here gives the segments' profiles their \
            directory attributes; user_type is set as events are read, so give --users to the \
            shard runs.

            Exit status: as `state merge`, then as `report`; 1 also when shards were missing \
            (--allow-missing), the reports marked partial in summary.json, or when a shard run \
            read an input only in part. The shard runs' rejected records are in rejects.ndjson, \
            and summary.json's totals count what they read.

            Environment: report's (AUTHSTATS_OUT gives --out its default; AUTHSTATS_TIMEZONE, \
            AUTHSTATS_JOBS, AUTHSTATS_PROGRESS and the others give report's options theirs, so \
            a bad value is named as one of report's options; AUTHSTATS_TIMEZONE must be the \
            states' zone).
            """)

    @Argument(help: ArgumentHelp("The shard states (report --plan … --shard I --state DIR).", valueName: "state"))
    var states: [String] = []

    @Option(name: .customLong("states-from"), help: ArgumentHelp(
        "A file listing more shard states, one path a line (- for standard input), after those given as arguments: for more shards than a command line holds.",
        valueName: "file"))
    var statesFrom: String?

    @Option(name: .long, help: ArgumentHelp("Folder for the reports (AUTHSTATS_OUT sets the default).", valueName: "dir"))
    var out = Environment.value("AUTHSTATS_OUT") ?? "reports"

    @Flag(name: .long, help: "Merge even when some shards of the plan are missing: the reports are marked partial (exit 1).")
    var allowMissing = false

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Options for report, in one argument: \"--no-html --from 2026-11-01\".", valueName: "options"))
    var reportOptions = ""

    @Flag(name: [.long, .short], help: "Print only errors (as report --quiet).")
    var quiet = false

    func validate() throws {
        guard !states.isEmpty || statesFrom != nil else {
            throw ValidationError("Give the shard states: authstats merge SHARD_STATE… --out DIR (or --states-from FILE)")
        }
        try PathArguments.refuseEmpty([("a state", states), ("--out", [out]), ("--states-from", statesFrom.map { [$0] } ?? [])])
        // Checked here, so that a mistake in them is a usage error of merge, before any state is opened.
        // (A second --out among them won over merge's own, in silence, until 2026-12-05.)
        if reportOptions.split(whereSeparator: \.isWhitespace).contains(where: { $0 == "--out" || $0.hasPrefix("--out=") }) {
            throw ValidationError("--report-options: --out is merge's own option, not report's here: authstats merge SHARD_STATE… --out DIR")
        }
        _ = try Self.report(reportArguments)
    }

    /// The arguments `report` is made with: the folder, the merge's mark, and `--report-options`
    /// split at white space.
    var reportArguments: [String] {
        ["--out", out, "--merged-states"] + (quiet ? ["--quiet"] : []) + reportOptions.split(whereSeparator: \.isWhitespace).map(String.init)
    }

    func run() throws {
        let console = Console(quiet: quiet)
        let report = try Self.report(reportArguments)
        let states = try PathArguments.states(states, listedIn: statesFrom, usage: "authstats merge SHARD_STATE… --out DIR", console: console)
        // The states are locked and checked first; the report is made from their merge in
        // memory: no merged state is written and read back.
        let merging: MergeParts
        do {
            merging = try MergeParts.open(states, allowMissing: allowMissing)
        } catch let failure as NightlyState.Failure {
            console.error(failure.description)
            throw ExitCode(failure.exitCode)
        }
        try report.run(merging: merging)
    }

    /// `report` with the options of `--report-options`, or a usage error of `merge` that says
    /// what is wrong with them. Their parse's own errors would name `report` as the command
    /// run (`Usage: report …`), and a `--help` among them would print the whole tool's help
    /// and exit 0 without merging.
    static func report(_ arguments: [String]) throws -> ReportCommand {
        do {
            return try ReportCommand.parse(arguments)
        } catch {
            if ReportCommand.exitCode(for: error) == .success {
                throw ValidationError("--report-options takes report's options, not a request for its help (authstats report --help)")
            }
            // The AUTHSTATS_* variables give report's options too: without --report-options the
            // fault is theirs, which the message names (it blamed --report-options, not given).
            throw ValidationError(
                (Environment.onCommandLine("--report-options") ? "--report-options: " : "report's options: ") + ReportCommand.message(for: error))
        }
    }
}
