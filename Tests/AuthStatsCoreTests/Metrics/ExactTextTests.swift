import AuthStatsCore
import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsCore

/// Dimension values, project ids and segment names are compared as exact text, their UTF-8
/// bytes (`docs/metrics.md` "Dimensions"): canonically equivalent spellings, which Swift's
/// `String` takes as equal, are kept apart, each under its own spelling.
@Suite("exact text: canonically equivalent spellings are distinct values")
struct ExactTextTests {
    /// "café" with U+00E9, and with `e` followed by U+0301 COMBINING ACUTE ACCENT.
    static let composed = "caf\u{E9}"
    static let decomposed = "cafe\u{301}"
    /// U+212B ANGSTROM SIGN and U+00C5, canonically equivalent too.
    static let angstrom = "\u{212B}"
    static let aRing = "\u{C5}"

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("the premise: String equality merges them, their bytes differ")
    func premise() {
        #expect(Self.composed == Self.decomposed)
        #expect(Self.bytes(Self.composed) != Self.bytes(Self.decomposed))
        #expect(ExactText(Self.composed) != ExactText(Self.decomposed))
        #expect(ExactText(Self.composed) == ExactText("caf" + "\u{E9}"))
        #expect(Set([ExactText(Self.angstrom), ExactText(Self.aRing), ExactText(Self.aRing)]).count == 2)
        #expect(ExactText.same("", ""))
        #expect(!ExactText.same("a", "ab"))
    }

    @Test("the breakdown: one row per spelling, each with its own events and users, on every day")
    func breakdownRows() {
        let lines = [
            PinpointLine("_userauth.sign_in", at: PinpointLine.millis("2026-11-04T10:00:00Z"), user: "u1", appVersion: Self.decomposed),
            PinpointLine("_userauth.sign_in", at: PinpointLine.millis("2026-11-04T11:00:00Z"), user: "u2", appVersion: Self.composed),
            PinpointLine("_userauth.sign_in", at: PinpointLine.millis("2026-11-04T12:00:00Z"), user: "u3", appVersion: Self.composed),
            PinpointLine("_userauth.sign_in", at: PinpointLine.millis("2026-11-05T10:00:00Z"), user: "u2", appVersion: Self.composed),
            PinpointLine("_userauth.sign_in", at: PinpointLine.millis("2026-11-05T11:00:00Z"), user: "u4", country: Self.angstrom),
            PinpointLine("_userauth.sign_in", at: PinpointLine.millis("2026-11-05T12:00:00Z"), user: "u5", country: Self.aRing),
        ]
        let run = InMemoryRun(lines)
        func rows(_ date: String, _ dimension: AuthStatsCore.Dimension) -> [[UInt8]: (events: Int, users: Int)] {
            var out: [[UInt8]: (events: Int, users: Int)] = [:]
            for row in run.reports.breakdown where row.date.description == date && row.dimension == dimension {
                #expect(out[Self.bytes(row.value)] == nil, "one row per spelling")
                out[Self.bytes(row.value)] = (row.events, row.activeUsers)
            }
            return out
        }
        let fourth = rows("2026-11-04", .appVersion)
        #expect(fourth.count == 2)
        #expect(fourth[Self.bytes(Self.decomposed)]?.events == 1 && fourth[Self.bytes(Self.decomposed)]?.users == 1)
        #expect(fourth[Self.bytes(Self.composed)]?.events == 2 && fourth[Self.bytes(Self.composed)]?.users == 2)
        // The next day's row is spelled as that day's events spell it (it took the first
        // spelling met, whichever day it was on).
        let fifth = rows("2026-11-05", .appVersion)
        #expect(fifth[Self.bytes(Self.composed)]?.events == 1)
        #expect(fifth[Self.bytes(Self.decomposed)] == nil)
        let countries = rows("2026-11-05", .country)
        #expect(countries[Self.bytes(Self.angstrom)]?.events == 1 && countries[Self.bytes(Self.aRing)]?.events == 1)
        // The report totals a nightly state keeps hold them apart too.
        let nfc = ReportTotals.ValueDay(day: 1, dimension: .appVersion, value: ExactText(Self.composed))
        let nfd = ReportTotals.ValueDay(day: 1, dimension: .appVersion, value: ExactText(Self.decomposed))
        #expect(nfc != nfd && Set([nfc, nfd, nfc]).count == 2)
    }

