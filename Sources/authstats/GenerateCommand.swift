import ArgumentParser
import AuthStatsCore
import AuthStatsGenerator

/// `authstats generate`: write realistic sample exports.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write realistic Pinpoint event-stream exports (gzip, Firehose key layout).",
        discussion: "The same options and seed always give the same files.")

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

    @Flag(name: [.long, .short], help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        guard Day(iso: start) != nil else { throw ValidationError("--start '\(start)' is not a date: use YYYY-MM-DD.") }
        guard users > 0, days > 0 else { throw ValidationError("--users and --days must be positive.") }
        guard (0...1).contains(activity) else { throw ValidationError("--activity must be between 0 and 1.") }
    }

    func run() throws {
        var options = PinpointGenerator.Options(out: out)
        options.users = users
        options.days = days
        options.start = Day(iso: start)!
        options.seed = seed
        options.activity = activity
        let console = Console(quiet: quiet)
        let summary = try PinpointGenerator.run(options) { day, summary in
            if day % 10 == 0 { console.info("generate: day \(day)/\(days), \(summary.records) records") }
        }
        console.info("wrote \(summary.records) records (\(summary.bytes) bytes uncompressed) in \(summary.files) files under \(out)/")
    }
}
