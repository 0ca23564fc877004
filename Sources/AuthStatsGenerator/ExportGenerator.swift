import AuthStatsCore
import AuthStatsIngest
import Foundation

/// Writes realistic exports of a Cognito user pool, in the layouts they have in S3:
///
/// - `pinpoint`: the Pinpoint event stream as Firehose writes it, gzip objects under
///   `YYYY/MM/DD/HH/` (arrival hour, UTC) named `<stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>.gz`;
///   some objects have no newline between records (Firehose's default), some records arrive
///   hours late, a few twice;
/// - `activity`: Cognito user activity logs (`userAuthEvents`), gzip NDJSON per hour under
///   `AWSLogs/<account>/cognito-idp/userAuthEvents/…` (the S3 layout is unconfirmed, see
///   `docs/inputs.md` "Cognito user activity log"), and some hours as a CloudWatch Logs
///   export (`<time> <json>` lines);
/// - `cloudtrail`: `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<time>_<id>.json.gz`
///   files of `{"Records":[…]}` in no order, with other services' records, a digest file a
///   day, and records repeated in the next file;
/// - a user directory of every user: `users/list-users.json` (list-users pages) and
///   `users/users.csv` (the user CSV with `sub`, status and enabled columns).
///
/// Each user is logged by one of the kinds asked for (user number modulo the kinds), so the
/// kinds do not count the same sign-in twice. Users sign up on some day (or before the
/// data), come back on a share of the days (`activity`), have one or two devices, some sign
/// in with Google (federated) or with MFA, and some sessions start just before midnight.
/// Same options and seed, same bytes.
///
/// Options give the other shapes real buckets have (issue 18, each measured by `make bench`),
/// leaving the default output as it was: Firehose's buffering (`bufferSeconds`,
/// `bufferBytes`), framing (`backToBack`), Cognito's own sparse records (`pinpointRecords`),
/// less compressible records (`variety`), many dimension values (`dimensionValues`) and a
/// trail of mostly other services (`otherServices`).
public struct ExportGenerator {
    public enum Kind: String, Sendable, CaseIterable {
        case pinpoint, activity, cloudtrail
    }

    public struct Options: Sendable {
        public var out: String
        public var users = 50
        public var days = 7
        public var start = Day(year: 2026, month: 11, day: 1)
        public var seed: UInt64 = 1
        /// The chance that a user who has signed up is active on a given day.
        public var activity = 0.35
        public var kinds: [Kind] = [.pinpoint]
        /// Write every Pinpoint object newline-delimited (the default leaves a tenth of them
        /// back to back, as Firehose does by default); tools that only read NDJSON need this.
        public var newlineDelimited = false
        /// Write every Pinpoint object back to back, no separator (Firehose's default).
        public var backToBack = false
        /// Firehose's buffer interval (`BufferingHints.IntervalInSeconds`, 1...900): each
        /// export's objects hold the records delivered in one window of that many seconds, in
        /// delivery order, as a stream of low traffic writes them (Firehose's default is 300).
        /// `nil`: one object per export and hour (the records in the order they were made).
        public var bufferSeconds: Int?
        /// Firehose's buffer size (`BufferingHints.SizeInMBs`): a Pinpoint object holds at most
        /// this many uncompressed bytes (past them, the next object starts).
        public var bufferBytes = ExportGenerator.maxObjectBytes
        /// What the Pinpoint records look like.
        public var pinpointRecords = PinpointRecords.app
        /// More values that differ from event to event (`RecordVariety`).
        public var variety = RecordVariety.standard
        /// Distinct app versions, locales and countries; `nil`: the few of `GeneratedUser`.
        public var dimensionValues: Int?
        /// CloudTrail records of other AWS services per Cognito record; `nil`: 1 to 3 a file.
        public var otherServices: Double?

        public init(out: String) { self.out = out }
    }

    public struct Summary: Sendable, Equatable {
        public var files = 0
        public var records = 0
        /// Uncompressed bytes written.
        public var bytes = 0
    }

