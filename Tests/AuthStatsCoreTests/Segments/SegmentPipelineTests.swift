import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsCore

/// Profiles built from events and the directory, evaluated end to end through `Analysis`
/// (`docs/segments.md` "Profiles", "Reports", "Member exports"), against hand-computed results.
@Suite("Segments through the pipeline: profiles, reports, member exports")
struct SegmentPipelineTests {
    /// A Pinpoint record with an embedded endpoint.
    static func record(
        _ type: String, _ iso: String, user: String?, endpoint: String? = nil, channel: String = "GCM", platform: String = "android",
        session: String? = nil, userAttributes: [String: [String]] = [:], attributes: [String: [String]] = [:], address: String? = nil
    ) -> String {
        func object(_ map: [String: [String]]) -> String {
            "{" + map.sorted { $0.key < $1.key }.map { "\(JSONText.quote($0.key)):[" + $0.value.map(JSONText.quote).joined(separator: ",") + "]" }.joined(separator: ",") + "}"
        }
        var s = "{\"event_type\":\"\(type)\",\"event_timestamp\":\(PinpointLine.millis(iso)),"
        s += "\"application\":{\"app_id\":\"app\",\"version_name\":\"2.0\"},\"client\":{\"client_id\":\(JSONText.quote(endpoint ?? "client-x"))},"
        s += "\"device\":{\"locale\":{\"code\":\"en_US\",\"country\":\"US\"},\"make\":\"samsung\",\"model\":\"SM-1\",\"platform\":{\"name\":\"\(platform)\"}},"
        s += session.map { "\"session\":{\"session_id\":\"\($0)\",\"start_timestamp\":\(PinpointLine.millis(iso))}," } ?? ""
        s += "\"endpoint\":{\"ChannelType\":\"\(channel)\","
        if let address { s += "\"Address\":\(JSONText.quote(address)),"}
        s += "\"Attributes\":\(object(attributes)),\"Id\":\(JSONText.quote(endpoint ?? "client-x"))"
        if let user { s += ",\"User\":{\"UserId\":\(JSONText.quote(user)),\"UserAttributes\":\(object(userAttributes))}" }
        return s + "}}"
    }

    static let events = [
        record("_userauth.sign_in", "2026-03-01T10:00:00Z", user: "u1", endpoint: "ep1", userAttributes: ["plan": ["free"]], attributes: ["tier": ["a"]]),
        record("_userauth.sign_in", "2026-03-05T09:00:00Z", user: "u1", endpoint: "ep1", userAttributes: ["plan": ["pro"]]),
        // The same delivery again: counted once, in the reports and in the profile.
        record("_userauth.sign_in", "2026-03-05T09:00:00Z", user: "u1", endpoint: "ep1", userAttributes: ["plan": ["pro"]]),
        record("_userauth.auth_fail", "2026-03-05T09:01:00Z", user: "u1", endpoint: "ep1"),
        record("_userauth.sign_up", "2026-03-02T12:00:00Z", user: "u2", endpoint: "ep2", channel: "APNS", platform: "iOS", userAttributes: ["plan": ["pro"]]),
        record("_session.start", "2026-03-02T12:00:05Z", user: "u2", endpoint: "ep2", channel: "APNS", platform: "iOS", session: "s1"),
        record("_userauth.auth_fail", "2026-03-03T08:00:00Z", user: "u3", endpoint: "ep3"),
        // After the range's last day: counted in no profile.
        record("_userauth.sign_in", "2026-03-07T08:00:00Z", user: "u3", endpoint: "ep3", userAttributes: ["plan": ["pro"]]),
    ].joined(separator: "\n")

