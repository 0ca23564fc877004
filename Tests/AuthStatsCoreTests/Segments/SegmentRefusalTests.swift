import Foundation
import Testing

@testable import AuthStatsCore

@Suite("Segment definitions refused, with their exact messages")
struct SegmentRefusalTests {
    typealias F = SegmentFixtures

    /// A get-segments page whose third segment has the given `Dimensions` entry in a group.
    func page(thirdDimension: String) -> String {
        #"""
        {"SegmentsResponse": {"Item": [
          {"Name": "a", "Id": "id-a", "Dimensions": {}},
          {"Name": "b", "Id": "id-b"},
          {"Name": "pro-android", "Id": "id-c", "SegmentGroups": {"Include": "ALL", "Groups": [
            {"Type": "ALL", "Dimensions": [{}, \#(thirdDimension)]}]}}
        ]}}
        """#
    }

    func dimensions(_ json: String) -> String { #"[{"Name": "s", "Dimensions": \#(json)}]"# }

    @Test("an unknown Duration, with the path from the document root")
    func duration() {
        let text = page(thirdDimension: #"{"Behavior": {"Recency": {"Duration": "DAY_90", "RecencyType": "ACTIVE"}}}"#)
        #expect(
            F.refusal(text)
                == #"segments.json: segment "pro-android": SegmentsResponse.Item[2].SegmentGroups.Groups[0].Dimensions[1].Behavior.Recency.Duration: "DAY_90" is not one of HR_24, DAY_7, DAY_14, DAY_30"#
        )
    }

    @Test("GPSPoint and DeviceType have no source in the exports")
    func unsupported() {
        #expect(
            F.refusal(page(thirdDimension: #"{"Location": {"GPSPoint": {"Coordinates": {"Latitude": 1, "Longitude": 2}, "RangeInKilometers": 5}}}"#))
                == #"segments.json: segment "pro-android": SegmentsResponse.Item[2].SegmentGroups.Groups[0].Dimensions[1].Location.GPSPoint: not supported: the exports have no GPS point"#
        )
        #expect(
            F.refusal(dimensions(#"{"Demographic": {"DeviceType": {"DimensionType": "INCLUSIVE", "Values": ["PHONE"]}}}"#))
                == #"segments.json: segment "s": [0].Dimensions.Demographic.DeviceType: not supported: the exports have no device type"#)
    }

    @Test("imported segments")
    func imported() {
        #expect(
            F.refusal(#"{"SegmentResponse": {"Name": "imp", "SegmentType": "IMPORT"}}"#)
                == #"segments.json: segment "imp": SegmentResponse.SegmentType: "IMPORT" is not supported: an imported segment's endpoints are in its import file, not in the exports"#
        )
        #expect(
            F.refusal(#"[{"Name": "imp", "ImportDefinition": {"Format": "CSV", "S3Url": "s3://b/k", "Size": 3}}]"#)
                == #"segments.json: segment "imp": [0].ImportDefinition: not supported: an imported segment's endpoints are in its import file, not in the exports"#
        )
        #expect(
            F.refusal(#"[{"Name": "x", "SegmentType": "DYNAMIC"}]"#)
                == #"segments.json: segment "x": [0].SegmentType: "DYNAMIC" is not one of DIMENSIONAL, IMPORT"#)
    }

    @Test("SourceSegments naming an Id no segment has")
    func unknownSource() {
        let text = #"""
            [{"Name": "a", "Id": "id-a"},
             {"Name": "b", "SegmentGroups": {"Groups": [{}, {"SourceSegments": [{"Id": "id-a"}, {"Id": "id-zz", "Version": 3}]}]}}]
            """#
        #expect(
            F.refusal(text)
                == #"segments.json: segment "b": [1].SegmentGroups.Groups[1].SourceSegments[1].Id: no segment with Id "id-zz" among the segments given"#
        )
    }

    @Test("a cycle of SourceSegments, named from its first-defined segment; a segment built on itself")
    func cycles() {
        func based(_ name: String, on id: String) -> String {
            #"{"Name": "\#(name)", "Id": "id-\#(name)", "SegmentGroups": {"Groups": [{"SourceSegments": [{"Id": "\#(id)"}]}]}}"#
        }
        let text = "[" + [#"{"Name": "root", "Id": "id-root"}"#, based("x", on: "id-y"), based("y", on: "id-z"), based("z", on: "id-x")]
            .joined(separator: ",") + "]"
        #expect(
            F.refusal(text)
                == #"segments.json: segment "x": [1].SegmentGroups.Groups[0].SourceSegments[0].Id: a cycle of SourceSegments: "x" -> "y" -> "z" -> "x""#
        )
        #expect(
            F.refusal("[" + based("self", on: "id-self") + "]")
                == #"segments.json: segment "self": [0].SegmentGroups.Groups[0].SourceSegments[0].Id: a cycle of SourceSegments: "self" -> "self""#
        )
    }

    @Test("a chain of 10,000 SourceSegments loads in either order and a cycle through it is refused (a recursive search overflowed the stack)")
    func longChains() throws {
        let count = 10_000
        func chain(_ base: (Int) -> Int?) -> String {
            "[" + (0..<count).map { i in
                base(i).map { #"{"Name": "s\#(i)", "Id": "id\#(i)", "SegmentGroups": {"Groups": [{"SourceSegments": [{"Id": "id\#($0)"}]}]}}"# }
                    ?? #"{"Name": "s\#(i)", "Id": "id\#(i)"}"#
            }.joined(separator: ",") + "]"
        }
        // Each on the one after it: evaluated last to first.
        let backward = try F.load(chain { $0 + 1 < count ? $0 + 1 : nil })
        #expect(backward.evaluationOrder == Array((0..<count).reversed()))
        let forward = try F.load(chain { $0 > 0 ? $0 - 1 : nil })
        #expect(forward.evaluationOrder == Array(0..<count))
        let refusal = F.refusal(chain { ($0 + 1) % count })
        #expect(refusal?.hasPrefix(#"segments.json: segment "s0": [0].SegmentGroups.Groups[0].SourceSegments[0].Id: a cycle of SourceSegments: "s0" -> "s1" -> "#) == true)
        #expect(refusal?.hasSuffix(#" -> "s9999" -> "s0""#) == true)
    }

    @Test("near misses of Dimensions and SegmentGroups, and a dimension outside Dimensions, are refused (each made a segment of every user)", arguments: [
        ("Dimensons", "unknown key; did you mean Dimensions?"), ("Dimmensions", "unknown key; did you mean Dimensions?"),
        ("Dimensions ", "unknown key; did you mean Dimensions?"), (" Dimensions", "unknown key; did you mean Dimensions?"),
        ("Dimensions\u{200B}", "unknown key; did you mean Dimensions?"), ("Dimensi\u{043E}ns", "unknown key; did you mean Dimensions?"),
        ("segment_groups", "unknown key; did you mean SegmentGroups?"), ("Segment_Groups", "unknown key; did you mean SegmentGroups?"),
        ("SegmentGroupList", "unknown key; did you mean SegmentGroups?"),
        ("Metrics", #"Metrics belongs inside Dimensions: {"Dimensions": {"Metrics": …}}"#),
        ("UserAttributes", #"UserAttributes belongs inside Dimensions: {"Dimensions": {"UserAttributes": …}}"#),
        // A deeper level's key on the segment (a review, 2026-12-07: each made every user a member).
        ("SourceSegments", #"SourceSegments belongs inside a group of SegmentGroups.Groups: {"SegmentGroups": {"Include": …, "Groups": [{"Type": …, "SourceType": …, "SourceSegments": […], "Dimensions": […]}]}}"#),
        ("Include", #"Include belongs inside SegmentGroups: {"SegmentGroups": {"Include": …, "Groups": [{"Type": …, "SourceType": …, "SourceSegments": […], "Dimensions": […]}]}}"#),
        ("Type", "Type belongs inside a group of SegmentGroups.Groups: "), ("SourceType", "SourceType belongs inside a group of SegmentGroups.Groups: "),
        ("Recency", #"Recency belongs inside Dimensions.Behavior: {"Dimensions": {"Behavior": {"Recency": …}}}"#),
        ("Platform", #"Platform belongs inside Dimensions.Demographic: {"Dimensions": {"Demographic": {"Platform": …}}}"#),
        ("Country", #"Country belongs inside Dimensions.Location: {"Dimensions": {"Location": {"Country": …}}}"#),
    ])
    func nearMisses(key: String, message: String) throws {
        let encoded = String(decoding: try JSONEncoder().encode(key), as: UTF8.self)
        let refusal = F.refusal(#"[{"Name": "a", \#(encoded): {}}]"#)
        #expect(refusal?.hasSuffix(message) == true || message.hasSuffix(": ") && refusal?.contains(message) == true, "\(key): \(refusal ?? "accepted")")
        // What is read past stays so.
        #expect(F.refusal(#"[{"Name": "a", "Arn": "x", "tags": {}, "Version": 2, "CreationDate": "d", "ApplicationId": "p"}]"#) == nil)
    }

    @Test("messages: a UTF-16 file named as such; a long name cut; bidirectional controls escaped")
    func messages() throws {
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in #"[{"Name": "a"}]"#.utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect {
            _ = try SegmentSet.load(files: [(name: "s.json", data: utf16)], timeZone: .gmt)
        } throws: { error in
            "\(error)".hasPrefix("s.json: the file is UTF-16 (as Windows PowerShell's > writes one), not UTF-8")
        }
        let long = String(repeating: "n", count: 5_000)
        let refusal = F.refusal(#"[{"Name": "\#(long)", "Dimension": {}}]"#) ?? ""
        #expect(refusal.hasPrefix(#"segments.json: segment ""# + String(repeating: "n", count: 200) + #"…" (5000 characters): [0].Dimension: "#), "\(refusal.prefix(300))")
        #expect(F.refusal(#"[{"Name": "\#u{202E}gnp", "Dimension": {}}]"#)?.hasPrefix(#"segments.json: segment "\u202Egnp": "#) == true)
    }

    @Test("a get-segments output without its Item list but with other keys is refused; an empty page is not")
    func responseWithoutItem() {
        #expect(F.refusal(#"{"SegmentsResponse": {"Items": [{"Name": "a"}]}}"#)
            == #"segments.json: SegmentsResponse: no Item list (get-segments puts the segments in "Item"), found the keys "Items""#)
        #expect(F.refusal(#"{"SegmentsResponse": {"NextToken": "t"}}"#) == nil)
        #expect(F.refusal(#"{"SegmentsResponse": {"Item": []}}"#) == nil)
    }

    @Test("one document holding both SegmentsResponse and SegmentResponse is refused (one of them was dropped)")
    func bothResponses() {
        #expect(
            F.refusal(#"{"SegmentResponse": {"Name": "a"}, "SegmentsResponse": {"Item": [{"Name": "b"}]}}"#)
                == "segments.json: the document holds both SegmentsResponse and SegmentResponse; give each as a document of its own (one after the other in the file) or in files of their own"
        )
    }

    @Test("two segments of the same name, in two files; the same Id twice")
    func duplicates() {
        let files: [(name: String, data: [UInt8])] = [
            (name: "a.json", data: Array(#"[{"Name": "x"}, {"Name": "pro"}]"#.utf8)),
            (name: "b.json", data: Array(#"{"SegmentResponse": {"Name": "y"}} {"SegmentsResponse": {"Item": [{"Name": "pro"}]}}"#.utf8)),
        ]
        #expect(throws: SegmentDefinitionError(description:
            #"b.json: document 2: segment "pro": SegmentsResponse.Item[0].Name: the name "pro" is also the name of the segment at a.json: [1]; segment names must be unique"#
        )) {
            try SegmentSet.load(files: files, timeZone: .gmt)
        }
        #expect(
            F.refusal(#"[{"Name": "x", "Id": "i"}, {"Name": "y", "Id": "i"}]"#)
                == #"segments.json: segment "y": [1].Id: the Id "i" is also the Id of segment "x" at segments.json: [0]; segment Ids must be unique"#
        )
    }

    @Test("a Metrics name authstats does not count")
    func metricName() {
        #expect(
            F.refusal(dimensions(#"{"Metrics": {"logins": {"ComparisonOperator": "GREATER_THAN", "Value": 1}}}"#))
                == #"segments.json: segment "s": [0].Dimensions.Metrics.logins: unknown metric "logins"; the metrics are sign_ups, sign_ins, auth_failures, sessions, active_days"#
        )
    }

    @Test("malformed JSON: where, by line, column and byte")
    func malformed() {
        #expect(
            F.refusal("[{\"Name\": \"a\"},\n {\"Name\": \"b\" \"Dimensions\": {}}]")
                == #"segments.json: invalid JSON at line 2, column 15 (byte 30): expected ',' or '}', found '"'"#)
        #expect(F.refusal(#"[{"Name": "a"}"#) == #"segments.json: invalid JSON at line 1, column 15 (byte 14): expected ',' or ']', found the end of the file"#)
        #expect(F.refusal(#"[{"Name": "a", "Name": "b"}]"#) == #"segments.json: invalid JSON at line 1, column 16 (byte 15): the key "Name" appears twice in one object"#)
        #expect(F.refusal("[{\"Name\": \"a\u{01}\"}]") == "segments.json: invalid JSON at line 1, column 13 (byte 12): a control character (byte 0x1) inside a string")
        #expect(F.refusal(#"[01]"#) == #"segments.json: invalid JSON at line 1, column 2 (byte 1): a number has a leading zero"#)
        #expect(F.refusal(#"{"a": tru}"#) == #"segments.json: invalid JSON at line 1, column 7 (byte 6): expected a value, found 't'"#)
        #expect(F.refusal("  \n ") == "segments.json: no JSON document in the file; expected the output of `aws pinpoint get-segments` or `get-segment`, or a list of segments")
        #expect(F.refusal(String(repeating: "[", count: 300)) == "segments.json: invalid JSON at line 1, column 257 (byte 256): nested more than 256 levels deep")
    }

    @Test("a top-level shape that is none of the three forms")
    func shape() {
        #expect(
            F.refusal(#"{"Segments": []}"#)
                == #"segments.json: not a segment definition: expected {"SegmentsResponse": …} (aws pinpoint get-segments), {"SegmentResponse": …} (aws pinpoint get-segment) or a list of segments, found an object with the keys "Segments""#
        )
        #expect(
            F.refusal(#"[] {"Name": "x", "Dimensions": {}}"#)
                == #"segments.json: document 2: not a segment definition: expected {"SegmentsResponse": …} (aws pinpoint get-segments), {"SegmentResponse": …} (aws pinpoint get-segment) or a list of segments, found an object with the keys "Name", "Dimensions"; write a single segment as a list of one: [{"Name": …}]"#
        )
        #expect(
            F.refusal(#""x""#)
                == #"segments.json: not a segment definition: expected {"SegmentsResponse": …} (aws pinpoint get-segments), {"SegmentResponse": …} (aws pinpoint get-segment) or a list of segments, found a string"#
        )
        #expect(F.refusal(#"{"SegmentsResponse": {"Item": {}}}"#) == #"segments.json: SegmentsResponse.Item: expected a list, found an object"#)
    }

    @Test("segments without a usable Name are named by their position in the file")
    func names() {
        #expect(F.refusal(#"[{"Name": "a"}, {"Dimensions": {}}]"#) == #"segments.json: segment #2: [1]: no Name; every segment needs a non-empty Name"#)
        #expect(F.refusal(#"[{"Name": ""}]"#) == #"segments.json: segment #1: [0].Name: the name is empty; every segment needs a non-empty Name"#)
        #expect(F.refusal(#"[{"Name": 7}]"#) == #"segments.json: segment #1: [0].Name: expected a string, found a number"#)
        #expect(F.refusal(#"["pro"]"#) == #"segments.json: segment #1: [0]: expected an object, found a string"#)
        #expect(
            F.refusal(#"{"SegmentsResponse": {"Item": [{"Name": "a"}]}} {"SegmentsResponse": {"Item": [{"Name": "b"}, {}]}}"#)
                == #"segments.json: document 2: segment #3: SegmentsResponse.Item[1]: no Name; every segment needs a non-empty Name"#)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var dimensions: String
        var message: String
        var testDescription: String { message }
    }

    static let cases: [Case] = [
        // Enumerations.
        .init(
            dimensions: #"{"UserAttributes": {"plan": {"AttributeType": "NOT_BETWEEN", "Values": ["a"]}}}"#,
            message: #"[0].Dimensions.UserAttributes.plan.AttributeType: "NOT_BETWEEN" is not one of INCLUSIVE, EXCLUSIVE, CONTAINS, BEFORE, AFTER, ON, BETWEEN"#),
        .init(
            dimensions: #"{"Demographic": {"Make": {"DimensionType": "inclusive", "Values": ["a"]}}}"#,
            message: #"[0].Dimensions.Demographic.Make.DimensionType: "inclusive" is not one of INCLUSIVE, EXCLUSIVE"#),
        .init(
            dimensions: #"{"Behavior": {"Recency": {"Duration": "DAY_7", "RecencyType": "DORMANT"}}}"#,
            message: #"[0].Dimensions.Behavior.Recency.RecencyType: "DORMANT" is not one of ACTIVE, INACTIVE"#),
        .init(
            dimensions: #"{"Metrics": {"sessions": {"ComparisonOperator": "NOT_EQUAL", "Value": 1}}}"#,
            message: #"[0].Dimensions.Metrics.sessions.ComparisonOperator: "NOT_EQUAL" is not one of GREATER_THAN, LESS_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN_OR_EQUAL, EQUAL"#),
        .init(
            dimensions: #"{"Demographic": {"Channel": {"DimensionType": "INCLUSIVE", "Values": ["EMAIL", "WHATSAPP"]}}}"#,
            message: #"[0].Dimensions.Demographic.Channel.Values[1]: "WHATSAPP" is not one of PUSH, GCM, APNS, APNS_SANDBOX, APNS_VOIP, APNS_VOIP_SANDBOX, ADM, SMS, VOICE, EMAIL, BAIDU, CUSTOM, IN_APP"#),
        // Types.
        .init(
            dimensions: #"{"UserAttributes": {"plan": {"AttributeType": "INCLUSIVE", "Values": 5}}}"#,
            message: #"[0].Dimensions.UserAttributes.plan.Values: expected a list of strings, found a number"#),
        .init(
            dimensions: #"{"UserAttributes": {"plan": {"AttributeType": "INCLUSIVE", "Values": ["a", true]}}}"#,
            message: #"[0].Dimensions.UserAttributes.plan.Values[1]: expected a string, found true/false"#),
        .init(
            dimensions: #"{"Metrics": {"sessions": {"ComparisonOperator": "EQUAL", "Value": "3"}}}"#,
            message: #"[0].Dimensions.Metrics.sessions.Value: expected a number, found a string"#),
        .init(
            dimensions: #"{"Demographic": {"Platform": {"DimensionType": 1, "Values": ["a"]}}}"#,
            message: #"[0].Dimensions.Demographic.Platform.DimensionType: expected a string (one of INCLUSIVE, EXCLUSIVE), found a number"#),
        .init(dimensions: #"{"UserAttributes": []}"#, message: #"[0].Dimensions.UserAttributes: expected an object, found a list"#),
        .init(dimensions: #"[]"#, message: #"[0].Dimensions: expected an object, found a list"#),
        // Unknown keys, with the keys allowed.
        .init(
            dimensions: #"{"Demographics": {}}"#,
            message: #"[0].Dimensions.Demographics: unknown key; the keys allowed here are Attributes, Behavior, Demographic, Location, Metrics, UserAttributes"#),
        .init(
            dimensions: #"{"Demographic": {"OS": {"Values": ["a"]}}}"#,
            message: #"[0].Dimensions.Demographic.OS: unknown key; the keys allowed here are AppVersion, Channel, DeviceType, Make, Model, Platform"#),
        .init(
            dimensions: #"{"UserAttributes": {"plan": {"Type": "INCLUSIVE", "Values": ["a"]}}}"#,
            message: #"[0].Dimensions.UserAttributes.plan.Type: unknown key; the keys allowed here are AttributeType, Values"#),
        .init(
            dimensions: #"{"Behavior": {"Recency": {"Duration": "DAY_7", "RecencyType": "ACTIVE", "Since": 1}}}"#,
            message: #"[0].Dimensions.Behavior.Recency.Since: unknown key; the keys allowed here are Duration, RecencyType"#),
        .init(
            dimensions: #"{"Location": {"City": {"Values": ["Austin"]}}}"#,
            message: #"[0].Dimensions.Location.City: unknown key; the keys allowed here are Country, GPSPoint"#),
        // Missing members.
        .init(dimensions: #"{"Behavior": {"Recency": {"Duration": "DAY_7"}}}"#, message: #"[0].Dimensions.Behavior.Recency: no RecencyType"#),
        .init(dimensions: #"{"Metrics": {"sessions": {"Value": 1}}}"#, message: #"[0].Dimensions.Metrics.sessions: no ComparisonOperator"#),
        .init(dimensions: #"{"Demographic": {"Make": {"DimensionType": "INCLUSIVE"}}}"#, message: #"[0].Dimensions.Demographic.Make: no Values"#),
        // Values.
        .init(
            dimensions: #"{"Location": {"Country": {"DimensionType": "INCLUSIVE", "Values": []}}}"#,
            message: #"[0].Dimensions.Location.Country.Values: the list is empty; give at least one value"#),
        .init(
            dimensions: #"{"UserAttributes": {"d": {"AttributeType": "BEFORE", "Values": ["2026-01-01", "2026-02-01"]}}}"#,
            message: #"[0].Dimensions.UserAttributes.d.Values: BEFORE takes exactly one value, found 2"#),
        .init(
            dimensions: #"{"UserAttributes": {"d": {"AttributeType": "ON", "Values": []}}}"#,
            message: #"[0].Dimensions.UserAttributes.d.Values: the list is empty; give at least one value"#),
        .init(
            dimensions: #"{"UserAttributes": {"d": {"AttributeType": "BETWEEN", "Values": ["2026-01-01"]}}}"#,
            message: #"[0].Dimensions.UserAttributes.d.Values: BETWEEN takes exactly two values, found 1"#),
        .init(
            dimensions: #"{"UserAttributes": {"d": {"AttributeType": "AFTER", "Values": ["yesterday"]}}}"#,
            message: #"[0].Dimensions.UserAttributes.d.Values[0]: "yesterday" is not an ISO-8601 instant (2026-01-31T10:00:00Z, 2026-01-31T12:00:00.250+02:00 or 2026-01-31)"#),
        .init(
            dimensions: #"{"UserAttributes": {"d": {"AttributeType": "AFTER", "Values": ["2026-01-31T10:00:00"]}}}"#,
            message: #"[0].Dimensions.UserAttributes.d.Values[0]: "2026-01-31T10:00:00" is not an ISO-8601 instant (2026-01-31T10:00:00Z, 2026-01-31T12:00:00.250+02:00 or 2026-01-31)"#),
        .init(
            dimensions: #"{"UserAttributes": {"d": {"AttributeType": "ON", "Values": ["2026-02-30"]}}}"#,
            message: #"[0].Dimensions.UserAttributes.d.Values[0]: "2026-02-30" is not an ISO-8601 instant (2026-01-31T10:00:00Z, 2026-01-31T12:00:00.250+02:00 or 2026-01-31)"#),
        .init(
            dimensions: #"{"UserAttributes": {"d": {"AttributeType": "BETWEEN", "Values": ["2026-02-01", "2026-01-31T23:59:59Z"]}}}"#,
            message: #"[0].Dimensions.UserAttributes.d.Values: BETWEEN's first value 2026-02-01 is after its second value 2026-01-31T23:59:59Z"#),
        .init(
            dimensions: #"{"UserAttributes": {"a.b": {"AttributeType": "IN", "Values": ["x"]}}}"#,
            message: #"[0].Dimensions.UserAttributes["a.b"].AttributeType: "IN" is not one of INCLUSIVE, EXCLUSIVE, CONTAINS, BEFORE, AFTER, ON, BETWEEN"#),
    ]

    @Test("each wrong part of a Dimensions object", arguments: cases)
    func dimension(_ c: Case) {
        #expect(F.refusal(dimensions(c.dimensions)) == #"segments.json: segment "s": "# + c.message)
    }

    @Test("wrong parts of SegmentGroups and of the segment")
    func groups() {
        func refusal(_ segment: String) -> String? { F.refusal(#"[{"Name": "g", \#(segment)}]"#) }
        #expect(
            refusal(#""SegmentGroups": {"Include": "SOME", "Groups": []}"#)
                == #"segments.json: segment "g": [0].SegmentGroups.Include: "SOME" is not one of ALL, ANY, NONE"#)
        #expect(
            refusal(#""SegmentGroups": {"Groups": [{"SourceType": "EVERY"}]}"#)
                == #"segments.json: segment "g": [0].SegmentGroups.Groups[0].SourceType: "EVERY" is not one of ALL, ANY, NONE"#)
        #expect(
            refusal(#""SegmentGroups": {"Groups": [{"Dimensions": {}}]}"#)
                == #"segments.json: segment "g": [0].SegmentGroups.Groups[0].Dimensions: expected a list, found an object"#)
        #expect(
            refusal(#""SegmentGroups": {"Groups": [{"SourceSegments": [{"Version": 1}]}]}"#)
                == #"segments.json: segment "g": [0].SegmentGroups.Groups[0].SourceSegments[0]: no Id; a source segment is named by its Id"#)
        #expect(
            refusal(#""SegmentGroups": {"Groups": [{"SourceSegments": [{"Id": "x", "Version": "1"}]}]}"#)
                == #"segments.json: segment "g": [0].SegmentGroups.Groups[0].SourceSegments[0].Version: expected a number, found a string"#)
        #expect(
            refusal(#""SegmentGroups": {"Group": []}"#)
                == #"segments.json: segment "g": [0].SegmentGroups.Group: unknown key; the keys allowed here are Include, Groups"#)
        #expect(
            refusal(#""SegmentGroups": {"Groups": [{"Dimension": []}]}"#)
                == #"segments.json: segment "g": [0].SegmentGroups.Groups[0].Dimension: unknown key; the keys allowed here are Dimensions, SourceSegments, SourceType, Type"#)
        #expect(refusal(#""Dimension": {}"#) == #"segments.json: segment "g": [0].Dimension: unknown key; did you mean Dimensions?"#)
        #expect(refusal(#""Id": """#) == #"segments.json: segment "g": [0].Id: the Id is empty"#)
    }

    @Test("a refusal's description is its whole message")
    func description() throws {
        let error = SegmentDefinitionError(description: "x.json: bad")
        #expect("\(error)" == "x.json: bad")
    }
}
