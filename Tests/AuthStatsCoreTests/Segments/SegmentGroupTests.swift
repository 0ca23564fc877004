import Foundation
import Testing

@testable import AuthStatsCore

@Suite("Segment groups: Include, Type, SourceSegments and SourceType (docs/segments.md)")
struct SegmentGroupTests {
    typealias F = SegmentFixtures

    static let pro = #"{"UserAttributes": {"plan": {"AttributeType": "INCLUSIVE", "Values": ["pro"]}}}"#
    static let android = #"{"Demographic": {"Platform": {"DimensionType": "INCLUSIVE", "Values": ["android"]}}}"#
    static let us = #"{"Location": {"Country": {"DimensionType": "INCLUSIVE", "Values": ["US"]}}}"#

    /// Four users: pro on Android in the US, pro on iOS, free on Android, free on iOS in the US.
    static let users: [UserProfile] = [
        UserProfile(userID: "pro-android-us", attributes: ["plan": .init(values: ["pro"], origin: .directory)], platform: "android", country: "US"),
        UserProfile(userID: "pro-ios", attributes: ["plan": .init(values: ["pro"], origin: .directory)], platform: "ios"),
        UserProfile(userID: "free-android", attributes: ["plan": .init(values: ["free"], origin: .directory)], platform: "android"),
        UserProfile(userID: "free-ios-us", attributes: ["plan": .init(values: ["free"], origin: .directory)], platform: "ios", country: "US"),
    ]

    /// The ids of the users who are members of the segment named `name`.
    func members(_ set: SegmentSet, _ name: String) -> [String] {
        let index = set.names.firstIndex(of: name)!
        return Self.users.filter { set.evaluate($0, lastDay: F.lastDay).contains(index) }.map(\.userID)
    }

    func groups(_ include: String, _ groups: [String]) -> String {
        #"{"Include": "\#(include)", "Groups": [\#(groups.joined(separator: ", "))]}"#
    }

