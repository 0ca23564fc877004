import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsCore

@Suite("Profile ids cached by the raw bytes of dimension fields")
struct ProfileCacheTests {
    static func lookup(_ cache: inout ProfileCache, _ key: String) -> ProfileHint {
        Array(key.utf8).withUnsafeBytes { cache.lookup($0) }
    }

    @Test("a miss waits for its id; the same bytes then hit, other bytes miss")
    func lookupAndFill() {
        var cache = ProfileCache()
        #expect(Self.lookup(&cache, "android|en_GB") == .pending)
        cache.fill(7)
        #expect(Self.lookup(&cache, "android|en_GB") == .cached(7))
        #expect(Self.lookup(&cache, "android|en_gb") == .pending)
        cache.fill(8)
        #expect(Self.lookup(&cache, "android|en_gb") == .cached(8))
        #expect(Self.lookup(&cache, "android|en_GB") == .cached(7))
        // A fill without a pending key (a hit came last) keeps nothing.
        cache.fill(9)
        #expect(cache.count == 2)
        // A prefix of a known key is another key.
        #expect(Self.lookup(&cache, "android|en_") == .pending)
    }

    @Test("the key last found is found again without the table, and only that key")
    func lastKey() {
        var cache = ProfileCache()
        #expect(Self.lookup(&cache, "ios|ja_JP") == .pending)
        cache.fill(1)
        // Repeats of the last key, then a key one byte longer and one byte shorter, and a key
        // of the same length that differs in its last byte: each its own.
        #expect(Self.lookup(&cache, "ios|ja_JP") == .cached(1))
        #expect(Self.lookup(&cache, "ios|ja_JP") == .cached(1))
        #expect(Self.lookup(&cache, "ios|ja_JPX") == .pending)
        cache.fill(2)
        #expect(Self.lookup(&cache, "ios|ja_J") == .pending)
        cache.fill(3)
        #expect(Self.lookup(&cache, "ios|ja_JQ") == .pending)
        cache.fill(4)
        // Back and forth: each found, through the table or as the last.
        for (key, id) in [("ios|ja_JP", 1), ("ios|ja_JPX", 2), ("ios|ja_JPX", 2), ("ios|ja_J", 3), ("ios|ja_JQ", 4), ("ios|ja_JP", 1)] {
            #expect(Self.lookup(&cache, key) == .cached(UInt32(id)), "\(key)")
        }
        // A miss that is not filled leaves the last found as it was.
        #expect(Self.lookup(&cache, "web|de_DE") == .pending)
        #expect(Self.lookup(&cache, "ios|ja_JP") == .cached(1))
        #expect(cache.count == 4)
        // A fill after a hit of the last key keeps nothing: the miss before it is forgotten.
        cache.fill(9)
        #expect(cache.count == 4)
        #expect(Self.lookup(&cache, "web|de_DE") == .pending)
        #expect(Self.lookup(&cache, "ios|ja_JP") == .cached(1))
    }

