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

            The shapes of real buckets (`make bench` measures each): --buffer-seconds 300 for the \
            many small objects a stream of low traffic leaves; --pinpoint-records cognito for small \
            records; --record-variety high for objects that compress like real exports (about \
            6-7:1); --back-to-back for Firehose's default framing; --kinds activity,cloudtrail \
            (with --other-services) for a bucket of those logs; --dimension-values 300 for \
            hundreds of app versions, locales and countries.
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

    @Flag(name: .long, help: "Write every Pinpoint object back to back, no newline between records (Firehose's default).")
    var backToBack = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Firehose's buffer interval (1-900): one object per export and window of this many seconds, records in delivery order (default: one per hour).",
            valueName: "seconds"))
    var bufferSeconds: Int?

    @Option(name: .long, help: ArgumentHelp("Firehose's buffer size (1-128): at most this many MiB in a Pinpoint object.", valueName: "MiB"))
    var bufferMib = ExportGenerator.Options(out: "").bufferBytes >> 20

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Pinpoint records: app (an app's analytics client: every event, with device, page attributes and endpoint; about 1.7 KB) or cognito (only the _userauth and _session events Cognito sends, few fields; 600-900 bytes).",
            valueName: "app|cognito"))
    var pinpointRecords = PinpointRecords.app.rawValue

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Values that differ from event to event in app records: standard (objects compress about 10:1) or high (more ids, queries and metrics: about 6-7:1, like real exports).",
            valueName: "standard|high"))
    var recordVariety = RecordVariety.standard.rawValue

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Distinct app versions and locales (in as many countries, up to 249) users spread over (default: 4 versions, 8 locales).",
            valueName: "n"))
    var dimensionValues: Int?

    @Option(
        name: .long,
        help: ArgumentHelp("CloudTrail records of other AWS services per Cognito record (default: 1 to 3 a file).", valueName: "ratio"))
    var otherServices: Double?

    @Flag(name: [.long, .short], help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        try PathArguments.refuseEmpty([("--out", [out])])
        guard Day(iso: start) != nil else { throw ValidationError("--start '\(start)' is not a date: use YYYY-MM-DD.") }
        guard users > 0, days > 0 else { throw ValidationError("--users and --days must be positive.") }
        // Every user is kept in memory while the days are written (~200 bytes each): 100
        // million were killed for want of memory, Int.max failed its first allocation.
        guard users <= Self.maxUsers else {
            throw ValidationError("--users \(users): at most \(Self.maxUsers) (the generator keeps every user in memory).")
        }
        guard days <= Self.maxDays else { throw ValidationError("--days \(days): at most \(Self.maxDays) (ten years).") }
        guard (0...1).contains(activity) else { throw ValidationError("--activity must be between 0 and 1.") }
        _ = try parsedKinds()
        guard !(backToBack && newlineDelimited) else { throw ValidationError("--back-to-back and --newline-delimited exclude each other.") }
        if let bufferSeconds, !(1...900).contains(bufferSeconds) {
            throw ValidationError("--buffer-seconds must be between 1 and 900 (Firehose's range).")
        }
        guard (1...128).contains(bufferMib) else { throw ValidationError("--buffer-mib must be between 1 and 128 (Firehose's range).") }
        guard PinpointRecords(rawValue: pinpointRecords) != nil else {
            throw ValidationError("--pinpoint-records: unknown shape '\(pinpointRecords)'; use app or cognito.")
        }
        guard RecordVariety(rawValue: recordVariety) != nil else {
            throw ValidationError("--record-variety: unknown value '\(recordVariety)'; use standard or high.")
        }
        if let dimensionValues, dimensionValues < 1 { throw ValidationError("--dimension-values must be positive.") }
        if let otherServices, !(otherServices >= 0 && otherServices <= 1000) {
            throw ValidationError("--other-services must be between 0 and 1000.")
        }
    }

    static let maxUsers = 10_000_000
    static let maxDays = 3_660

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
        options.backToBack = backToBack
        options.bufferSeconds = bufferSeconds
        options.bufferBytes = bufferMib << 20
        options.pinpointRecords = PinpointRecords(rawValue: pinpointRecords)!
        options.variety = RecordVariety(rawValue: recordVariety)!
        options.dimensionValues = dimensionValues
        options.otherServices = otherServices
        options.users = users
        options.days = days
        options.start = Day(iso: start)!
        options.seed = seed
        options.activity = activity
        let console = Console(quiet: quiet)
        if let info = POSIX.followingLinks(out), !POSIX.isFolder(info) {
            console.error("Unable to write into \(DisplayPath.text(out)): it is a file (--out names the folder to write the exports into)")
            throw ExitCode(2)
        }
        let summary: ExportGenerator.Summary
        do {
            summary = try ExportGenerator.run(options) { day, summary in
                if day % 10 == 0 { console.info("generate: day \(day)/\(days), \(summary.records) records") }
            }
        } catch {
            // Foundation's errors printed as they are were `Error Domain=NSCocoaErrorDomain …`;
            // the generator's own say what failed themselves.
            let ns = error as NSError
            guard ns.domain == NSCocoaErrorDomain else {
                console.error("\(error)")
                throw ExitCode(2)
            }
            let reason = ns.localizedFailureReason ?? ns.localizedDescription
            let path = (ns.userInfo[NSFilePathErrorKey] as? String).map { " (\(DisplayPath.text($0)))" } ?? ""
            console.error("Unable to write the exports under \(DisplayPath.text(out))\(path): \(reason)")
            throw ExitCode(2)
        }
        console.info("wrote \(summary.records) records (\(summary.bytes) bytes uncompressed) in \(summary.files) files under \(out)/")
    }
}