    static let definitions = #"""
        [{"Name": "pro", "Dimensions": {"UserAttributes": {"plan": {"AttributeType": "INCLUSIVE", "Values": ["pro"]}}}},
         {"Name": "directory pro", "Dimensions": {"UserAttributes": {"custom:plan": {"Values": ["pro"]}}}},
         {"Name": "two sign-ins", "Dimensions": {"Metrics": {"sign_ins": {"ComparisonOperator": "EQUAL", "Value": 2}}}},
         {"Name": "active 7d", "Dimensions": {"Behavior": {"Recency": {"Duration": "DAY_7", "RecencyType": "ACTIVE"}}}},
         {"Name": "inactive 7d", "Dimensions": {"Behavior": {"Recency": {"Duration": "DAY_7", "RecencyType": "INACTIVE"}}}},
         {"Name": "email", "Dimensions": {"Demographic": {"Channel": {"DimensionType": "INCLUSIVE", "Values": ["EMAIL"]}}}},
         {"Name": "ios", "Dimensions": {"Demographic": {"Platform": {"DimensionType": "INCLUSIVE", "Values": ["IOS"]}}}}]
        """#

    static var directory: UserDirectory {
        var directory = UserDirectory()
        directory.add(DirectoryUser(
            sub: "u4", status: "CONFIRMED", enabled: true,
            attributes: ["sub": "u4", "custom:plan": "pro", "email": "u4@example.com", "email_verified": "true",
                         "phone_number": "+15550100", "phone_number_verified": "false"]))
        return directory
    }

    static func run(
        share: Bool = false, memory: Int = ProfileLog.defaultBudget, spill: (any SpillStore)? = nil, timeZone: String = "UTC",
        to: String = "2026-03-05", text: String = events, definitions: String = definitions, breakdown: [String] = []
    ) throws -> InMemoryRun {
        var options = ProfileOptions(
            segments: try SegmentSet.load(files: [("s.json", Array(definitions.utf8))], timeZone: TimeZone(identifier: timeZone)!),
            breakdownAttributes: breakdown, shareUserData: share)
        options.memory = memory
        return InMemoryRun(
            [("events.ndjson", Array(text.utf8))], timeZone: timeZone, to: to, dedupCapacity: 2, spill: spill,
            directory: directory, profiles: options)
    }

    static func row(_ run: InMemoryRun, _ name: String) -> SegmentRow? { run.reports.segments.first { $0.segment == name } }

    @Test("Location.Country compares the ISO code of the user's Pinpoint events: a later activity-log sign-in's country name does not replace it")
    func countryFromPinpoint() throws {
        let text = [
            Self.record("_userauth.sign_in", "2026-03-01T10:00:00Z", user: "f1", endpoint: "epf"),  // country US
            activityRecord("SignIn", "Pass", timestamp: String(PinpointLine.millis("2026-03-02T10:00:00Z")), sub: "f1", country: "United States", eventID: "a1"),
            activityRecord("SignIn", "Pass", timestamp: String(PinpointLine.millis("2026-03-02T11:00:00Z")), sub: "g1", country: "Ireland", eventID: "a2"),
        ].joined(separator: "\n")
        let definitions = #"""
            [{"Name": "us", "Dimensions": {"Location": {"Country": {"DimensionType": "INCLUSIVE", "Values": ["US"]}}}},
             {"Name": "not us", "Dimensions": {"Location": {"Country": {"DimensionType": "EXCLUSIVE", "Values": ["US"]}}}},
             {"Name": "ie", "Dimensions": {"Location": {"Country": {"DimensionType": "INCLUSIVE", "Values": ["IE"]}}}}]
            """#
        var options = ProfileOptions(segments: try SegmentSet.load(files: [("s.json", Array(definitions.utf8))], timeZone: TimeZone(identifier: "UTC")!))
        options.memory = ProfileLog.defaultBudget
        let run = InMemoryRun([("e.ndjson", Array(text.utf8))], profiles: options)
        #expect(run.reports.segments.map(\.users) == [1, 1, 0])
        // The member export of "us" shows the code it was compared by.
        let us = try #require(run.memberExports.first)
        let country = try #require(us.first?.firstIndex(of: "Location.Country"))
        #expect(us.dropFirst().map { $0[country] } == ["US"])
    }

    @Test("an endpoint's address (a device token) is kept when a later event names the endpoint without one")
    func endpointAddressKept() throws {
        let text = [
            Self.record("_userauth.sign_in", "2026-03-01T10:00:00Z", user: "h1", endpoint: "h1-e", channel: "APNS", address: "tokOld"),
            Self.record("_session.start", "2026-03-02T10:00:00Z", user: "h1", endpoint: "h1-e", channel: "APNS", platform: "ios"),
            Self.record("_userauth.sign_in", "2026-03-01T10:00:00Z", user: "h2", endpoint: "h2-e", channel: "APNS", address: "tokA"),
            Self.record("_userauth.sign_in", "2026-03-02T10:00:00Z", user: "h2", endpoint: "h2-e", channel: "APNS", address: "tokB"),
        ].joined(separator: "\n")
        let definitions = #"[{"Name": "all", "Dimensions": {}}]"#
        let run = try Self.run(to: "2026-03-02", text: text, definitions: definitions)
        let rows = try #require(run.memberExports.first)
        let (address, id) = (try #require(rows.first?.firstIndex(of: "Address")), try #require(rows.first?.firstIndex(of: "Id")))
        let byID = Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[id], $0[address]) })
        #expect(byID["h1-e"] == "tokOld")
        #expect(byID["h2-e"] == "tokB")
    }

    @Test("an endpoint's demographics are kept when a later event names the endpoint without a device")
    func endpointDemographicsKept() throws {
        let bare = Self.record("_userauth.sign_in", "2026-03-02T10:00:00Z", user: "h1", endpoint: "h1-e", channel: "APNS", platform: "ios")
        let withoutDevice = bare.replacingOccurrences(
            of: #""device":{"locale":{"code":"en_US","country":"US"},"make":"samsung","model":"SM-1","platform":{"name":"ios"}},"#, with: ""
        ).replacingOccurrences(of: #","version_name":"2.0""#, with: "")
        #expect(withoutDevice.count < bare.count - 100)
        let text = [
            Self.record("_userauth.sign_in", "2026-03-01T10:00:00Z", user: "h1", endpoint: "h1-e", channel: "APNS", platform: "ios"),
            withoutDevice,
        ].joined(separator: "\n")
        let run = try Self.run(to: "2026-03-02", text: text, definitions: #"[{"Name": "all", "Dimensions": {}}]"#)
        let rows = try #require(run.memberExports.first)
        let header = try #require(rows.first)
        let row = try #require(rows.dropFirst().first)
        #expect(rows.count == 2)
        func value(_ column: String) throws -> String { row[try #require(header.firstIndex(of: column))] }
        #expect(try value("Demographic.Platform") == "ios")
        #expect(try value("Demographic.AppVersion") == "2.0")
        #expect(try value("Demographic.Locale") == "en_US")
        #expect(try value("Location.Country") == "US")
    }

    @Test("membership and segment metrics, hand-computed")
    func membership() throws {
        let run = try Self.run()
        let counts = run.reports.segments.map { "\($0.segment): \($0.users)" }
        // pro: u1 (latest plan pro), u2; directory pro: u4 (custom:plan); two sign-ins: u1 (the
        // copy not counted); active 7d: u1, u2; inactive: u3 (only a failure), u4 (no event);
        // email: nobody without --share-user-data; ios: u2 (platform compared lower-cased).
        #expect(counts == ["pro: 2", "directory pro: 1", "two sign-ins: 1", "active 7d: 2", "inactive 7d: 2", "email: 0", "ios: 1"])
        let pro = try #require(Self.row(run, "pro"))
        #expect(pro.activeUsersLastDay == 1)  // u1 on 03-05
        #expect(pro.mau30dLastDay == 2)
        #expect(pro.signUps == 1 && pro.signIns == 2 && pro.authFailures == 1)
        // u1: two sign-ins four days apart, two sessions (the failure makes none). u2: the
        // sign-up at 12:00:00 is before session s1's span (from 12:00:05), so it joins nothing
        // and is a session of its own, then s1: two.
        #expect(pro.sessions == 4)
        let daily = run.reports.segmentDaily.filter { $0.segment == "pro" }.map {
            "\($0.date) \($0.signUps) \($0.signIns) \($0.authFailures) \($0.activeUsers)"
        }
        #expect(daily == ["2026-03-01 0 1 0 1", "2026-03-02 1 0 0 1", "2026-03-03 0 0 0 0", "2026-03-04 0 0 0 0", "2026-03-05 0 1 1 1"])
        // u3's sign-in after the range makes no profile: not in "pro", inactive.
        #expect(Self.row(run, "inactive 7d")?.authFailures == 1)
    }

    @Test("member export: Pinpoint import columns, one row per endpoint, sorted by user id")
    func memberExport() throws {
        let run = try Self.run()
        let pro = run.memberExports[0]
        #expect(pro[0] == MemberExport.fixedColumns + ["User.UserAttributes.plan", "Attributes.tier"])
        #expect(pro[1] == ["GCM", "", "ep1", "u1", "android", "2.0", "en_US", "US", "pro", "a"])
        #expect(pro[2] == ["APNS", "", "ep2", "u2", "ios", "2.0", "en_US", "US", "pro", ""])
        #expect(pro.count == 3)
        // The directory user has no endpoint: a member without a row.
        let directoryPro = run.memberExports[1]
        #expect(directoryPro.count == 1)
        #expect(!directoryPro[0].contains { $0.contains("email") && $0 != "User.UserAttributes.email_verified" })
        #expect(Self.row(run, "directory pro")?.endpoints == 0)
    }

    @Test("--share-user-data: an EMAIL endpoint for a verified address only, never an unverified phone")
    func sharing() throws {
        let run = try Self.run(share: true)
        #expect(Self.row(run, "email")?.users == 1)
        let rows = run.memberExports[1].dropFirst()  // directory pro: u4
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect(row[0] == "EMAIL" && row[1] == "u4@example.com" && row[3] == "u4")
        #expect(row[2].hasPrefix("cognito-email-") && !row[2].contains("example"))
        let everything = run.memberExports.flatMap { $0 }.flatMap { $0 }
        #expect(!everything.contains("+15550100"))
        // Without the flag no address anywhere, even from an endpoint that carries one.
        let withAddress = Self.events + "\n" + Self.record(
            "_userauth.sign_in", "2026-03-04T10:00:00Z", user: "u2", endpoint: "ep-mail", channel: "EMAIL", userAttributes: ["plan": ["pro"]],
            address: "u2@example.com")
        let plain = try Self.run(text: withAddress)
        #expect(!plain.memberExports.flatMap { $0 }.flatMap { $0 }.contains("u2@example.com"))
        #expect(Self.row(plain, "email")?.users == 1)  // the channel still matches
        // u2's email is not known to be verified (no directory entry): not written even with the flag.
        let shared = try Self.run(share: true, text: withAddress)
        #expect(!shared.memberExports.flatMap { $0 }.flatMap { $0 }.contains("u2@example.com"))
    }

    @Test("--share-user-data writes only the address the directory verified, whatever the events say")
    func sharingOnlyVerified() throws {
        // u4 is listed with u4@example.com verified; its events name other addresses.
        let text = Self.events + "\n" + Self.record(
            "_userauth.sign_in", "2026-03-04T10:00:00Z", user: "u4", endpoint: "ep-u4", channel: "EMAIL",
            userAttributes: ["email": ["evil@example.com"], "email_verified": ["true"]], address: "other@example.com")
        let run = try Self.run(share: true, text: text)
        let cells = run.memberExports.flatMap { $0 }.flatMap { $0 }
        #expect(cells.contains("u4@example.com"))
        #expect(!cells.contains("evil@example.com"))
        #expect(!cells.contains("other@example.com"))
    }

    @Test("a member export line: every line break Unicode has, and tabs, are spaces; other text as it is")
    func exportLineBreaks() {
        #expect(MemberExport.line(["a\u{2028}b\u{2029}c\u{85}d\u{B}e\u{C}f", "g\r\nh\ri\nj\tk", "é€\u{2027}"]) == "a b c d e f,g h i j k,é€\u{2027}\n")
    }

    @Test("attribute values with commas, quotes, a leading = and several values round-trip through a CSV reader")
    func roundTrip() throws {
        let values = ["a,b", "say \"hi\"", "=SUM(A1)", "tab\there", "ünïcødé"]
        let text = Self.record("_userauth.sign_in", "2026-03-05T10:00:00Z", user: "w,\"1\"", endpoint: "ep=1", userAttributes: ["note": values, "plan": ["pro"]])
        let run = try Self.run(text: text)
        let cells = run.memberExports[0]
        var csv = ""
        for row in cells { csv += MemberExport.line(row) }
        let parsed = Self.parseCSV(csv)
        #expect(parsed.count == 2)
        let header = parsed[0]
        #expect(header.filter { $0 == "User.UserAttributes.note" }.count == values.count)
        let notes = zip(header, parsed[1]).filter { $0.0 == "User.UserAttributes.note" }.map(\.1)
        #expect(notes == ["a,b", "say \"hi\"", "=SUM(A1)", "tab here", "ünïcødé"])  // a tab is written as a space
        #expect(parsed[1][2] == "ep=1" && parsed[1][3] == "w,\"1\"")
    }

    @Test("recency across a time zone's day boundary")
    func recencyTimeZone() throws {
        // 2026-03-05T03:00Z is 03-04 in New York: with --to 2026-03-04 the user was active on L
        // there, and in UTC the event falls after L and says nothing.
        let text = Self.record("_userauth.sign_in", "2026-03-05T03:00:00Z", user: "late", endpoint: "e")
        let definitions = #"[{"Name": "today", "Dimensions": {"Behavior": {"Recency": {"Duration": "HR_24", "RecencyType": "ACTIVE"}}}}]"#
        let newYork = try Self.run(timeZone: "America/New_York", to: "2026-03-04", text: text, definitions: definitions)
        #expect(Self.row(newYork, "today")?.users == 1)
        let utc = try Self.run(to: "2026-03-04", text: text, definitions: definitions)
        #expect(Self.row(utc, "today")?.users == 0)
    }

    @Test("attr:NAME breakdown: the user's value as of the range's end; (unknown) without one or without a user")
    func attributeBreakdown() throws {
        let noUser = #"{"event_type":"_userauth.auth_fail","event_timestamp":\#(PinpointLine.millis("2026-03-05T11:00:00Z")),"client":{}}"#
        let run = try Self.run(text: Self.events + "\n" + noUser, breakdown: ["plan"])
        let rows = run.reports.breakdown.filter { $0.attribute == "plan" }.map {
            "\($0.date) \($0.value) \($0.signUps) \($0.signIns) \($0.authFailures) \($0.activeUsers) \($0.events)"
        }
        #expect(rows == [
            "2026-03-01 pro 0 1 0 1 1",  // u1's value as of 03-05 is pro, also for 03-01
            "2026-03-02 pro 1 0 0 1 2",
            "2026-03-03 (unknown) 0 0 1 0 1",  // u3 has no plan on or before 03-05
            "2026-03-05 (unknown) 0 0 1 0 1",  // the event without a user
            "2026-03-05 pro 0 1 1 1 2",
        ])
        #expect(run.reports.breakdown.map(\.dimensionName).contains("attr:plan"))
    }

    @Test("a tiny profile memory (spilled observations) gives the same segments")
    func spilled() throws {
        let inMemory = try Self.run()
        let store = MemorySpillStore()
        let spilled = try Self.run(memory: 64, spill: store)
        #expect(store.written > 0)
        #expect(spilled.reports.segments == inMemory.reports.segments)
        #expect(spilled.reports.segmentDaily == inMemory.reports.segmentDaily)
        #expect(spilled.memberExports == inMemory.memberExports)
    }

    @Test("a user's observations A, B, A (spilled apart, so each is its own record): the profile is the last A's, whatever is skipped as a repeat")
    func repeatedObservations() throws {
        // Each user's records differ in time only, or return to an earlier one: the fold skips
        // a record only when it repeats the one applied just before it.
        let a = (plan: ["pro"], tier: ["x"], address: "tokA", platform: "android")
        let b = (plan: ["team"], tier: ["y"], address: "tokB", platform: "ios")
        var lines: [String] = []
        for (user, steps) in [("r1", [a, a, b, a]), ("r2", [a, b, b]), ("r3", [b, a, a, a])] {
            for (i, step) in steps.enumerated() {
                lines.append(Self.record(
                    "_userauth.sign_in", "2026-03-0\(i + 1)T10:00:00Z", user: user, endpoint: user + "-e", channel: "APNS",
                    platform: step.platform, userAttributes: ["plan": step.plan], attributes: ["tier": step.tier], address: step.address))
            }
        }
        let definitions = #"""
            [{"Name": "pro", "Dimensions": {"UserAttributes": {"plan": {"Values": ["pro"]}}}},
             {"Name": "tier y on ios", "Dimensions": {"Attributes": {"tier": {"Values": ["y"]}}, "Demographic": {"Platform": {"Values": ["ios"]}}}}]
            """#
        for memory in [ProfileLog.defaultBudget, 64] {
            let store = MemorySpillStore()
            let run = try Self.run(memory: memory, spill: store, to: "2026-03-05", text: lines.joined(separator: "\n"), definitions: definitions)
            if memory == 64 { #expect(store.written > 0) }
            #expect(run.reports.segments.map(\.users) == [2, 1])
            let rows = try #require(run.memberExports.first)
            let (address, id) = (try #require(rows.first?.firstIndex(of: "Address")), try #require(rows.first?.firstIndex(of: "Id")))
            #expect(rows.dropFirst().map { [$0[id], $0[address]] } == [["r1-e", "tokA"], ["r3-e", "tokA"]])
            let tiers = try #require(run.memberExports.last)
            #expect(tiers.dropFirst().map { $0[id] } == ["r2-e"])
        }
    }

    /// RFC 4180, as a spreadsheet or `csv.reader` reads it.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(c)
            }
            i += 1
        }
        chars = []
        return rows
    }
}

@Suite("Segments per project, with a spilled user directory")
struct ProjectSegmentTests {
    @Test("every project's segment pass streams the spilled directory: same attributes for its users")
    func spilledDirectoryPerProject() throws {
        let store = MemorySpillStore()
        var directory = UserDirectory(memoryBudget: 64, store: store)
        for i in 0..<50 {
            directory.add(DirectoryUser(sub: "d\(i)", attributes: ["sub": "d\(i)", "custom:plan": i % 2 == 0 ? "pro" : "free"]))
        }
        let events = (0..<50).map { i in
            PinpointLine("_userauth.sign_in", iso: "2026-03-05T10:00:\(String(format: "%02d", i))Z", user: "d\(i)").json
                .replacingOccurrences(of: #""app_id":"app""#, with: #""app_id":"\#(i < 25 ? "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" : "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")""#)
        }.joined(separator: "\n")
        let segments = try SegmentSet.load(
            files: [("s.json", Array(#"[{"Name":"pro","Dimensions":{"UserAttributes":{"custom:plan":{"Values":["pro"]}}}}]"#.utf8))],
            timeZone: TimeZone(identifier: "UTC")!)
        var clients = AnalyticsConfiguration()
        _ = clients.load(Array("{\"UserPoolClients\":[]}".utf8), name: "c.json")
        let options = ProfileOptions(segments: segments)
        var projectRows: [String: Int] = [:]
        let run = InMemoryRun(
            [("e.ndjson", Array(events.utf8))], spill: store, directory: directory, profiles: options,
            configure: {
                $0.clients = clients
                $0.byProject = true
            })
        #expect(directory.spilledRuns > 0)
        #expect(run.reports.segments.first?.users == 25)
        for (id, reports, _) in run.projects { projectRows[id] = reports.segments.first?.users }
        // d0…d24 in project a (13 of them even: pro), d25…d49 in b (12 pro).
        #expect(projectRows == ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": 13, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb": 12])
    }
}

extension ProjectSegmentTests {
    @Test("--share-user-data adds verified addresses to the exports of projects with a client that shares user data only")
    func userDataSharedPerProject() throws {
        typealias F = ConfigurationFixtures
        var directory = UserDirectory()
        for i in 0..<4 {
            directory.add(DirectoryUser(sub: "d\(i)", attributes: ["sub": "d\(i)", "email": "d\(i)@example.com", "email_verified": "true"]))
        }
        // d0, d1 in project A (its client shares user data), d2, d3 in project B (its does not);
        // d2's app registered an EMAIL endpoint of its own, with the verified address: exported
        // in B as Pinpoint had it, whatever Cognito shared.
        let events = ((0..<4).map { i in
            PinpointLine("_userauth.sign_in", iso: "2026-03-05T10:00:0\(i)Z", user: "d\(i)").json
                .replacingOccurrences(of: #""app_id":"app""#, with: #""app_id":"\#(i < 2 ? F.projectA : F.projectB)""#)
        } + [
            SegmentPipelineTests.record("_session.start", "2026-03-05T11:00:00Z", user: "d2", endpoint: "e-d2", channel: "EMAIL", address: "d2@example.com")
                .replacingOccurrences(of: #""app_id":"app""#, with: #""app_id":"\#(F.projectB)""#)
        ]).joined(separator: "\n")
        let segments = try SegmentSet.load(
            files: [("s.json", Array(#"[{"Name":"email","Dimensions":{"Demographic":{"Channel":{"Values":["EMAIL"]}}}}]"#.utf8))],
            timeZone: TimeZone(identifier: "UTC")!)
        let (clients, _) = F.configuration(
            F.describe("ca", analytics: ["ApplicationId": F.projectA, "UserDataShared": true]),
            F.describe("cb", analytics: ["ApplicationId": F.projectB, "UserDataShared": false]))
        let run = InMemoryRun(
            [("e.ndjson", Array(events.utf8))], directory: directory, profiles: ProfileOptions(segments: segments, shareUserData: true),
            configure: {
                $0.clients = clients
                $0.byProject = true
            })
        // The run's own exports: the flag, for every user.
        #expect(run.reports.segments.first?.users == 4)
        #expect(run.memberExports.first?.filter { $0[0] == "EMAIL" }.count == 4)
        var members: [String: [String]] = [:]
        for (id, reports, analysis) in run.projects {
            #expect(reports.segments.count == 1)
            var exports = try #require(analysis.memberExports)
            var rows: [String] = []
            exports.forEachRow { _, row in if row[0] == "EMAIL" { rows.append(row[0] + " " + row[1]) } }
            members[id] = rows
        }
        #expect(members == [F.projectA: ["EMAIL d0@example.com", "EMAIL d1@example.com"], F.projectB: ["EMAIL d2@example.com"]])
    }
}

extension SegmentPipelineTests {
    /// The segment pass hands the users to its lanes in batches (`SegmentPass.UserBatch`, 2,048
    /// users each): thousands of users, listed, with events or both, spilled or not, give the
    /// hand-computed counts and export rows, the same with the directory in a thread of its own.
    @Test("thousands of users across many batches of the segment pass: hand-computed counts and export rows")
    func batches() throws {
        let segments = try SegmentSet.load(
            files: [("s.json", Array(#"""
                [{"Name": "pro", "Dimensions": {"UserAttributes": {"custom:plan": {"Values": ["pro"]}}}},
                 {"Name": "everyone", "Dimensions": {}},
                 {"Name": "two sign-ins", "Dimensions": {"Metrics": {"sign_ins": {"ComparisonOperator": "EQUAL", "Value": 2}}}}]
                """#.utf8))],
            timeZone: TimeZone(identifier: "UTC")!)
        // d0…d4999 listed (every third on plan pro); e0…e699 only in events; d0…d3999 with events,
        // every fifth of them signing in twice.
        var events: [String] = []
        for i in 0..<4000 {
            for n in 0..<(i % 5 == 0 ? 2 : 1) {
                events.append(Self.record("_userauth.sign_in", "2026-03-0\(1 + i % 4)T10:00:0\(n)Z", user: "d\(i)", endpoint: "ep-d\(i)"))
            }
        }
        for i in 0..<700 { events.append(Self.record("_userauth.sign_in", "2026-03-04T11:00:00Z", user: "e\(i)", endpoint: "ep-e\(i)")) }
        for (background, budget, store) in [(false, UserDirectory.defaultMemoryBudget, nil), (true, 4 << 10, MemorySpillStore())] as [(Bool, Int, MemorySpillStore?)] {
            var directory = UserDirectory(memoryBudget: budget, store: store, background: background)
            for i in 0..<5000 {
                directory.add(DirectoryUser(sub: "d\(i)", status: "CONFIRMED", attributes: ["sub": "d\(i)", "custom:plan": i % 3 == 0 ? "pro" : "free"]))
            }
            var options = ProfileOptions(segments: segments)
            options.memory = store == nil ? ProfileLog.defaultBudget : 1 << 12
            // Counts only, in 3 session shards: the segments that compare no sessions are evaluated
            // before them, and each lane's members get theirs after (`addSessions`).
            let run = InMemoryRun(
                [("e.ndjson", Array(events.joined(separator: "\n").utf8))], to: "2026-03-05", spill: store, directory: directory,
                sessionShards: 3, sessionRows: false, profiles: options)
            let rows = run.reports.segments.map { "\($0.segment) \($0.users) \($0.signIns) \($0.endpoints)" }
            // pro: 1667 listed (i % 3 == 0), 1334 of them with events (i < 4000): 1334 rows,
            // sign-ins 1334 + the 267 of them with i % 15 == 0 that sign in twice.
            // everyone: 5000 + 700; sign-ins 4000 + 800 + 700; rows 4700.
            // two sign-ins: d0, d5, …, d3995: 800, no e-user.
            #expect(rows == ["pro 1667 1601 1334", "everyone 5700 5500 4700", "two sign-ins 800 1600 800"])
            // One session a user with events (two sign-ins a second apart are one), added to
            // the rows once the sessions are built, from both lanes' members.
            #expect(run.reports.segments.map(\.sessions) == [1334, 4700, 800])
            // A definition that compares sessions: the pass waits for them and looks each
            // user's count up (4,700 users with one session each, none with two).
            var bySessions = options
            bySessions.segments = try SegmentSet.load(
                files: [("s.json", Array(#"""
                    [{"Name": "one session", "Dimensions": {"Metrics": {"sessions": {"ComparisonOperator": "EQUAL", "Value": 1}}}},
                     {"Name": "two sessions", "Dimensions": {"Metrics": {"sessions": {"ComparisonOperator": "EQUAL", "Value": 2}}}}]
                    """#.utf8))],
                timeZone: TimeZone(identifier: "UTC")!)
            // With session rows (a named log: its users come sorted by id, the counts sorted after)
            // and counts only in 3 shards: each lane walks the counts as it makes the profiles.
            for (shards, rows) in [(1, true), (3, false)] {
                let counted = InMemoryRun(
                    [("e.ndjson", Array(events.joined(separator: "\n").utf8))], to: "2026-03-05", spill: store, directory: directory,
                    sessionShards: shards, sessionRows: rows, profiles: bySessions)
                #expect(
                    counted.reports.segments.map { "\($0.segment) \($0.users) \($0.sessions)" } == ["one session 4700 4700", "two sessions 0 0"],
                    "\(shards) shards, rows \(rows)")
            }
            let pro = run.memberExports[0]
            #expect(pro.count == 1 + 1334)
            let ids = pro.dropFirst().map { $0[3] }
            #expect(ids == ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            #expect(Set(ids) == Set((0..<4000).filter { $0 % 3 == 0 }.map { "d\($0)" }))
            let plan = try #require(pro[0].firstIndex(of: "User.UserAttributes.custom:plan"))
            let status = try #require(pro[0].firstIndex(of: "User.UserAttributes.cognito:user_status"))
            #expect(pro.dropFirst().allSatisfy { $0[plan] == "pro" && $0[status] == "CONFIRMED" && $0[2] == "ep-" + $0[3] })
        }
    }
}
