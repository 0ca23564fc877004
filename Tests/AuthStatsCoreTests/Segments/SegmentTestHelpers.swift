import Foundation
import Testing

@testable import AuthStatsCore

/// Segment definitions and their evaluation, for the segment tests.
enum SegmentFixtures {
    /// The last day of the report range the tests evaluate at.
    static let lastDay = Day(year: 2026, month: 3, day: 31)

    /// The segments of a JSON text, as one file `segments.json`.
    static func load(_ json: String, file: String = "segments.json", zone: String = "UTC") throws -> SegmentSet {
        try SegmentSet.load(files: [(name: file, data: Array(json.utf8))], timeZone: TimeZone(identifier: zone)!)
    }

    /// The message `load` refuses `json` with; nil when it does not.
    static func refusal(_ json: String, file: String = "segments.json") -> String? {
        do {
            _ = try load(json, file: file)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// One hand-written segment `s` with these `Dimensions`.
    static func dimensions(_ dimensions: String, zone: String = "UTC") throws -> SegmentSet {
        try load(#"[{"Name": "s", "Dimensions": \#(dimensions)}]"#, zone: zone)
    }

    /// The names of the segments `profile` is a member of.
    static func members(_ set: SegmentSet, _ profile: UserProfile, lastDay: Day = lastDay) -> [String] {
        let membership = set.evaluate(profile, lastDay: lastDay)
        return set.names.indices.filter { membership.contains($0) }.map { set.names[$0] }
    }

    /// Whether `profile` is a member of the only segment of `set`.
    static func matches(_ set: SegmentSet, _ profile: UserProfile, lastDay: Day = lastDay) -> Bool {
        set.evaluate(profile, lastDay: lastDay).contains(0)
    }

    /// A user with these attributes, all from Pinpoint's `UserAttributes`.
    static func user(_ attributes: [String: [String]] = [:]) -> UserProfile {
        UserProfile(userID: "u", attributes: attributes.mapValues { .init(values: $0, origin: .userAttributes) })
    }
}
