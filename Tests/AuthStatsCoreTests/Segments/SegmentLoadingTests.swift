import Foundation
import Testing

@testable import AuthStatsCore

@Suite("Segment definition files: the three forms, several documents, several files")
struct SegmentLoadingTests {
    typealias F = SegmentFixtures

    /// `aws pinpoint get-segments` output, as the CLI pretty-prints it.
    static let getSegments = #"""
        {
            "SegmentsResponse": {
                "Item": [
                    {
                        "ApplicationId": "0123456789abcdef0123456789abcdef",
                        "Arn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/0123456789abcdef0123456789abcdef/segments/seg-pro",
                        "CreationDate": "2026-01-05T10:00:00.000Z",
                        "Dimensions": {
                            "UserAttributes": {"plan": {"AttributeType": "INCLUSIVE", "Values": ["pro"]}}
                        },
                        "Id": "seg-pro",
                        "LastModifiedDate": "2026-01-06T10:00:00.000Z",
                        "Name": "pro",
                        "SegmentType": "DIMENSIONAL",
                        "tags": {"team": "growth"},
                        "Version": 2
                    },
                    {
                        "ApplicationId": "0123456789abcdef0123456789abcdef",
                        "Id": "seg-pro-android",
                        "Name": "pro-android",
                        "SegmentGroups": {
                            "Include": "ALL",
                            "Groups": [{
                                "SourceSegments": [{"Id": "seg-pro", "Version": 2}],
                                "SourceType": "ANY",
                                "Type": "ALL",
                                "Dimensions": [{
                                    "Demographic": {"Platform": {"DimensionType": "INCLUSIVE", "Values": ["android"]}}
                                }]
                            }]
                        },
                        "SegmentType": "DIMENSIONAL",
                        "Version": 1
                    }
                ],
                "NextToken": null
            }
        }
        """#

    /// Two `aws pinpoint get-segment` outputs appended to one file.
    static let twoGetSegment = #"""
        {"SegmentResponse": {"Id": "seg-us", "Name": "us", "SegmentType": "DIMENSIONAL",
          "Dimensions": {"Location": {"Country": {"DimensionType": "INCLUSIVE", "Values": ["US"]}}}}}
        {"SegmentResponse": {"Id": "seg-active", "Name": "active", "SegmentType": "DIMENSIONAL",
          "Dimensions": {"Behavior": {"Recency": {"Duration": "DAY_7", "RecencyType": "ACTIVE"}}}}}
        """#

    /// Hand-written `CreateSegment` bodies, one referring to a segment of another file by Id.
    static let createSegment = #"""
        [
          {"Name": "heavy", "Dimensions": {"Metrics": {"sign_ins": {"ComparisonOperator": "GREATER_THAN", "Value": 10}}}},
          {"Name": "active-us", "SegmentGroups": {"Groups": [{"SourceSegments": [{"Id": "seg-us"}, {"Id": "seg-active"}]}]}}
        ]
        """#

    @Test("get-segments, two get-segment documents in one file, and a list of CreateSegment bodies")
    func threeForms() throws {
        let set = try SegmentSet.load(
            files: [
                (name: "get-segments.json", data: Array(Self.getSegments.utf8)),
                (name: "appended.json", data: Array(Self.twoGetSegment.utf8)),
                (name: "mine.json", data: Array(Self.createSegment.utf8)),
            ], timeZone: TimeZone(identifier: "UTC")!)
        #expect(set.names == ["pro", "pro-android", "us", "active", "heavy", "active-us"])
        #expect(set.count == 6)
        let profile = UserProfile(
            userID: "u", attributes: ["plan": .init(values: ["pro"], origin: .userAttributes)], platform: "android",
            country: "US", lastActive: F.lastDay.advanced(by: -3), signIns: 11)
        #expect(F.members(set, profile) == ["pro", "pro-android", "us", "active", "heavy", "active-us"])
        var other = profile
        other.platform = "ios"
        other.lastActive = nil
        other.signIns = 10
        #expect(F.members(set, other) == ["pro", "us"])
    }

    @Test("a get-segment document and a list in one file; a byte order mark; an empty list and page")
    func mixedDocuments() throws {
        let text = "\u{FEFF}" + #"{"SegmentResponse": {"Name": "a"}}  [{"Name": "b"}]"# + "\n[]\n"
            + #"{"SegmentsResponse": {"Item": []}} {"SegmentsResponse": {"NextToken": "x"}}"#
        #expect(try F.load(text).names == ["a", "b"])
        #expect(try F.load("[]").count == 0)
        #expect(try SegmentSet.load(files: [], timeZone: .gmt).count == 0)
        #expect(SegmentSet().names.isEmpty)
    }

    @Test("fields that do not matter are read past, null members count as absent")
    func readPast() throws {
        let set = try F.load(
            #"""
            [{"Name": "x", "Arn": 5, "Whatever": {"a": [1, 2]}, "ImportDefinition": null, "Dimensions": null,
              "SegmentGroups": {"Include": null, "Groups": [{"Type": null, "Dimensions": [{"Metrics": null}]}]}}]
            """#)
        #expect(set.names == ["x"])
        #expect(F.matches(set, F.user()))
    }

    @Test("strings with escapes, non-ASCII names and attribute names that need quoting")
    func escapes() throws {
        let set = try F.load(
            #"[{"Name": "caf\u00e9 \ud83d\ude00 \"q\"/\\", "Dimensions": {"UserAttributes": {"a.b c": {"Values": ["\t"]}}}}]"#)
        #expect(set.names == ["café 😀 \"q\"/\\"])
        #expect(F.matches(set, F.user(["a.b c": ["\t"]])))
    }
}
