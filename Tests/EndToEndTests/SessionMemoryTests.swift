import AuthStatsIngest
import AuthStatsTestSupport
import Foundation
import Testing

/// Issue 4's memory test: 2 million events of 200,000 users, in time order and shuffled.
@Suite("Sessions in bounded memory: 2M events, 200k users, shuffled", .serialized)
struct SessionMemoryTests {
    static let users = 200_000
    static let perUser = 10

    /// Each user: a Pinpoint session of 5 events (start, sign-in, 2 views, stop) on one day,
    /// the sign-in without a session id, as Cognito reports it (it joins the session: it lies
    /// in its span), and 5 events without a session id two days later (an auth failure, a
    /// sign-in, and views 10 and 50 minutes apart: two sessions), over 14 days.
    static func lines() -> [String] {
        var out: [String] = []
        out.reserveCapacity(users * perUser)
        let base: Int64 = 1_767_225_600_000  // 2026-01-01
        for u in 0..<users {
            let day = Int64(u % 12)
            let t0 = base + day * 86_400_000 + Int64(u % 80_000) * 1000
            let client = "c\(u)"
            let session = "s\(u)"
            func record(_ type: String, _ t: Int64, session: String?) -> String {
                let s = session.map { #","session":{"session_id":"\#($0)","start_timestamp":\#(t0)}"# } ?? #","session":{}"#
                return #"{"event_type":"\#(type)","event_timestamp":\#(t),"client":{"client_id":"\#(client)"}\#(s)}"#
            }
            out.append(record("_session.start", t0, session: session))
            out.append(record("_userauth.sign_in", t0 + 5_000, session: nil))
            out.append(record("pageView", t0 + 60_000, session: session))
            out.append(record("pageView", t0 + 120_000, session: session))
            out.append(record("_session.stop", t0 + 300_000, session: session))
            let t1 = t0 + 2 * 86_400_000
            out.append(record("_userauth.auth_fail", t1, session: nil))
            out.append(record("_userauth.sign_in", t1 + 10_000, session: nil))
            out.append(record("pageView", t1 + 600_000, session: nil))
            out.append(record("pageView", t1 + 3_600_000, session: nil))  // 50 min later: a new session
            out.append(record("pageView", t1 + 3_660_000, session: nil))
        }
        return out
    }


    @Test("same reports in time order and shuffled; peak memory bounded by users")
    func memory() throws {
        let folder = CLI.temporaryFolder("sessions-2m")
        defer { try? FileManager.default.removeItem(at: folder) }
        var all = Self.lines()
        let sortedURL = folder.appendingPathComponent("sorted/events.ndjson.gz")
        let shuffledURL = folder.appendingPathComponent("shuffled/events.ndjson.gz")
        for url in [sortedURL, shuffledURL] {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        // In time order (stable for equal times), then shuffled with a fixed seed.
        let times = all.map { line -> Int64 in
            let range = line.range(of: "\"event_timestamp\":")!
            return Int64(line[range.upperBound...].prefix { $0.isNumber })!
        }
        let order = all.indices.sorted { (times[$0], $0) < (times[$1], $1) }
        try TestFiles.gzip(order.map { all[$0] }, to: sortedURL.path)
        var rng = SeededRandom(seed: 42)
        all.shuffle(using: &rng)
        try TestFiles.gzip(all, to: shuffledURL.path)
        all = []

        var peaks: [Int] = []
        var outputs: [[String: Data]] = []
        for input in [sortedURL, shuffledURL] {
            let out = folder.appendingPathComponent("reports-\(input.deletingLastPathComponent().lastPathComponent)")
            let start = Date()
            let result = try CLI.run(["report", input.path, "--out", out.path, "--sessions-detail"])
            #expect(result.status == 0, "\(result.stderr)")
            let peak = try #require(Self.peakMemoryMB(result.stderr))
            peaks.append(peak)
            print("sessions memory test: \(input.deletingLastPathComponent().lastPathComponent): \(String(format: "%.1f", Date().timeIntervalSince(start))) s, peak \(peak) MB; \(result.stderr.split(separator: "\n").last ?? "")")
            var files: [String: Data] = [:]
            for name in ["daily.csv", "monthly.csv", "breakdown.csv", "retention.csv", "sessions.csv"] {
                files[name] = try Data(contentsOf: out.appendingPathComponent(name))
            }
            outputs.append(files)
        }
        for name in outputs[0].keys.sorted() {
            #expect(outputs[0][name] == outputs[1][name], "\(name) differs between sorted and shuffled input")
        }
        let sessions = String(decoding: outputs[0]["sessions.csv"]!, as: UTF8.self).split(separator: "\n").count - 1
        #expect(sessions == 3 * Self.users)
        // The bound: ~30 MB for the binary (runtime, Foundation, ICU data); the dedup window
        // of 262,144 fingerprints in an open-addressing table kept at most half full (524,288
        // slots of 48 bytes = 25 MB, briefly 38 MB while it doubles; then spilled); the
        // activity window of up to 524,288 (user, day, profile) triples (~25 MB; then spilled;
        // here 400,000 triples); 8 MB of session log, its sort index (16 bytes a record)
        // included (then spilled); 4 MB of inflated blocks in flight; and per user ~100 bytes: the user
        // set (~17 B) and the report stage's per-user work = ~20 MB for 200,000 users. That is
        // ~130 MB; 220 MB leaves room for the allocator. Memory grows with users, never with
        // events (measured with the 32 MB session log of before: ~160 MB debug, ~126 MB release).
        for peak in peaks { #expect(peak < 220, "peak \(peak) MB") }
    }

    static func peakMemoryMB(_ stderr: String) -> Int? {
        guard let range = stderr.range(of: "peak memory ") else { return nil }
        return Int(stderr[range.upperBound...].prefix { $0.isNumber })
    }
}

