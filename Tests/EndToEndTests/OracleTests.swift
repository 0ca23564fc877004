import AuthStatsTestSupport
import Foundation
import Testing

/// An independent, naive computation over `sample-logs/` with Foundation's
/// `JSONSerialization` and plain sets, straight from `docs/metrics.md`, compared with what
/// authstats writes: daily counts, and events and active users per source and user type.
@Suite("Oracle: a naive Foundation computation agrees with authstats on sample-logs/")
struct OracleTests {
    struct Event {
        var day: String
        var kind: String  // sign_up, sign_in, auth_failure, activity, other
        var user: String?
        var source: String
        var platform: String
        var idpFederated: Bool?
        var time: Int64 = 0
        var session: String?
        /// Pinpoint `session.start_timestamp` / `stop_timestamp`.
        var sessionStart: Int64?
        var sessionStop: Int64?
    }

    static let root = CLI.packageRoot.appendingPathComponent("sample-logs")

    func gunzip(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }

    func json(_ text: some StringProtocol) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    /// Every record of every export file, in no particular order.
    func records() throws -> [[String: Any]] {
        let enumerator = FileManager.default.enumerator(atPath: Self.root.path)!
        var out: [[String: Any]] = []
        while let name = enumerator.nextObject() as? String {
            guard name.hasSuffix(".gz") else { continue }
            let text = try gunzip(Self.root.appendingPathComponent(name).path)
            if text.hasPrefix("{\"Records\"") {
                out += try json(text)["Records"] as! [[String: Any]]
                continue
            }
            let split = text.replacingOccurrences(of: "}{\"event_type\"", with: "}\n{\"event_type\"")
            for line in split.split(separator: "\n") {
                let body = line.first == "{" ? line[...] : line[line.firstIndex(of: "{")!...]  // CloudWatch: "<time> {…}"
                out.append(try json(body))
            }
        }
        return out
    }

