import ArgumentParser
import AuthStatsCore
import AuthStatsGenerator
import Foundation

/// `authstats generate`: write realistic sample exports.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write realistic Cognito exports: Pinpoint event stream, user activity logs, CloudTrail, and a user directory.",
        discussion: """
            Files are gzip, in the S3 layouts the exports have. Each user is logged by one of the \
            --kinds (so kinds never count the same sign-in twice); users/list-users.json and \
            users/users.csv list every user (pass one with `report --users`). The same options \
            and seed always give the same files.
            """)

    @Option(name: .long, help: ArgumentHelp("Folder to write into (created if missing).", valueName: "dir"))
    var out: String

    @Option(name: .long, help: "Number of users.")
    var users = 50

    @Option(name: .long, help: "Number of days.")
    var days = 7

    @Option(name: .long, help: ArgumentHelp("First day (YYYY-MM-DD).", valueName: "date"))
    var start = "2026-11-01"

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Chance that a signed-up user is active on a given day (0...1).")
    var activity = 0.35

    @Option(name: .long, help: ArgumentHelp("Exports to write, comma-separated: pinpoint, activity, cloudtrail.", valueName: "kinds"))
    var kinds = "pinpoint"

    @Flag(name: .long, help: "Write every Pinpoint object newline-delimited (by default a tenth are back to back, as Firehose does).")
    var newlineDelimited = false

    @Flag(name: [.long, .short], help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        guard Day(iso: start) != nil else { throw ValidationError("--start '\(start)' is not a date: use YYYY-MM-DD.") }
        guard users > 0, days > 0 else { throw ValidationError("--users and --days must be positive.") }
        guard (0...1).contains(activity) else { throw ValidationError("--activity must be between 0 and 1.") }
        _ = try parsedKinds()
    }

    func parsedKinds() throws -> [ExportGenerator.Kind] {
        let names = kinds.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var out: [ExportGenerator.Kind] = []
        for name in names {
            guard let kind = ExportGenerator.Kind(rawValue: name) else {
                throw ValidationError("--kinds: unknown kind '\(name)'; use pinpoint, activity and/or cloudtrail.")
            }
            if !out.contains(kind) { out.append(kind) }
        }
        guard !out.isEmpty else { throw ValidationError("--kinds needs at least one kind.") }
        return out
    }

    func run() throws {
        var options = ExportGenerator.Options(out: out)
        options.kinds = try parsedKinds()
        options.newlineDelimited = newlineDelimited
        options.users = users
        options.days = days
        options.start = Day(iso: start)!
        options.seed = seed
        options.activity = activity
        let console = Console(quiet: quiet)
        let summary = try ExportGenerator.run(options) { day, summary in
            if day % 10 == 0 { console.info("generate: day \(day)/\(days), \(summary.records) records") }
        }
        console.info("wrote \(summary.records) records (\(summary.bytes) bytes uncompressed) in \(summary.files) files under \(out)/")
    }
}