    @Test("--by-project: two spellings of a project id are two projects")
    func projects() throws {
        let events = [(Self.composed, "u1"), (Self.decomposed, "u2"), (Self.decomposed, "u3")].map { app, user in
            PinpointLine("_userauth.sign_in", iso: "2026-11-04T10:00:00Z", user: user).json
                .replacingOccurrences(of: #""app_id":"app""#, with: #""app_id":"\#(app)""#)
        }.joined(separator: "\n")
        var clients = AnalyticsConfiguration()
        _ = clients.load(Array("{\"UserPoolClients\":[]}".utf8), name: "c.json")
        let run = InMemoryRun(
            [("e.ndjson", Array(events.utf8))],
            configure: {
                $0.clients = clients
                $0.byProject = true
            })
        let users = Dictionary(uniqueKeysWithValues: run.projects.map { (Self.bytes($0.id), $0.reports.daily.first?.activeUsers) })
        #expect(users == [Self.bytes(Self.composed): 1, Self.bytes(Self.decomposed): 2])
    }

    @Test("two segments named with two spellings of one name are two segments, with distinct file names")
    func segmentNames() throws {
        let json = #"[{"Name":"Caf\u00e9","Dimensions":{}},{"Name":"Cafe\u0301","Dimensions":{}}]"#
        let segments = try SegmentSet.load(files: [("s.json", Array(json.utf8))], timeZone: TimeZone(identifier: "UTC")!)
        #expect(segments.names.map(Self.bytes) == [Self.bytes("Caf\u{E9}"), Self.bytes("Cafe\u{301}")])
        let files = SegmentFileName.fileNames(for: segments.names)
        #expect(files.count == 2 && SegmentFileName.folded(files[0]) != SegmentFileName.folded(files[1]))
        // The same bytes twice are still refused.
        let twice = #"[{"Name":"Caf\u00e9","Dimensions":{}},{"Name":"Caf\u00e9","Dimensions":{}}]"#
        #expect(throws: SegmentDefinitionError.self) {
            try SegmentSet.load(files: [("s.json", Array(twice.utf8))], timeZone: TimeZone(identifier: "UTC")!)
        }
    }

    @Test("a segment's values match as exact text: INCLUSIVE café (U+00E9) is not café spelled e + U+0301")
    func segmentValues() throws {
        let lines = [
            PinpointLine("_userauth.sign_in", at: PinpointLine.millis("2026-11-04T10:00:00Z"), user: "u1", appVersion: Self.composed),
            PinpointLine("_userauth.sign_in", at: PinpointLine.millis("2026-11-04T11:00:00Z"), user: "u2", appVersion: Self.decomposed),
        ]
        let json = #"[{"Name":"in","Dimensions":{"Demographic":{"AppVersion":{"DimensionType":"INCLUSIVE","Values":["caf\u00e9"]}}}},"#
            + #"{"Name":"out","Dimensions":{"Demographic":{"AppVersion":{"DimensionType":"EXCLUSIVE","Values":["caf\u00e9"]}}}}]"#
        let segments = try SegmentSet.load(files: [("s.json", Array(json.utf8))], timeZone: TimeZone(identifier: "UTC")!)
        let run = InMemoryRun([("a.json", Array(lines.ndjson.utf8))], profiles: ProfileOptions(segments: segments))
        #expect(run.reports.segments.map(\.users) == [1, 1])
    }
}
