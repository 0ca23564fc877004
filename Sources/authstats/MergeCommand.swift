import ArgumentParser
import AuthStatsCore
import AuthStatsIngest
import Foundation

/// `authstats merge SHARD_STATE… --out DIR`: the reduce step of a sharded run in one command
/// (`docs/distributed.md`): `state merge` into a temporary state, then `report --state` from
/// it. The merged state is thrown away; keep it with `state merge --into` instead.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge shard states and write the reports, in one step.",
        discussion: """
            The same as `authstats state merge --into TMP SHARD_STATE…` then `authstats report \
            --state TMP --out DIR`, with TMP removed at the end. --report-options gives report its \
            options, split at spaces: those the shards were made with (--clients, --by-project, \
            --session-timeout, --pinpoint-parity, --auth-source) and any of --sessions-detail, \
            --no-html, --from, --to, --segments, --users (for a path with a space, run state \
            merge and report yourself).

            Exit status: as `state merge`, then as `report`; 1 also when shards were missing \
            (--allow-missing), the reports marked partial in summary.json.
            """)

    @Argument(help: ArgumentHelp("The shard states (report --plan … --shard I --state DIR).", valueName: "state"))
    var states: [String]

    @Option(name: .long, help: ArgumentHelp("Folder for the reports.", valueName: "dir"))
    var out = Environment.value("AUTHSTATS_OUT") ?? "reports"

    @Flag(name: .long, help: "Merge even when some shards of the plan are missing: the reports are marked partial (exit 1).")
    var allowMissing = false

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Options for report, in one argument: \"--no-html --sessions-detail\".", valueName: "options"))
    var reportOptions = ""

    func validate() throws {
        guard !states.isEmpty else { throw ValidationError("Give the shard states: authstats merge SHARD_STATE… --out DIR") }
    }

    func run() throws {
        let console = Console(quiet: false)
        // A folder of its own (not a registered temporary folder: `state merge` and `report`
        // each remove theirs when they end), removed when this command ends.
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("authstats-merge-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            console.error("Unable to create \(folder): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let into = (folder as NSString).appendingPathComponent("state")
        let merge = try StateCommand.Merge.parse(["--into", into] + (allowMissing ? ["--allow-missing"] : []) + states)
        try merge.run()
        let options = reportOptions.split(whereSeparator: \.isWhitespace).map(String.init)
        let report = try ReportCommand.parse(["--state", into, "--out", out] + options)
        try report.run()
    }
}