    static let streamName = "authstats-pinpoint"
    static let maxObjectBytes = 32 << 20
    static let hourMillis: Int64 = 3_600_000

    private struct Bucket: Hashable, Comparable {
        var kind: Kind
        var hour: Int64
        static func < (a: Bucket, b: Bucket) -> Bool { (a.hour, a.kind.rawValue) < (b.hour, b.kind.rawValue) }
    }

    /// A record and the time it was delivered at (the object it lands in).
    private struct Delivered {
        var time: Int64
        var line: String
    }

    let options: Options
    private var buckets: [Bucket: [Delivered]] = [:]
    private var summary = Summary()

    init(options: Options) { self.options = options }

    /// Generates everything; calls `progress` after each day.
    public static func run(_ options: Options, progress: (Int, Summary) -> Void = { _, _ in }) throws -> Summary {
        var generator = ExportGenerator(options: options)
        let users = (0..<options.users).map {
            GeneratedUser(seed: options.seed, number: $0, days: options.days, dimensionValues: options.dimensionValues)
        }
        for d in 0..<options.days {
            let day = options.start.advanced(by: d)
            let dayStart = Int64(day.index) * 86_400_000
            for user in users {
                generator.simulate(user: user, day: d, dayStart: dayStart)
            }
            if options.kinds.contains(.cloudtrail) { try generator.writeDigest(day: day) }
            try generator.flush(before: dayStart)
            progress(d + 1, generator.summary)
        }
        try generator.flush(before: .max)
        try generator.writeDirectory(users)
        return generator.summary
    }

    private mutating func simulate(user: GeneratedUser, day: Int, dayStart: Int64) {
        var rng = SplitMix64(seed: options.seed, UInt64(user.number), UInt64(day) &+ 0x5EED)
        let events = SessionSimulator.day(user: user, day: day, dayStart: dayStart, activity: options.activity, rng: &rng)
        guard !events.isEmpty else { return }
        switch options.kinds[user.number % options.kinds.count] {
        case .pinpoint:
            for event in events {
                if options.pinpointRecords == .cognito {
                    // Only what Cognito sends itself, in its sparse shape (no app, device or page fields).
                    guard event.action.sentByCognito else { continue }
                    let arrival = event.time + 200 + Int64(rng.next() % 2800)
                    let record = PinpointRecord(event, user: user, arrival: arrival, sparseDevice: true)
                    add(record.cognitoJSON, .pinpoint, at: arrival, rng: &rng)
                    continue
                }
                var arrival = event.time + 200 + Int64(rng.next() % 2800)
                if rng.chance(0.02) { arrival += Self.hourMillis * Int64(1 + rng.next() % 20) }  // queued offline
                var record = PinpointRecord(event, user: user, arrival: arrival, sparseDevice: rng.chance(0.1))
                let pageEvent = !record.attributes.isEmpty
                record.attributes += PageContext.attributes(time: event.time, rng: &rng)
                if pageEvent {
                    // What pages carry in real streams: ids and referrers that differ every time.
                    record.attributes.append(("pageId", String(rng.next(), radix: 36)))
                    record.attributes.append(("referrer", "https://example.com/\(["search", "mail", "ads", "home"][Int(rng.next() % 4)])?q=\(String(rng.next() % 1_000_000, radix: 36))"))
                    record.attributes.append(("requestId", rng.uuid()))
                }
                if options.variety == .high { record.addVariety(pageEvent: pageEvent, rng: &rng) }
                let line = record.json
                add(line, .pinpoint, at: arrival, rng: &rng)
            }
        case .activity:
            for event in events {
                for (time, line) in ActivityRecord.records(event, user: user, rng: &rng) {
                    add(line, .activity, at: time + 1000, rng: &rng)
                }
            }
        case .cloudtrail:
            for event in events {
                for (time, line) in CloudTrailRecord.records(event, user: user, rng: &rng) {
                    add(line, .cloudtrail, at: time + 300_000 + Int64(rng.next() % 300_000), rng: &rng)
                }
            }
        }
    }

