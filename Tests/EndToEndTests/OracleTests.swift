import AuthStatsTestSupport
import Foundation
import Testing

/// An independent, naive computation of the daily and platform numbers of `sample-logs/`
/// with Foundation's `JSONSerialization` and plain sets, compared with what authstats writes.
@Suite("Oracle: a naive Foundation computation agrees with authstats on sample-logs/")
struct OracleTests {
    struct Event {
        var day: String
        var type: String
        var user: String?
        var platform: String
    }

    func records() throws -> [[String: Any]] {
        let root = CLI.packageRoot.appendingPathComponent("sample-logs")
        let enumerator = FileManager.default.enumerator(atPath: root.path)!
        var paths: [String] = []
        while let name = enumerator.nextObject() as? String {
            if name.hasSuffix(".gz") { paths.append(name) }
        }
        var out: [[String: Any]] = []
        for path in paths.sorted() {
            let gunzip = Process()
            gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
            gunzip.arguments = ["-dc", root.appendingPathComponent(path).path]
            let pipe = Pipe()
            gunzip.standardOutput = pipe
            try gunzip.run()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            gunzip.waitUntilExit()
            // Objects are one per line, or back to back (`}{"event_type"`) in some files.
            let lines = text.replacingOccurrences(of: "}{\"event_type\"", with: "}\n{\"event_type\"").split(separator: "\n")
            for line in lines {
                out.append(try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])
            }
        }
        return out
    }

    func events() throws -> [Event] {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        var seen = Set<String>()
        var out: [Event] = []
        for r in try records() {
            let client = (r["client"] as? [String: Any])?["client_id"] as? String
            let userID = ((r["endpoint"] as? [String: Any])?["User"] as? [String: Any])?["UserId"] as? String
            let user = (userID?.isEmpty == false ? userID : nil) ?? client
            let session = (r["session"] as? [String: Any])?["session_id"] as? String
            let time = (r["event_timestamp"] as! NSNumber).int64Value
            let type = r["event_type"] as! String
            let key = [type, String(time), client ?? "", session ?? "", user ?? ""].joined(separator: "\u{1}")
            guard seen.insert(key).inserted else { continue }
            let device = ((r["device"] as? [String: Any])?["platform"] as? [String: Any])?["name"] as? String
            let demographic = ((r["endpoint"] as? [String: Any])?["Demographic"] as? [String: Any])?["Platform"] as? String
            let platform = ((device?.isEmpty == false ? device : nil) ?? demographic ?? "(unknown)").lowercased()
            out.append(Event(day: formatter.string(from: Date(timeIntervalSince1970: Double(time) / 1000)), type: type, user: user, platform: platform))
        }
        return out
    }

    func isActivity(_ type: String) -> Bool {
        ["_userauth.sign_up", "_userauth.sign_in"].contains(type) || type.hasPrefix("_session.")
            || type.hasPrefix("_monetization.") || !type.hasPrefix("_")
    }

    @Test("daily counts and distinct active users per day and per platform")
    func agree() throws {
        let events = try events()
        let out = CLI.temporaryFolder("oracle")
        #expect(try CLI.run(["report", "sample-logs", "--out", out.path, "-q"]).status == 0)
        let daily = try String(contentsOf: out.appendingPathComponent("daily.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        for row in daily {
            let f = row.split(separator: ",").map(String.init)
            let today = events.filter { $0.day == f[0] }
            let active = Set(today.filter { isActivity($0.type) }.compactMap(\.user))
            #expect(Int(f[1]) == today.filter { $0.type == "_userauth.sign_up" }.count, "\(f[0]) sign_ups")
            #expect(Int(f[2]) == today.filter { $0.type == "_userauth.sign_in" }.count, "\(f[0]) sign_ins")
            #expect(Int(f[3]) == today.filter { $0.type == "_userauth.auth_fail" }.count, "\(f[0]) auth_failures")
            #expect(Int(f[4]) == active.count, "\(f[0]) active_users")
            #expect(Int(f[9]) == today.count, "\(f[0]) events")
        }
        let breakdown = try String(contentsOf: out.appendingPathComponent("breakdown.csv"), encoding: .utf8).split(separator: "\n")
        for row in breakdown where row.contains(",platform,") {
            let f = row.split(separator: ",").map(String.init)
            let matching = events.filter { $0.day == f[0] && $0.platform == f[2] }
            #expect(Int(f[7]) == matching.count, "\(row) events")
            #expect(Int(f[6]) == Set(matching.filter { isActivity($0.type) }.compactMap(\.user)).count, "\(row) active_users")
        }
    }
}