    @Test("thousands of keys through table growth keep their ids")
    func growth() {
        var cache = ProfileCache()
        for i in 0..<5000 {
            #expect(Self.lookup(&cache, "key-\(i)") == .pending)
            cache.fill(UInt32(i))
        }
        for i in stride(from: 0, to: 5000, by: 7) { #expect(Self.lookup(&cache, "key-\(i)") == .cached(UInt32(i))) }
        #expect(cache.count == 5000)
    }

    @Test("memory is bounded: past the byte budget, new keys are not kept")
    func bounded() {
        var cache = ProfileCache()
        let long = String(repeating: "x", count: 460)
        var kept = 0
        for i in 0..<6000 {
            if Self.lookup(&cache, "\(i)-\(long)") == .pending {
                kept += 1
                cache.fill(UInt32(i))
            }
        }
        #expect(kept < 6000)
        #expect(kept * 460 <= ProfileCache.maxKeyBytesKept)
        #expect(cache.count == kept)
        #expect(Self.lookup(&cache, "0-\(long)") == .cached(0))
        #expect(Self.lookup(&cache, "5999-\(long)") == .none)
    }

    @Test("a dimension field too long to key is looked up by value")
    func longField() throws {
        let platform = String(repeating: "p", count: 600)
        let lines = [
            PinpointLine("pageView", at: PinpointLine.millis("2026-03-10T10:00:00Z"), user: "u1", platform: platform),
            PinpointLine("pageView", at: PinpointLine.millis("2026-03-10T10:01:00Z"), user: "u2", platform: platform),
            PinpointLine("pageView", at: PinpointLine.millis("2026-03-10T10:02:00Z"), user: "u3", platform: "ios"),
        ]
        let text = lines.ndjson
        let cached = InMemoryRun([("p.ndjson", Array(text.utf8))], sessionRows: false)
        let uncached = InMemoryRun([("p.ndjson", Array(text.utf8))], sessionRows: false, cacheProfiles: false)
        #expect(cached.renderedTables == uncached.renderedTables)
        #expect(try #require(cached.breakdown("2026-03-10", .platform, platform)).events == 2)
    }

    /// Pinpoint records whose dimension fields differ in their bytes but not in their values
    /// (case, `-` for `_`, escapes, a fallback field), and some that differ in value.
    static let variants: [String] = {
        var lines = [
            PinpointLine("_userauth.sign_in", at: PinpointLine.millis("2026-03-10T10:00:00Z"), user: "u1", platform: "Android", locale: "en-gb", appVersion: "2.3.0", country: "GB"),
            PinpointLine("_userauth.sign_in", at: PinpointLine.millis("2026-03-10T10:01:00Z"), user: "u2", platform: "android", locale: "en_GB", appVersion: "2.3.0", country: "GB"),
            PinpointLine("_userauth.sign_in", at: PinpointLine.millis("2026-03-10T10:02:00Z"), user: "u3", platform: "ANDROID", locale: "EN_gb", appVersion: "2.3.0", country: "GB"),
            PinpointLine("pageView", at: PinpointLine.millis("2026-03-10T10:03:00Z"), user: "u1", platform: "Android", locale: "en-gb", appVersion: "2.3.0", country: "GB"),
            PinpointLine("pageView", at: PinpointLine.millis("2026-03-10T10:04:00Z"), user: "u4", platform: "iOS", locale: "fr_FR", appVersion: "2.3.1"),
            PinpointLine("pageView", at: PinpointLine.millis("2026-03-10T10:05:00Z"), user: "u4", platform: "iOS", locale: "fr_FR", appVersion: "2.3.1"),
            // Differs from u4's only in the country: a key must hold every field.
            PinpointLine("pageView", at: PinpointLine.millis("2026-03-10T10:05:30Z"), user: "u7", platform: "iOS", locale: "fr_FR", appVersion: "2.3.1", country: "FR"),
            PinpointLine("pageView", at: PinpointLine.millis("2026-03-10T10:06:00Z"), user: "u5"),
            PinpointLine("pageView", at: PinpointLine.millis("2026-03-10T10:07:00Z"), user: "u5", platform: "", locale: ""),
        ].map(\.json)
        // An escaped platform, and the platform only in endpoint.Demographic (the fallback).
        lines.append(
            lines[1].replacingOccurrences(of: #""name":"android""#, with: #""name":"andr\u006fid""#)
                .replacingOccurrences(of: "1773136860000", with: "1773137280000"))  // 10:01 → 10:08
        lines.append(
            #"{"event_type":"pageView","event_timestamp":1773137340000,"client":{"client_id":"c9"},"device":{"locale":{"code":"en_GB"}},"endpoint":{"Demographic":{"Platform":"Android","AppVersion":"2.3.0"},"Location":{"Country":"GB"},"User":{"UserId":"u6"}}}"#)
        return lines
    }()

    @Test("Pinpoint dimension values are the same with and without the cache, and as computed by hand")
    func pinpointVariants() throws {
        let text = Self.variants.joined(separator: "\n") + "\n"
        let cached = InMemoryRun([("p.ndjson", Array(text.utf8))], sessionRows: false)
        let uncached = InMemoryRun([("p.ndjson", Array(text.utf8))], sessionRows: false, cacheProfiles: false)
        #expect(cached.rejects.isEmpty)
        #expect(cached.renderedTables == uncached.renderedTables)
        #expect(cached.accumulator.table.profileCount == uncached.accumulator.table.profileCount)
        // By hand: android on 6 events (u1 twice, u2, u3, u2's escaped one, u6's fallback one),
        // of 4 users.
        let android = try #require(cached.breakdown("2026-03-10", .platform, "android"))
        #expect(android.events == 6)
        #expect(android.activeUsers == 4)
        #expect(try #require(cached.breakdown("2026-03-10", .locale, "en_GB")).events == 6)
        #expect(try #require(cached.breakdown("2026-03-10", .platform, "ios")).events == 3)
        #expect(try #require(cached.breakdown("2026-03-10", .country, "FR")).events == 1)
        #expect(try #require(cached.breakdown("2026-03-10", .platform, "(unknown)")).events == 2)
        #expect(try #require(cached.breakdown("2026-03-10", .country, "GB")).events == 6)
    }

    @Test("session rows and a user directory's user_type: the same with and without the cache")
    func rowsAndDirectory() throws {
        let text = Self.variants.joined(separator: "\n") + "\n"
        var directory = UserDirectory()
        _ = try directory.load(
            Array("cognito:username,sub,identities\nu1,u1,\nu2,u2,[{\"providerName\":\"Google\"}]\n".utf8), name: "users.csv")
        for rows in [true, false] {
            let cached = InMemoryRun([("p.ndjson", Array(text.utf8))], directory: directory, sessionRows: rows)
            let uncached = InMemoryRun(
                [("p.ndjson", Array(text.utf8))], directory: directory, sessionRows: rows, cacheProfiles: false)
            #expect(cached.renderedTables == uncached.renderedTables)
            #expect(cached.sessions == uncached.sessions)
            #expect(cached.sessions.count == (rows ? 7 : 0))
        }
        // By hand: u1 is local (2 events), u2 federated (its 2 events); the rest unknown.
        let run = InMemoryRun([("p.ndjson", Array(text.utf8))], directory: directory, sessionRows: false)
        #expect(try #require(run.breakdown("2026-03-10", .userType, "local")).events == 2)
        #expect(try #require(run.breakdown("2026-03-10", .userType, "federated")).events == 2)
        #expect(try #require(run.breakdown("2026-03-10", .userType, "(unknown)")).events == 7)
        // Session rows name the platform and version the cache did not make Strings for.
        let rows = InMemoryRun([("p.ndjson", Array(text.utf8))], sessionRows: true)
        #expect(rows.sessions.filter { $0.platform == "android" && $0.appVersion == "2.3.0" }.count >= 3)
    }

    @Test("activity-log and CloudTrail dimension values are the same with and without the cache")
    func otherExports() throws {
        let activity = [
            activityRecord("SignIn", "Pass", sub: "a1", eventID: "e1"),
            activityRecord("SignIn", "Pass", sub: "a2", country: "null", eventID: "e2"),
            activityRecord("SignIn", "Fail", sub: "a3", idp: "Google", eventID: "e3"),
            activityRecord("SignIn", "Pass", sub: "a4", idp: "null", eventID: "e4"),
            activityRecord("SignIn", "Pass", sub: "a5", idp: "Google", country: "Ireland", eventID: "e5"),
        ]
        let trail = [
            trailRecord("InitiateAuth", sub: "t1", eventID: "t-e1"),
            trailRecord("InitiateAuth", sub: "t2", eventID: "t-e2"),
            trailRecord("InitiateAuth", sub: "t3", requestParameters: "null", additional: #"{"sub":"t3","requestParameters":{"client_id":["3n4exampleclientid9"]}}"#, eventID: "t-e3"),
            trailRecord("InitiateAuth", sub: "t4", requestParameters: "{}", eventID: "t-e4"),
        ]
        let text = (activity + trail).joined(separator: "\n") + "\n"
        let cached = InMemoryRun([("mixed.ndjson", Array(text.utf8))], sessionRows: false)
        let uncached = InMemoryRun([("mixed.ndjson", Array(text.utf8))], sessionRows: false, cacheProfiles: false)
        #expect(cached.rejects.isEmpty)
        #expect(cached.renderedTables == uncached.renderedTables)
        // By hand: a3 and a5 are federated; the trail's client id comes from either field for t1–t3.
        #expect(try #require(cached.breakdown("2024-06-17", .userType, "federated")).events == 2)
        #expect(try #require(cached.breakdown("2024-06-17", .userType, "local")).events == 3)
        #expect(try #require(cached.breakdown("2024-06-17", .country, "Ireland")).events == 4)
        #expect(try #require(cached.breakdown("2024-05-02", .clientID, "3n4exampleclientid9")).events == 3)
        #expect(try #require(cached.breakdown("2024-05-02", .clientID, "(unknown)")).events == 1)
    }

    /// With `--clients` a decoded profile's profile with `project_id` is kept by its id, and the
    /// directory's `user_type` applied to that id (`Analysis.count`): the same tables, sessions,
    /// member exports and per-project reports as values made for every event, in every
    /// combination with a directory, `--sessions-detail`, `--by-project` and segments; and each
    /// project's analysis meets the same profiles (the values it is handed carry `user_type`).
    @Test("with --clients: the cache gives what values made per event give, directory, sessions detail, per-project reports and segments included")
    func clientsCachedEqualsUncached() throws {
        let (projectA, projectB) = ("0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210")
        var lines = Self.variants
        for i in lines.indices {
            // Pinpoint records in project A, in B (an upper-case app id), and without an app id.
            switch i % 3 {
            case 0: lines[i] = lines[i].replacingOccurrences(of: #""app_id":"app""#, with: #""app_id":"\#(projectA)""#)
            case 1: lines[i] = lines[i].replacingOccurrences(of: #""app_id":"app""#, with: #""app_id":"\#(projectB.uppercased())""#)
            default: lines[i] = lines[i].replacingOccurrences(of: #""app_id":"app","#, with: "")
            }
        }
        lines += [
            activityRecord("SignIn", "Pass", sub: "a1", eventID: "e1"),
            activityRecord("SignIn", "Fail", sub: "a3", idp: "Google", eventID: "e3"),
            activityRecord("SignIn", "Pass", sub: "u1", eventID: "e6"),
            trailRecord("InitiateAuth", sub: "t1", eventID: "t-e1"),
            trailRecord("InitiateAuth", sub: "u2", eventID: "t-e5"),
            trailRecord(
                "InitiateAuth", sub: "t3", requestParameters: "null",
                additional: #"{"sub":"t3","requestParameters":{"client_id":["3n4exampleclientid9"]}}"#, eventID: "t-e3"),
        ]
        let text = lines.joined(separator: "\n") + "\n"
        var clients = AnalyticsConfiguration()
        _ = clients.load(Array(#"""
            {"UserPoolClients":[{"ClientId":"3n4exampleclientid9","UserPoolId":"eu-west-1_AbCdEf123"}]}
            {"UserPoolClient":{"UserPoolId":"eu-west-1_AbCdEf123","ClientName":"app","ClientId":"4abc123exampleclientid",
             "AnalyticsConfiguration":{"ApplicationId":"0123456789abcdef0123456789abcdef","RoleArn":"arn:aws:iam::111122223333:role/R"}}}
            """#.utf8), name: "clients.json")
        var directory = UserDirectory()
        _ = try directory.load(
            Array("cognito:username,sub,identities\nu1,u1,\nu2,u2,[{\"providerName\":\"Google\"}]\na1,a1,[{\"providerName\":\"Google\"}]\nt1,t1,\n".utf8),
            name: "users.csv")
        let segments = try SegmentSet.load(
            files: [("s.json", Array(#"[{"Name":"everyone","Dimensions":{}}]"#.utf8))], timeZone: TimeZone(identifier: "UTC")!)
        func tables(_ reports: Reports) -> [String] {
            reports.tables.map { table in
                var csv = ""
                CSVTableWriter.write(table, to: &csv)
                return csv
            }
        }
        for withDirectory in [true, false] {
            for rows in [true, false] {
                for byProject in [true, false] {
                    for withSegments in [true, false] {
                        func run(_ cache: Bool) -> InMemoryRun {
                            InMemoryRun(
                                [("mixed.ndjson", Array(text.utf8))], directory: withDirectory ? directory : UserDirectory(),
                                sessionRows: rows, cacheProfiles: cache,
                                profiles: withSegments ? ProfileOptions(segments: segments) : ProfileOptions(),
                                configure: {
                                    $0.clients = clients
                                    $0.byProject = byProject
                                })
                        }
                        let (cached, made) = (run(true), run(false))
                        let label = "directory \(withDirectory), rows \(rows), by project \(byProject), segments \(withSegments)"
                        #expect(cached.rejects.isEmpty, "\(label)")
                        #expect(cached.renderedTables == made.renderedTables, "\(label)")
                        #expect(cached.sessions == made.sessions, "\(label)")
                        #expect(cached.memberExports == made.memberExports, "\(label)")
                        #expect(cached.projects.map(\.id) == made.projects.map(\.id), "\(label)")
                        #expect(!byProject || cached.projects.count >= 2, "\(label)")
                        for (a, b) in zip(cached.projects, made.projects) {
                            #expect(tables(a.reports) == tables(b.reports), "\(label), project \(a.id)")
                            #expect(a.analysis.accumulator.table.profileCount == b.analysis.accumulator.table.profileCount, "\(label), project \(a.id)")
                        }
                        if withDirectory {
                            // The directory's types are counted: federated u2 and a1, local u1 and t1.
                            let types = Set(cached.reports.breakdown.filter { $0.dimension == .userType }.map(\.value))
                            #expect(types.isSuperset(of: ["federated", "local"]), "\(label)")
                        }
                    }
                }
            }
        }
    }

    @Test("a value's bytes copied into the key at every length, exactly, and nothing around them")
    func copyShort() {
        var random = SeededRandom(seed: 16)
        for count in 0...40 {
            let source = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            var target = [UInt8](repeating: 0xAA, count: count + 16)
            source.withUnsafeBytes { from in
                target.withUnsafeMutableBytes { to in
                    RecordDecoder.Fields.copyShort(from: from.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, to: to.baseAddress! + 8, count: count)
                }
            }
            #expect(Array(target[8..<8 + count]) == source, "\(count) bytes")
            #expect(target[..<8].allSatisfy { $0 == 0xAA } && target[(8 + count)...].allSatisfy { $0 == 0xAA }, "\(count) bytes")
        }
    }
}