    func group(_ type: String, _ dimensions: [String], sources: [String] = [], sourceType: String? = nil) -> String {
        var members = [#""Type": "\#(type)""#, #""Dimensions": [\#(dimensions.joined(separator: ", "))]"#]
        if !sources.isEmpty {
            members.append(#""SourceSegments": [\#(sources.map { #"{"Id": "\#($0)", "Version": 1}"# }.joined(separator: ", "))]"#)
        }
        if let sourceType { members.append(#""SourceType": "\#(sourceType)""#) }
        return "{" + members.joined(separator: ", ") + "}"
    }

    func load(_ segments: [(name: String, body: String)]) throws -> SegmentSet {
        let list = segments.map { #"{"Name": "\#($0.name)", "Id": "id-\#($0.name)", \#($0.body)}"# }
        return try F.load("[" + list.joined(separator: ",\n") + "]")
    }

    @Test("a group's Type: ALL, ANY or NONE of its Dimensions entries")
    func groupType() throws {
        let set = try load([
            ("all", #""SegmentGroups": \#(groups("ALL", [group("ALL", [Self.pro, Self.android])]))"#),
            ("any", #""SegmentGroups": \#(groups("ALL", [group("ANY", [Self.pro, Self.android])]))"#),
            ("none", #""SegmentGroups": \#(groups("ALL", [group("NONE", [Self.pro, Self.android])]))"#),
            ("none-empty", #""SegmentGroups": \#(groups("ALL", [group("NONE", [])]))"#),
            ("any-empty", #""SegmentGroups": \#(groups("ANY", [group("ANY", [])]))"#),
        ])
        #expect(members(set, "all") == ["pro-android-us"])
        #expect(members(set, "any") == ["pro-android-us", "pro-ios", "free-android"])
        #expect(members(set, "none") == ["free-ios-us"])
        // An empty Dimensions list matches every candidate, whatever the Type.
        #expect(members(set, "none-empty") == Self.users.map(\.userID))
        #expect(members(set, "any-empty") == Self.users.map(\.userID))
    }

    @Test("Include: ALL, ANY or NONE of the groups; absent Include and Type mean ALL")
    func include() throws {
        let proGroup = group("ALL", [Self.pro])
        let usGroup = group("ALL", [Self.us])
        let set = try load([
            ("all", #""SegmentGroups": \#(groups("ALL", [proGroup, usGroup]))"#),
            ("any", #""SegmentGroups": \#(groups("ANY", [proGroup, usGroup]))"#),
            ("none", #""SegmentGroups": \#(groups("NONE", [proGroup, usGroup]))"#),
            ("defaults", #""SegmentGroups": {"Groups": [{"Dimensions": [\#(Self.pro), \#(Self.us)]}]}"#),
            ("no-groups", #""SegmentGroups": {"Include": "ANY", "Groups": []}"#),
        ])
        #expect(members(set, "all") == ["pro-android-us"])
        #expect(members(set, "any") == ["pro-android-us", "pro-ios", "free-ios-us"])
        #expect(members(set, "none") == ["free-android"])
        #expect(members(set, "defaults") == ["pro-android-us"])
        #expect(members(set, "no-groups") == Self.users.map(\.userID))
    }

    @Test("top-level Dimensions and SegmentGroups must both match; neither matches everyone")
    func dimensionsAndGroups() throws {
        let set = try load([
            ("both", #""Dimensions": \#(Self.pro), "SegmentGroups": \#(groups("ALL", [group("ALL", [Self.us])]))"#),
            ("dimensions", #""Dimensions": \#(Self.pro)"#),
            ("everyone", #""SegmentType": "DIMENSIONAL""#),
        ])
        #expect(members(set, "both") == ["pro-android-us"])
        #expect(members(set, "dimensions") == ["pro-android-us", "pro-ios"])
        #expect(members(set, "everyone") == Self.users.map(\.userID))
    }

    @Test("SourceSegments: members of ALL, ANY or NONE of the bases, then the group's Dimensions")
    func sourceSegments() throws {
        let set = try load([
            ("pro", #""Dimensions": \#(Self.pro)"#),
            ("android", #""Dimensions": \#(Self.android)"#),
            ("both", #""SegmentGroups": \#(groups("ALL", [group("ALL", [], sources: ["id-pro", "id-android"], sourceType: "ALL")]))"#),
            ("either", #""SegmentGroups": \#(groups("ALL", [group("ALL", [], sources: ["id-pro", "id-android"], sourceType: "ANY")]))"#),
            ("neither", #""SegmentGroups": \#(groups("ALL", [group("ALL", [], sources: ["id-pro", "id-android"], sourceType: "NONE")]))"#),
            ("default", #""SegmentGroups": \#(groups("ALL", [group("ALL", [], sources: ["id-pro", "id-android"])]))"#),
            ("either-us", #""SegmentGroups": \#(groups("ALL", [group("ALL", [Self.us], sources: ["id-pro", "id-android"], sourceType: "ANY")]))"#),
            // Include ANY: the second group (all users, US) adds free-ios-us.
            ("pro-or-us", #""SegmentGroups": \#(groups("ANY", [group("ALL", [], sources: ["id-pro"]), group("ALL", [Self.us])]))"#),
        ])
        #expect(members(set, "both") == ["pro-android-us"])
        #expect(members(set, "either") == ["pro-android-us", "pro-ios", "free-android"])
        #expect(members(set, "neither") == ["free-ios-us"])
        #expect(members(set, "default") == ["pro-android-us"])
        #expect(members(set, "either-us") == ["pro-android-us"])
        #expect(members(set, "pro-or-us") == ["pro-android-us", "pro-ios", "free-ios-us"])
    }

    @Test("a base of a base, defined after the segments built on it: evaluated first")
    func nestedSources() throws {
        let set = try load([
            // top: members of mid who are in the US.
            ("top", #""SegmentGroups": \#(groups("ALL", [group("ALL", [Self.us], sources: ["id-mid"])]))"#),
            // mid: members of pro who are not on iOS.
            ("mid", #""SegmentGroups": \#(groups("ALL", [group("NONE", [#"{"Demographic": {"Platform": {"Values": ["ios"]}}}"#], sources: ["id-pro"])]))"#),
            ("not-top", #""SegmentGroups": \#(groups("ALL", [group("ALL", [], sources: ["id-top"], sourceType: "NONE")]))"#),
            ("pro", #""Dimensions": \#(Self.pro)"#),
        ])
        #expect(set.evaluationOrder.map { set.names[$0] } == ["pro", "mid", "top", "not-top"])
        #expect(members(set, "pro") == ["pro-android-us", "pro-ios"])
        #expect(members(set, "mid") == ["pro-android-us"])
        #expect(members(set, "top") == ["pro-android-us"])
        #expect(members(set, "not-top") == ["pro-ios", "free-android", "free-ios-us"])
        // The membership lists indices in definition order.
        let membership = set.evaluate(Self.users[0], lastDay: F.lastDay)
        #expect(membership.indices == [0, 1, 3])
        #expect(membership.count == 3)
        #expect(!membership.isEmpty)
        #expect(set.evaluate(Self.users[2], lastDay: F.lastDay).indices == [2])
    }

    @Test("the evaluation order is stable by definition order among independent segments")
    func stableOrder() throws {
        let set = try load([
            ("c", #""SegmentGroups": \#(groups("ALL", [group("ALL", [], sources: ["id-b"])]))"#),
            ("a", #""Dimensions": {}"#),
            ("b", #""Dimensions": {}"#),
            ("d", #""SegmentGroups": \#(groups("ALL", [group("ALL", [], sources: ["id-a"])]))"#),
        ])
        #expect(set.evaluationOrder.map { set.names[$0] } == ["a", "b", "c", "d"])
    }

    @Test("memberships past 64 segments; equal sets are equal whatever their storage")
    func manySegments() throws {
        let segments = (0..<130).map { i in
            (name: "s\(i)", body: i % 2 == 0 ? #""Dimensions": \#(Self.pro)"# : #""Dimensions": \#(Self.android)"#)
        }
        let set = try load(segments)
        #expect(set.count == 130)
        let proIOS = set.evaluate(Self.users[1], lastDay: F.lastDay)
        #expect(proIOS.indices == Array(stride(from: 0, to: 130, by: 2)))
        #expect(proIOS.contains(128) && !proIOS.contains(129) && !proIOS.contains(130) && !proIOS.contains(1000))
        let nobody = set.evaluate(Self.users[3], lastDay: F.lastDay)
        #expect(nobody.isEmpty && nobody.count == 0)
        var one = SegmentMembership()
        var two = SegmentMembership()
        for index in [3, 200, 70] { one.insert(index) }
        for index in [70, 3, 200, 3] { two.insert(index) }
        #expect(one == two && one.hashValue == two.hashValue && one.indices == [3, 70, 200])
        two.insert(64)
        #expect(one != two && two.contains(64) && !one.contains(64))
    }
}