    func events() throws -> [Event] {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let iso = ISO8601DateFormatter()
        func day(_ millis: Int64) -> String { formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000)) }
        var seen = Set<String>()
        var out: [Event] = []
        for r in try records() {
            if let type = r["event_type"] as? String {
                let client = (r["client"] as? [String: Any])?["client_id"] as? String
                let userID = ((r["endpoint"] as? [String: Any])?["User"] as? [String: Any])?["UserId"] as? String
                let user = (userID?.isEmpty == false ? userID : nil) ?? client
                let sessionObject = r["session"] as? [String: Any]
                let session = sessionObject?["session_id"] as? String
                let time = (r["event_timestamp"] as! NSNumber).int64Value
                guard seen.insert([type, String(time), client ?? "", session ?? "", user ?? ""].joined(separator: "|")).inserted else { continue }
                let device = ((r["device"] as? [String: Any])?["platform"] as? [String: Any])?["name"] as? String
                let demographic = ((r["endpoint"] as? [String: Any])?["Demographic"] as? [String: Any])?["Platform"] as? String
                let platform = ((device?.isEmpty == false ? device : nil) ?? demographic ?? "(unknown)").lowercased()
                let kind = ["_userauth.sign_up": "sign_up", "_userauth.sign_in": "sign_in", "_userauth.auth_fail": "auth_failure"][type]
                    ?? (type.hasPrefix("_session.") || type.hasPrefix("_monetization.") || !type.hasPrefix("_") ? "activity" : "other")
                let sessionID = session?.isEmpty == false ? session : nil
                out.append(Event(day: day(time), kind: kind, user: user, source: "pinpoint", platform: platform, time: time, session: sessionID,
                                 sessionStart: (sessionObject?["start_timestamp"] as? NSNumber)?.int64Value,
                                 sessionStop: (sessionObject?["stop_timestamp"] as? NSNumber)?.int64Value))
            } else if r["eventSource"] as? String == "USER_ACTIVITY" {
                let m = r["message"] as! [String: Any]
                let time = Int64(r["eventTimestamp"] as! String)!
                // A copy has its record's day: the same id on another day is another event
                // (docs/metrics.md "Duplicates").
                guard seen.insert("\(m["eventId"] as! String) \(day(time))").inserted else { continue }
                let pair = "\(m["eventType"]!)/\(m["eventResponse"]!)"
                let kind = ["SignIn/Pass": "sign_in", "SignIn/Fail": "auth_failure", "SignUp/Pass": "sign_up"][pair] ?? "other"
                out.append(Event(day: day(time), kind: kind, user: m["userSub"] as? String, source: "cognito-activity",
                                 platform: "(unknown)", idpFederated: !(m["idpName"] as? String ?? "").isEmpty, time: time))
            } else if r["eventSource"] as? String == "cognito-idp.amazonaws.com" {
                let time = Int64(iso.date(from: r["eventTime"] as! String)!.timeIntervalSince1970 * 1000)
                guard seen.insert("\(r["eventID"] as! String) \(day(time))").inserted else { continue }
                let name = r["eventName"] as! String
                let failed = !((r["errorCode"] as? String) ?? "").isEmpty
                let challenge = ((r["responseElements"] as? [String: Any])?["challengeName"] as? String) != nil
                var kind = "other"
                if ["InitiateAuth", "AdminInitiateAuth", "RespondToAuthChallenge", "AdminRespondToAuthChallenge"].contains(name) {
                    kind = failed ? "auth_failure" : challenge ? "other" : "sign_in"
                } else if name == "SignUp" && !failed {
                    kind = "sign_up"
                }
                let user = ((r["additionalEventData"] as? [String: Any])?["sub"] as? String)
                    ?? ((r["responseElements"] as? [String: Any])?["userSub"] as? String)
                out.append(Event(day: day(time), kind: kind, user: user, source: "cloudtrail", platform: "(unknown)", time: time))
            }
        }
        return out
    }

    /// The `user_type` of every user of the generated directory, by sub.
    func directoryTypes() throws -> [String: String] {
        let text = try String(contentsOf: Self.root.appendingPathComponent("users/list-users.json"), encoding: .utf8)
        var out: [String: String] = [:]
        for page in text.components(separatedBy: "}\n{") {
            let body = (page.hasPrefix("{") ? "" : "{") + page + (page.hasSuffix("}\n") || page.hasSuffix("}") ? "" : "}")
            for user in try json(body)["Users"] as! [[String: Any]] {
                let attributes = Dictionary(uniqueKeysWithValues: (user["Attributes"] as! [[String: String]]).map { ($0["Name"]!, $0["Value"]!) })
                let federated = attributes["identities"] != nil || user["UserStatus"] as? String == "EXTERNAL_PROVIDER"
                out[attributes["sub"]!] = federated ? "federated" : "local"
            }
        }
        return out
    }

    func isActive(_ e: Event) -> Bool { ["sign_up", "sign_in", "activity"].contains(e.kind) }

    /// (user, start day) of every session, the naive way: per user, Pinpoint session ids
    /// group their events (from the earliest of their times and start timestamps to the
    /// latest of their times and stop timestamps); the rest, leaving out those inside such a
    /// span (they join it), split on gaps over 30 minutes.
    func sessionStarts(_ events: [Event]) -> [(String, String)] {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        var out: [(String, String)] = []
        let active = events.filter { isActive($0) && $0.user != nil }
        for (user, mine) in Dictionary(grouping: active, by: { $0.user! }) {
            var starts: [Int64] = []
            var spans: [ClosedRange<Int64>] = []
            for (_, group) in Dictionary(grouping: mine.filter { $0.session != nil }, by: { $0.session! }) {
                let start = group.map { min($0.time, $0.sessionStart ?? $0.time) }.min()!
                spans.append(start...group.map { max($0.time, $0.sessionStop ?? $0.time) }.max()!)
                starts.append(start)
            }
            var last: Int64?
            for e in mine.filter({ e in e.session == nil && !spans.contains { $0.contains(e.time) } }).sorted(by: { $0.time < $1.time }) {
                if last == nil || e.time - last! > 30 * 60_000 { starts.append(e.time) }
                last = e.time
            }
            out += starts.map { (user, formatter.string(from: Date(timeIntervalSince1970: Double($0) / 1000))) }
        }
        return out
    }

    @Test("daily counts, and events and active users per source, platform and user type")
    func agree() throws {
        let events = try events()
        let directory = try directoryTypes()
        let starts = sessionStarts(events)
        #expect(Set(events.map(\.source)) == ["pinpoint", "cognito-activity", "cloudtrail"])
        let out = CLI.temporaryFolder("oracle")
        #expect(try CLI.run(["report", "sample-logs", "--users", "sample-logs/users/list-users.json", "--out", out.path, "-q"]).status == 0)
        let daily = try String(contentsOf: out.appendingPathComponent("daily.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(daily.count >= 10)
        for row in daily {
            let f = row.split(separator: ",").map(String.init)
            let today = events.filter { $0.day == f[0] }
            #expect(Int(f[1]) == today.filter { $0.kind == "sign_up" }.count, "\(f[0]) sign_ups")
            #expect(Int(f[2]) == today.filter { $0.kind == "sign_in" }.count, "\(f[0]) sign_ins")
            #expect(Int(f[3]) == today.filter { $0.kind == "auth_failure" }.count, "\(f[0]) auth_failures")
            #expect(Int(f[4]) == Set(today.filter(isActive).compactMap(\.user)).count, "\(f[0]) active_users")
            #expect(Int(f[9]) == today.count, "\(f[0]) events")
            let sessions = starts.filter { $0.1 == f[0] }
            #expect(Int(f[10]) == sessions.count, "\(f[0]) sessions")
            #expect(Int(f[11]) == Set(sessions.map(\.0)).count, "\(f[0]) session_users")
        }
        let breakdown = try String(contentsOf: out.appendingPathComponent("breakdown.csv"), encoding: .utf8).split(separator: "\n")
        var checked = 0
        for row in breakdown {
            let f = row.split(separator: ",").map(String.init)
            let matching: [Event]
            switch f[1] {
            case "source": matching = events.filter { $0.day == f[0] && $0.source == f[2] }
            case "platform": matching = events.filter { $0.day == f[0] && $0.platform == f[2] }
            case "user_type":
                matching = events.filter { e in
                    // The directory's word for the users it lists; else the activity log's idpName.
                    let type = e.user.flatMap { directory[$0] }
                        ?? (e.idpFederated.map { $0 ? "federated" : "local" } ?? "(unknown)")
                    return e.day == f[0] && type == f[2]
                }
            default: continue
            }
            checked += 1
            #expect(Int(f[7]) == matching.count, "\(row) events")
            #expect(Int(f[6]) == Set(matching.filter(isActive).compactMap(\.user)).count, "\(row) active_users")
        }
        #expect(checked > 50)
    }
}
