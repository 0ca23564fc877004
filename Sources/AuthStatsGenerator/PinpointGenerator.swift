import AuthStatsCore
import AuthStatsIngest
import Foundation

/// Writes realistic Pinpoint event-stream exports as Firehose delivers them to S3: gzip
/// objects under `YYYY/MM/DD/HH/` (the arrival hour, UTC), named
/// `<stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>.gz`.
///
/// Users sign up on some day (or before the data), come back on a share of the days
/// (`activity`), have one or two devices on different platforms, and run sessions of
/// `_session.start`, sign-ins (sometimes after an `_userauth.auth_fail`), custom events and
/// `_session.stop`; some sessions start just before midnight, some records arrive hours late
/// (in a later folder), a few are delivered twice, some lack `endpoint.User.UserId`, and some
/// objects have no newline between records (Firehose's default). Same options and seed, same
/// bytes.
public struct PinpointGenerator {
    public struct Options: Sendable {
        public var out: String
        public var users = 50
        public var days = 7
        public var start = Day(year: 2026, month: 11, day: 1)
        public var seed: UInt64 = 1
        /// The chance that a user who has signed up is active on a given day.
        public var activity = 0.35

        public init(out: String) { self.out = out }
    }

    public struct Summary: Sendable, Equatable {
        public var files = 0
        public var records = 0
        public var bytes = 0
    }

    static let streamName = "authstats-pinpoint"
    static let maxObjectBytes = 32 << 20
    static let hourMillis: Int64 = 3_600_000

    let options: Options
    private var buckets: [Int64: [String]] = [:]
    private var summary = Summary()

    public init(options: Options) { self.options = options }

    /// Generates everything; calls `progress` after each day.
    public static func run(_ options: Options, progress: (Int, Summary) -> Void = { _, _ in }) throws -> Summary {
        var generator = PinpointGenerator(options: options)
        let users = (0..<options.users).map { GeneratedUser(seed: options.seed, number: $0, days: options.days) }
        for d in 0..<options.days {
            let dayStart = Int64(options.start.advanced(by: d).index) * 86_400_000
            for (number, user) in users.enumerated() {
                generator.simulate(user: user, number: number, day: d, dayStart: dayStart)
            }
            try generator.flush(before: dayStart)
            progress(d + 1, generator.summary)
        }
        try generator.flush(before: .max)
        return generator.summary
    }

    private mutating func simulate(user: GeneratedUser, number: Int, day: Int, dayStart: Int64) {
        var rng = SplitMix64(seed: options.seed, UInt64(number), UInt64(day) &+ 0x5EED)
        guard day >= user.firstDay else { return }
        guard day == user.firstDay || rng.chance(options.activity) else { return }
        let sessions = rng.chance(0.25) ? 2 : 1
        for s in 0..<sessions {
            let nearMidnight = rng.chance(0.1)
            let second = nearMidnight ? 86_400 - 600 + Int64(rng.next() % 590) : Int64(rng.next() % 82_800)
            var t = dayStart + second * 1000 + Int64(rng.next() % 1000)
            let device = Int(rng.next() % UInt64(user.endpoints.count))
            let sessionID = "\(user.endpoints[device].prefix(8))-\(t)"
            let start = t
            var records: [PinpointRecord] = []
            func add(_ type: String, session: Bool = true, attributes: [(String, String)] = []) {
                records.append(
                    PinpointRecord(
                        type: type, time: t, arrival: t, user: user, device: device,
                        sessionID: session ? sessionID : nil, sessionStart: session ? start : nil, sessionStop: nil,
                        sparseDevice: false, attributes: attributes))
            }
            add("_session.start")
            if day == user.firstDay && s == 0 {
                t += 5000 + Int64(rng.next() % 20_000)
                add("_userauth.sign_up", session: false)
            }
            if rng.chance(0.4) || (day == user.firstDay && s == 0) {
                if rng.chance(0.15) {
                    t += 3000 + Int64(rng.next() % 10_000)
                    add("_userauth.auth_fail", session: false)
                }
                t += 3000 + Int64(rng.next() % 10_000)
                add("_userauth.sign_in", session: false)
            }
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                t += 10_000 + Int64(rng.next() % 290_000)
                let roll = rng.next() % 100
                let type = roll < 3 ? "_monetization.purchase" : roll < 5 ? "_campaign.opened_notification"
                    : ["pageView", "search", "addToCart", "pageView"][Int(roll % 4)]
                add(type, attributes: [("screen", ["home", "search", "cart", "profile"][Int(roll % 4)]), ("plan", user.plan)])
            }
            t += 30_000 + Int64(rng.next() % 570_000)
            add("_session.stop")
            records[records.count - 1].sessionStop = t
            for var record in records {
                record.sparseDevice = rng.chance(0.1)
                record.arrival = record.time + 200 + Int64(rng.next() % 2800)
                if rng.chance(0.02) { record.arrival += Self.hourMillis * Int64(1 + rng.next() % 20) }
                let line = record.json
                buckets[Self.floorHour(record.arrival), default: []].append(line)
                if rng.chance(0.005) {  // at-least-once delivery: the same record again, an hour on
                    buckets[Self.floorHour(record.arrival) + Self.hourMillis, default: []].append(line)
                }
            }
        }
    }

    static func floorHour(_ millis: Int64) -> Int64 { millis - ((millis % hourMillis) + hourMillis) % hourMillis }

    /// Writes every bucket of an arrival hour before `limit` (no later event can land there).
    private mutating func flush(before limit: Int64) throws {
        for hour in buckets.keys.sorted() where hour < limit {
            let lines = buckets.removeValue(forKey: hour)!
            var rng = SplitMix64(seed: options.seed, 0xF11E, UInt64(bitPattern: hour))
            let backToBack = rng.chance(0.1)
            var index = 0
            while index < lines.count {
                let minute = Int64(rng.next() % 60)
                let name = objectKey(hour: hour, minute: minute, id: rng.uuid())
                let path = options.out + "/" + name
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                let writer = try GzipFileWriter(path: path)
                var size = 0
                while index < lines.count && size < Self.maxObjectBytes {
                    try writer.write(lines[index])
                    if !backToBack { try writer.write("\n") }
                    size += lines[index].utf8.count + (backToBack ? 0 : 1)
                    summary.records += 1
                    index += 1
                }
                try writer.close()
                summary.files += 1
                summary.bytes += size
            }
        }
    }

    private func objectKey(hour: Int64, minute: Int64, id: String) -> String {
        let iso = ISOTime.string(millis: hour + minute * 60_000)  // YYYY-MM-DDTHH:MM:SS.mmmZ
        let chars = Array(iso)
        let y = String(chars[0..<4]), m = String(chars[5..<7]), d = String(chars[8..<10])
        let h = String(chars[11..<13]), mi = String(chars[14..<16])
        return "\(y)/\(m)/\(d)/\(h)/\(Self.streamName)-1-\(y)-\(m)-\(d)-\(h)-\(mi)-00-\(id).gz"
    }
}