    /// Files `line` under the hour of `delivery`; a few are delivered again an hour on.
    private mutating func add(_ line: String, _ kind: Kind, at delivery: Int64, rng: inout SplitMix64) {
        let hour = Self.floorHour(delivery)
        buckets[Bucket(kind: kind, hour: hour), default: []].append(Delivered(time: delivery, line: line))
        if rng.chance(0.005) {
            buckets[Bucket(kind: kind, hour: hour + Self.hourMillis), default: []].append(Delivered(time: delivery + Self.hourMillis, line: line))
        }
    }

    static func floorHour(_ millis: Int64) -> Int64 { millis - ((millis % hourMillis) + hourMillis) % hourMillis }

    /// Writes every bucket of an hour before `limit` (no later event can land there).
    private mutating func flush(before limit: Int64) throws {
        for bucket in buckets.keys.sorted() where bucket.hour < limit {
            let delivered = buckets.removeValue(forKey: bucket)!
            var rng = SplitMix64(seed: options.seed, 0xF11E &+ UInt64(bucket.kind.hashValueStable), UInt64(bitPattern: bucket.hour))
            if let seconds = options.bufferSeconds {
                try writeWindows(of: bucket, delivered, seconds: seconds, rng: &rng)
                continue
            }
            let lines = delivered.map(\.line)
            switch bucket.kind {
            case .pinpoint:
                let backToBack = pinpointBackToBack(rng: &rng)
                var index = 0
                while index < lines.count {
                    let name = Layout.pinpoint(hour: bucket.hour, minute: Int64(rng.next() % 60), id: rng.uuid())
                    var size = 0
                    var chunk: [String] = []
                    while index < lines.count && size < options.bufferBytes {
                        chunk.append(lines[index])
                        size += lines[index].utf8.count
                        index += 1
                    }
                    try write(name, records: chunk, separator: backToBack ? "" : "\n")
                }
            case .activity:
                if rng.chance(0.2) {
                    try writeCloudWatchExport(hour: bucket.hour, lines: lines)
                } else {
                    try write(Layout.activity(hour: bucket.hour, id: rng.uuid()), records: lines, separator: "\n")
                }
            case .cloudtrail:
                try writeTrail(lines, from: bucket.hour, span: Self.hourMillis, rng: &rng) { Layout.cloudTrail(hour: bucket.hour, id: $0.token(16)) }
            }
        }
    }

    /// Whether an hour's Pinpoint objects are back to back (a tenth of the hours, or all
    /// with `backToBack`, none with `newlineDelimited`).
    private func pinpointBackToBack(rng: inout SplitMix64) -> Bool {
        let drawn = rng.chance(0.1)  // drawn whatever the options, so the rest of the data does not change
        return options.backToBack || (drawn && !options.newlineDelimited)
    }

    /// Writes one CloudTrail file of `lines` and other services' records (`otherServices`, or
    /// 1 to 3) dated in `from..<from + span`, shuffled, named by `name` (drawn after them).
    private mutating func writeTrail(
        _ lines: [String], from: Int64, span: Int64, rng: inout SplitMix64, name: (inout SplitMix64) -> String
    ) throws {
        var records = lines
        let others = options.otherServices.map { Int((Double(lines.count) * $0).rounded()) } ?? 1 + Int(rng.next() % 3)
        for _ in 0..<others {
            records.append(CloudTrailRecord.foreign(at: from + Int64(rng.next() % UInt64(span)), rng: &rng))
        }
        records.shuffle(using: &rng)  // CloudTrail files are in no order
        let body = "{\"Records\":[" + records.joined(separator: ",") + "]}"
        try write(name(&rng), records: [body], separator: "", count: lines.count)
    }

