import Foundation
import Testing

@testable import AuthStatsCore

@Suite("Segment dimensions: every operator on hand-built profiles (docs/segments.md)")
struct SegmentDimensionTests {
    typealias F = SegmentFixtures

    /// One attribute entry of `UserAttributes` (or `Attributes`).
    func attribute(_ type: String, _ values: [String], name: String = "a", in key: String = "UserAttributes") throws -> SegmentSet {
        let list = values.map { SegmentReader.quoted($0) }.joined(separator: ", ")
        return try F.dimensions(#"{"\#(key)": {"\#(name)": {"AttributeType": "\#(type)", "Values": [\#(list)]}}}"#)
    }

    struct AttributeCase: CustomTestStringConvertible, Sendable {
        var type: String
        var values: [String]
        var user: [String]?
        var expected: Bool
        var testDescription: String { "\(type) \(values) on \(user.map { "\($0)" } ?? "no attribute") → \(expected)" }
    }

    static let attributeCases: [AttributeCase] = [
        // INCLUSIVE: one of the user's values is one of Values; case-sensitive.
        .init(type: "INCLUSIVE", values: ["pro"], user: ["pro", "beta-tester"], expected: true),
        .init(type: "INCLUSIVE", values: ["free", "beta-tester"], user: ["pro", "beta-tester"], expected: true),
        .init(type: "INCLUSIVE", values: ["Pro"], user: ["pro"], expected: false),
        .init(type: "INCLUSIVE", values: ["pro"], user: ["pro "], expected: false),
        .init(type: "INCLUSIVE", values: ["pro"], user: nil, expected: false),
        .init(type: "INCLUSIVE", values: ["pro"], user: [], expected: false),
        // EXCLUSIVE: none is; a user without the attribute matches.
        .init(type: "EXCLUSIVE", values: ["free"], user: ["pro"], expected: true),
        .init(type: "EXCLUSIVE", values: ["free", "pro"], user: ["beta", "pro"], expected: false),
        .init(type: "EXCLUSIVE", values: ["Pro"], user: ["pro"], expected: true),
        .init(type: "EXCLUSIVE", values: ["pro"], user: nil, expected: true),
        // CONTAINS: one value holds one of Values as a substring; case-sensitive.
        .init(type: "CONTAINS", values: ["tester"], user: ["pro", "beta-tester"], expected: true),
        .init(type: "CONTAINS", values: ["x", "beta-tester"], user: ["beta-tester"], expected: true),
        .init(type: "CONTAINS", values: ["Tester"], user: ["beta-tester"], expected: false),
        .init(type: "CONTAINS", values: ["beta-tester!"], user: ["beta-tester"], expected: false),
        .init(type: "CONTAINS", values: ["ü"], user: ["Müller"], expected: true),
        .init(type: "CONTAINS", values: ["tester"], user: nil, expected: false),
        // BEFORE / AFTER: strictly, as instants; offsets and fractions read.
        .init(type: "BEFORE", values: ["2026-01-15T10:00:00Z"], user: ["2026-01-15T10:00:00Z"], expected: false),
        .init(type: "BEFORE", values: ["2026-01-15T10:00:00.001Z"], user: ["2026-01-15T10:00:00Z"], expected: true),
        .init(type: "BEFORE", values: ["2026-01-15T10:00:00Z"], user: ["2026-01-15T11:59:59+02:00"], expected: true),
        .init(type: "BEFORE", values: ["2026-01-16"], user: ["2026-01-15T23:59:59.999Z"], expected: true),
        .init(type: "BEFORE", values: ["2026-01-16"], user: ["2026-01-16"], expected: false),
        .init(type: "BEFORE", values: ["2030-01-01"], user: ["soon", "2031-01-01T00:00:00Z"], expected: false),
        .init(type: "BEFORE", values: ["2030-01-01"], user: ["soon", "2029-01-01T00:00:00Z"], expected: true),
        .init(type: "BEFORE", values: ["2030-01-01"], user: ["2029-01-01T00:00:00"], expected: false),  // no zone
        .init(type: "AFTER", values: ["2026-01-15"], user: ["2026-01-15T00:00:00.001Z"], expected: true),
        .init(type: "AFTER", values: ["2026-01-15T10:00:00Z"], user: ["2026-01-15T10:00:00Z"], expected: false),
        .init(type: "AFTER", values: ["2026-01-15T10:00:00Z"], user: ["2026-01-15T11:00:00+02:00"], expected: false),
        .init(type: "AFTER", values: ["2026-01-15T10:00:00Z"], user: ["2026-01-15T11:00:00-02:00"], expected: true),
        .init(type: "AFTER", values: ["2000-01-01"], user: ["yesterday"], expected: false),
        .init(type: "AFTER", values: ["2000-01-01"], user: nil, expected: false),
        // BETWEEN: inclusive at both ends.
        .init(type: "BETWEEN", values: ["2026-01-15T10:00:00Z", "2026-01-16"], user: ["2026-01-15T10:00:00Z"], expected: true),
        .init(type: "BETWEEN", values: ["2026-01-01", "2026-01-15T10:00:00Z"], user: ["2026-01-15T10:00:00Z"], expected: true),
        .init(type: "BETWEEN", values: ["2026-01-01", "2026-01-15T10:00:00Z"], user: ["2026-01-15T10:00:00.001Z"], expected: false),
        .init(type: "BETWEEN", values: ["2026-01-01", "2026-01-15T10:00:00Z"], user: ["2025-12-31T23:59:59.999Z"], expected: false),
        .init(type: "BETWEEN", values: ["2026-01-01", "2026-01-01"], user: ["2026-01-01"], expected: true),
        .init(type: "BETWEEN", values: ["2026-01-01", "2026-02-01"], user: ["x", "2025-01-01", "2026-01-20T00:00:00.5Z"], expected: true),
        // ON: the same day in the report time zone (UTC here); the time ignored.
        .init(type: "ON", values: ["2026-01-15"], user: ["2026-01-15T23:59:59.999Z"], expected: true),
        .init(type: "ON", values: ["2026-01-15T18:00:00Z"], user: ["2026-01-15T00:00:00Z"], expected: true),
        .init(type: "ON", values: ["2026-01-15"], user: ["2026-01-16T00:00:00Z"], expected: false),
        .init(type: "ON", values: ["2026-01-15"], user: ["2026-01-15"], expected: true),
        .init(type: "ON", values: ["2026-01-15"], user: ["15 Jan 2026"], expected: false),
    ]

    @Test("attribute operators", arguments: attributeCases)
    func attributeOperator(_ c: AttributeCase) throws {
        let set = try attribute(c.type, c.values)
        #expect(F.matches(set, F.user(c.user.map { ["a": $0] } ?? [:])) == c.expected)
    }

    @Test("Attributes and UserAttributes both look in the profile's attributes, whatever their origin")
    func bothAttributeKinds() throws {
        var profile = F.user()
        profile.attributes["custom:plan"] = .init(values: ["pro"], origin: .directory)
        profile.attributes["tier"] = .init(values: ["gold"], origin: .endpointAttributes)
        for key in ["Attributes", "UserAttributes"] {
            #expect(F.matches(try attribute("INCLUSIVE", ["pro"], name: "custom:plan", in: key), profile))
            #expect(F.matches(try attribute("INCLUSIVE", ["gold"], name: "tier", in: key), profile))
            #expect(!F.matches(try attribute("INCLUSIVE", ["gold"], name: "plan", in: key), profile))
        }
    }

    @Test("AttributeType and DimensionType default to INCLUSIVE")
    func defaultTypes() throws {
        let set = try F.dimensions(
            #"{"UserAttributes": {"a": {"Values": ["x"]}}, "Demographic": {"Make": {"Values": ["samsung"]}}}"#)
        var profile = F.user(["a": ["x"]])
        #expect(!F.matches(set, profile))
        profile.make = "samsung"
        #expect(F.matches(set, profile))
    }

    @Test("ON compares days in the report time zone: 2026-03-01T23:30:00Z is 2026-03-02 in Berlin, not in UTC")
    func onAcrossZones() throws {
        let value = F.user(["d": ["2026-03-01T23:30:00Z"]])
        let on = #"{"UserAttributes": {"d": {"AttributeType": "ON", "Values": ["2026-03-02"]}}}"#
        #expect(F.matches(try F.dimensions(on, zone: "Europe/Berlin"), value))
        #expect(!F.matches(try F.dimensions(on, zone: "UTC"), value))
        // An instant in Values names its own day in the zone: 2026-03-02T00:30+01:00 is 03-02 in Berlin.
        let onInstant = #"{"UserAttributes": {"d": {"AttributeType": "ON", "Values": ["2026-03-01T23:30:00Z"]}}}"#
        #expect(F.matches(try F.dimensions(onInstant, zone: "Europe/Berlin"), F.user(["d": ["2026-03-02T22:59:59Z"]])))
        #expect(!F.matches(try F.dimensions(onInstant, zone: "Europe/Berlin"), F.user(["d": ["2026-03-02T23:00:00Z"]])))
        #expect(!F.matches(try F.dimensions(onInstant, zone: "Europe/Berlin"), F.user(["d": ["2026-03-01T22:59:59Z"]])))
        #expect(F.matches(try F.dimensions(onInstant, zone: "UTC"), F.user(["d": ["2026-03-01T00:00:00Z"]])))
    }

    @Test("ON with a date alone is that calendar day, also west of UTC (where its UTC midnight is the day before)")
    func onDateWestOfUTC() throws {
        let set = try F.dimensions(
            #"{"UserAttributes": {"d": {"AttributeType": "ON", "Values": ["2026-03-01"]}}}"#, zone: "America/New_York")
        #expect(F.matches(set, F.user(["d": ["2026-03-01T05:00:00Z"]])))  // 00:00 in New York
        #expect(F.matches(set, F.user(["d": ["2026-03-02T04:59:59Z"]])))  // 23:59:59
        #expect(!F.matches(set, F.user(["d": ["2026-03-01T04:59:59Z"]])))  // Feb 28, 23:59:59
        #expect(!F.matches(set, F.user(["d": ["2026-03-02T05:00:00Z"]])))
        // A user's value that is a date alone is that day too.
        #expect(F.matches(set, F.user(["d": ["2026-03-01"]])))
        #expect(!F.matches(set, F.user(["d": ["2026-03-02"]])))
    }

    @Test("ON on the day daylight time starts (a 23-hour day in Los Angeles)")
    func onDaylightSaving() throws {
        let set = try F.dimensions(
            #"{"UserAttributes": {"d": {"AttributeType": "ON", "Values": ["2026-03-08"]}}}"#, zone: "America/Los_Angeles")
        #expect(F.matches(set, F.user(["d": ["2026-03-08T08:00:00Z"]])))  // 00:00 PST
        #expect(F.matches(set, F.user(["d": ["2026-03-09T06:59:59Z"]])))  // 23:59:59 PDT
        #expect(!F.matches(set, F.user(["d": ["2026-03-09T07:00:00Z"]])))  // Mar 9 00:00 PDT
        #expect(!F.matches(set, F.user(["d": ["2026-03-08T07:59:59Z"]])))
    }

    @Test("Demographic Platform, AppVersion, Make, Model and Location.Country: INCLUSIVE and EXCLUSIVE")
    func demographics() throws {
        func set(_ path: String, _ field: String, _ type: String, _ values: String) throws -> SegmentSet {
            try F.dimensions(#"{"\#(path)": {"\#(field)": {"DimensionType": "\#(type)", "Values": \#(values)}}}"#)
        }
        var profile = F.user()
        profile.platform = "android"
        profile.appVersion = "3.2.0"
        profile.make = "samsung"
        profile.model = "SM-G991B"
        profile.country = "US"
        let unknown = F.user()
        let cases: [(String, String, String, String)] = [
            ("Demographic", "Platform", #"["Android", "ios"]"#, #"["ios"]"#),
            ("Demographic", "AppVersion", #"["3.2.0"]"#, #"["3.2"]"#),
            ("Demographic", "Make", #"["samsung"]"#, #"["Samsung"]"#),
            ("Demographic", "Model", #"["SM-G991B", "x"]"#, #"["SM-G991"]"#),
            ("Location", "Country", #"["US"]"#, #"["us", "DE"]"#),
        ]
        for (path, field, hit, miss) in cases {
            #expect(F.matches(try set(path, field, "INCLUSIVE", hit), profile), "\(field) INCLUSIVE hit")
            #expect(!F.matches(try set(path, field, "INCLUSIVE", miss), profile), "\(field) INCLUSIVE miss")
            #expect(!F.matches(try set(path, field, "EXCLUSIVE", hit), profile), "\(field) EXCLUSIVE hit")
            #expect(F.matches(try set(path, field, "EXCLUSIVE", miss), profile), "\(field) EXCLUSIVE miss")
            // An unknown value (nil) never matches INCLUSIVE and always EXCLUSIVE.
            #expect(!F.matches(try set(path, field, "INCLUSIVE", hit), unknown), "\(field) INCLUSIVE unknown")
            #expect(F.matches(try set(path, field, "EXCLUSIVE", hit), unknown), "\(field) EXCLUSIVE unknown")
        }
        // Platform is compared lower-cased on both sides.
        var upper = F.user()
        upper.platform = "iOS"
        #expect(F.matches(try set("Demographic", "Platform", "INCLUSIVE", #"["IOS"]"#), upper))
    }

    @Test("Demographic.Channel: one of the user's endpoints has the channel type")
    func channel() throws {
        func set(_ type: String, _ values: String) throws -> SegmentSet {
            try F.dimensions(#"{"Demographic": {"Channel": {"DimensionType": "\#(type)", "Values": \#(values)}}}"#)
        }
        var profile = F.user()
        profile.endpoints = [.init(id: "e1", channelType: "APNS"), .init(id: "e2", channelType: "EMAIL", address: "a@b.c")]
        #expect(F.matches(try set("INCLUSIVE", #"["EMAIL"]"#), profile))
        #expect(F.matches(try set("INCLUSIVE", #"["SMS", "APNS"]"#), profile))
        #expect(!F.matches(try set("INCLUSIVE", #"["SMS"]"#), profile))
        #expect(F.matches(try set("EXCLUSIVE", #"["SMS", "GCM"]"#), profile))
        #expect(!F.matches(try set("EXCLUSIVE", #"["SMS", "EMAIL"]"#), profile))
        #expect(!F.matches(try set("INCLUSIVE", #"["EMAIL"]"#), F.user()))
        #expect(F.matches(try set("EXCLUSIVE", #"["EMAIL"]"#), F.user()))
    }

    struct RecencyCase: CustomTestStringConvertible, Sendable {
        var duration: String
        var type: String
        /// Days before the last day; nil for never active.
        var daysAgo: Int?
        var expected: Bool
        var testDescription: String { "\(type) \(duration), last active \(daysAgo.map { "L-\($0)" } ?? "never") → \(expected)" }
    }

    static let recencyCases: [RecencyCase] = [
        .init(duration: "HR_24", type: "ACTIVE", daysAgo: 0, expected: true),
        .init(duration: "HR_24", type: "ACTIVE", daysAgo: 1, expected: false),
        .init(duration: "HR_24", type: "INACTIVE", daysAgo: 1, expected: true),
        .init(duration: "DAY_7", type: "ACTIVE", daysAgo: 0, expected: true),
        .init(duration: "DAY_7", type: "ACTIVE", daysAgo: 6, expected: true),
        .init(duration: "DAY_7", type: "ACTIVE", daysAgo: 7, expected: false),
        .init(duration: "DAY_7", type: "ACTIVE", daysAgo: nil, expected: false),
        .init(duration: "DAY_7", type: "INACTIVE", daysAgo: 6, expected: false),
        .init(duration: "DAY_7", type: "INACTIVE", daysAgo: 7, expected: true),
        .init(duration: "DAY_7", type: "INACTIVE", daysAgo: nil, expected: true),
        .init(duration: "DAY_14", type: "ACTIVE", daysAgo: 13, expected: true),
        .init(duration: "DAY_14", type: "ACTIVE", daysAgo: 14, expected: false),
        .init(duration: "DAY_30", type: "ACTIVE", daysAgo: 29, expected: true),
        .init(duration: "DAY_30", type: "ACTIVE", daysAgo: 30, expected: false),
        .init(duration: "DAY_30", type: "INACTIVE", daysAgo: 30, expected: true),
        // A last active day after the last day is outside the window (the lead never gives one).
        .init(duration: "DAY_30", type: "ACTIVE", daysAgo: -1, expected: false),
    ]

    @Test("Behavior.Recency at the edges of its window", arguments: recencyCases)
    func recency(_ c: RecencyCase) throws {
        let set = try F.dimensions(
            #"{"Behavior": {"Recency": {"Duration": "\#(c.duration)", "RecencyType": "\#(c.type)"}}}"#)
        var profile = F.user()
        profile.lastActive = c.daysAgo.map { F.lastDay.advanced(by: -$0) }
        #expect(F.matches(set, profile) == c.expected)
    }

    @Test("Metrics: every counter by name, every comparison, fractional values")
    func metrics() throws {
        func set(_ name: String, _ comparison: String, _ value: String) throws -> SegmentSet {
            try F.dimensions(#"{"Metrics": {"\#(name)": {"ComparisonOperator": "\#(comparison)", "Value": \#(value)}}}"#)
        }
        let profile = UserProfile(userID: "u", signUps: 1, signIns: 2, authFailures: 3, sessions: 4, activeDays: 5)
        for (name, count) in [("sign_ups", 1), ("sign_ins", 2), ("auth_failures", 3), ("sessions", 4), ("active_days", 5)] {
            #expect(F.matches(try set(name, "EQUAL", "\(count)"), profile), "\(name)")
            #expect(F.matches(try set(name, "EQUAL", "\(count).0"), profile), "\(name)")
            #expect(!F.matches(try set(name, "EQUAL", "\(count).5"), profile), "\(name)")
        }
        let table: [(String, String, Bool)] = [
            ("GREATER_THAN", "3.5", true), ("GREATER_THAN", "4", false), ("LESS_THAN", "4.5", true),
            ("LESS_THAN", "4", false), ("GREATER_THAN_OR_EQUAL", "4", true), ("GREATER_THAN_OR_EQUAL", "4.01", false),
            ("LESS_THAN_OR_EQUAL", "4", true), ("LESS_THAN_OR_EQUAL", "3.99", false), ("EQUAL", "4e0", true),
            ("GREATER_THAN", "-1", true),
        ]
        for (comparison, value, expected) in table {
            #expect(F.matches(try set("sessions", comparison, value), profile) == expected, "sessions \(comparison) \(value)")
        }
    }

    @Test("every member of one Dimensions object must match; an empty one matches everyone")
    func allMembersMatch() throws {
        let set = try F.dimensions(
            #"""
            {"UserAttributes": {"plan": {"AttributeType": "INCLUSIVE", "Values": ["pro"]},
                                "beta": {"AttributeType": "EXCLUSIVE", "Values": ["no"]}},
             "Demographic": {"Platform": {"DimensionType": "INCLUSIVE", "Values": ["android"]}},
             "Metrics": {"sign_ins": {"ComparisonOperator": "GREATER_THAN", "Value": 0}},
             "Behavior": {"Recency": {"Duration": "DAY_7", "RecencyType": "ACTIVE"}}}
            """#)
        var profile = UserProfile(
            userID: "u", attributes: ["plan": .init(values: ["pro"], origin: .directory)], platform: "android",
            lastActive: F.lastDay, signIns: 1)
        #expect(F.matches(set, profile))
        var other = profile
        other.attributes["beta"] = .init(values: ["no"], origin: .userAttributes)
        #expect(!F.matches(set, other))
        other = profile
        other.platform = "ios"
        #expect(!F.matches(set, other))
        other = profile
        other.signIns = 0
        #expect(!F.matches(set, other))
        other = profile
        other.lastActive = nil
        #expect(!F.matches(set, other))
        profile.attributes = [:]
        #expect(!F.matches(set, profile))

        let empty = try F.dimensions("{}")
        #expect(F.matches(empty, F.user()))
        let emptyParts = try F.dimensions(#"{"UserAttributes": {}, "Demographic": {}, "Behavior": {}, "Location": {}}"#)
        #expect(F.matches(emptyParts, F.user()))
    }
}