    /// Writes an hour's records as Firehose does at low traffic (`bufferSeconds`): one object
    /// per window of `seconds` (epoch-aligned, cut at the hour), its records in delivery
    /// order; a Pinpoint object also ends at `bufferBytes`. CloudTrail files get the window's
    /// end as their delivery time; an activity-log hour exported from CloudWatch Logs stays one file.
    private mutating func writeWindows(of bucket: Bucket, _ delivered: [Delivered], seconds: Int, rng: inout SplitMix64) throws {
        let window = Int64(seconds) * 1000
        // Stable: records delivered in the same millisecond keep the order they were made in.
        let sorted = delivered.sortedStably(by: \.time)
        let backToBack = bucket.kind == .pinpoint && pinpointBackToBack(rng: &rng)
        if bucket.kind == .activity && rng.chance(0.2) {
            try writeCloudWatchExport(hour: bucket.hour, lines: sorted.map(\.line))
            return
        }
        var start = 0
        while start < sorted.count {
            let opened = sorted[start].time - ((sorted[start].time % window) + window) % window
            var end = start
            while end < sorted.count && sorted[end].time < opened + window { end += 1 }
            switch bucket.kind {
            case .pinpoint:
                var index = start
                while index < end {
                    let name = Layout.pinpoint(time: sorted[index].time, id: rng.uuid())
                    var size = 0
                    var chunk: [String] = []
                    while index < end && size < options.bufferBytes {
                        chunk.append(sorted[index].line)
                        size += sorted[index].line.utf8.count
                        index += 1
                    }
                    try write(name, records: chunk, separator: backToBack ? "" : "\n")
                }
            case .activity:
                try write(Layout.activity(time: opened, id: rng.uuid()), records: sorted[start..<end].map(\.line), separator: "\n")
            case .cloudtrail:
                let delivery = opened + window
                try writeTrail(sorted[start..<end].map(\.line), from: opened, span: window, rng: &rng) {
                    Layout.cloudTrail(delivery: delivery, id: $0.token(16))
                }
            }
            start = end
        }
    }

    /// A CloudWatch Logs export of an hour's activity records: `<ISO time> <json>` lines.
    private mutating func writeCloudWatchExport(hour: Int64, lines: [String]) throws {
        let prefixed = lines.map { line -> String in
            let time = Int64(line.dropFirst(19).prefix(while: \.isNumber)) ?? hour
            return ISOTime.string(millis: time) + " " + line
        }
        try write(Layout.cloudWatch(hour: hour), records: prefixed, separator: "\n")
    }

    private mutating func writeDigest(day: Day) throws {
        try write(Layout.digest(day: day), records: [CloudTrailRecord.digest(day: day)], separator: "", count: 1)
    }

    private mutating func writeDirectory(_ users: [GeneratedUser]) throws {
        let folder = options.out + "/users"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try DirectoryFiles.listUsers(users).write(toFile: folder + "/list-users.json", atomically: true, encoding: .utf8)
        try DirectoryFiles.csv(users).write(toFile: folder + "/users.csv", atomically: true, encoding: .utf8)
        summary.files += 2
    }

    /// Writes one gzip file of `records` joined by `separator` (and ended by it, if any).
    private mutating func write(_ name: String, records: [String], separator: String, count: Int? = nil) throws {
        let path = options.out + "/" + name
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let writer = try GzipFileWriter(path: path)
        for record in records {
            try writer.write(record)
            if !separator.isEmpty { try writer.write(separator) }
            summary.bytes += record.utf8.count + separator.utf8.count
        }
        try writer.close()
        summary.files += 1
        summary.records += count ?? records.count
    }
}

extension ExportGenerator.Kind {
    /// A fixed number per kind (`hashValue` changes between runs).
    var hashValueStable: Int { ExportGenerator.Kind.allCases.firstIndex(of: self)! }
}

extension SplitMix64 {
    /// `count` characters of `[A-Za-z0-9]`, like CloudTrail's file-name suffix.
    mutating func token(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<count).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
    }
}
