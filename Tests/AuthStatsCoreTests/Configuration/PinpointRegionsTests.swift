import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsCore

@Suite("Pinpoint regions: the table of formats.md §7, in the code and in docs/configuration.md")
struct PinpointRegionsTests {
    /// Every region that appears anywhere in the table, plus regions outside it.
    static let regions: [String] = {
        var all = Set(PinpointRegions.table.flatMap { [$0.poolRegion] + $0.projectRegions })
        all.formUnion(PinpointRegions.neverAvailable.map(\.region))
        all.formUnion(["eu-west-3", "eu-north-1", "sa-east-1", "us-west-1", "ap-east-1", "cn-north-1", "us-gov-west-1"])
        return all.sorted()
    }()

    /// The table of `formats.md` §7, written out again here as the issue gives it.
    static let expected: [String: [String]] = [
        "ap-northeast-1": ["us-east-1"], "ap-northeast-2": ["us-east-1"], "ap-south-1": ["us-east-1", "ap-south-1"],
        "ap-southeast-1": ["us-east-1"], "ap-southeast-2": ["us-east-1", "ap-southeast-2"], "ca-central-1": ["us-east-1"],
        "eu-central-1": ["us-east-1", "eu-central-1"], "eu-west-1": ["us-east-1", "eu-west-1"], "eu-west-2": ["us-east-1"],
        "us-east-1": ["us-east-1"], "us-east-2": ["us-east-1"], "us-west-2": ["us-east-1", "us-west-2"],
    ]

    @Test("the table holds formats.md §7's twelve rows and six regions without Pinpoint")
    func tableIsTheReference() {
        #expect(PinpointRegions.table.count == 12)
        #expect(Dictionary(uniqueKeysWithValues: PinpointRegions.table.map { ($0.poolRegion, $0.projectRegions) }) == Self.expected)
        #expect(
            Set(PinpointRegions.neverAvailable.map(\.region))
                == ["eu-south-1", "me-south-1", "ap-northeast-3", "il-central-1", "af-south-1", "ap-southeast-3"])
    }

    @Test("every allowed pair passes, and every other pair of a listed pool fails", arguments: PinpointRegions.table.map(\.poolRegion))
    func listedPool(pool: String) {
        let allowed = Self.expected[pool]!
        for project in Self.regions {
            #expect(PinpointRegions.allows(poolIn: pool, projectIn: project) == allowed.contains(project), "\(pool) -> \(project)")
        }
    }

    @Test("a pool where Pinpoint never existed may use no project region", arguments: PinpointRegions.neverAvailable.map(\.region))
    func neverAvailable(pool: String) {
        #expect(PinpointRegions.allowedProjectRegions(forPoolIn: pool).isEmpty)
        for project in Self.regions + [pool] {
            #expect(!PinpointRegions.allows(poolIn: pool, projectIn: project), "\(pool) -> \(project)")
        }
    }

    @Test(
        "other regions: their own region only",
        arguments: ["eu-west-3", "eu-north-1", "sa-east-1", "us-west-1", "ap-east-1", "cn-north-1", "us-gov-west-1"])
    func otherRegion(pool: String) {
        #expect(PinpointRegions.allowedProjectRegions(forPoolIn: pool) == [pool])
        #expect(!PinpointRegions.allows(poolIn: pool, projectIn: "us-east-1"))
    }

    @Test(
        "the seed's examples and a sample of disallowed pairs",
        arguments: [
            ("ap-northeast-1", "us-east-1", true), ("ap-south-1", "us-east-1", true), ("ap-south-1", "ap-south-1", true),
            ("ap-northeast-1", "ap-northeast-1", false), ("eu-west-2", "eu-west-2", false), ("eu-west-1", "eu-west-2", false),
            ("us-east-1", "us-west-2", false), ("us-west-2", "us-east-2", false), ("ca-central-1", "ca-central-1", false),
            ("eu-central-1", "eu-west-1", false), ("us-east-2", "us-east-2", false), ("ap-southeast-2", "ap-southeast-1", false),
        ])
    func pairs(pool: String, project: String, allowed: Bool) {
        #expect(PinpointRegions.allows(poolIn: pool, projectIn: project) == allowed)
    }

    /// The rows of the markdown table of `docs/configuration.md` whose header row is `header`.
    func documentedRows(after header: String) throws -> [[String]] {
        let text = try String(contentsOf: CLI.packageRoot.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex(of: header))
        let table = lines[start...].prefix { $0.hasPrefix("|") }
        // Header and separator rows first.
        return table.dropFirst(2).map { row in
            row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    @Test("docs/configuration.md's region tables equal the code's")
    func documentationEqualsCode() throws {
        let rows = try documentedRows(after: "| user pool region | allowed Pinpoint project regions |")
        #expect(rows.map { $0[0] } == PinpointRegions.table.map(\.poolRegion))
        #expect(rows.map { $0[1].components(separatedBy: ", ") } == PinpointRegions.table.map(\.projectRegions))
        let never = try documentedRows(after: "| region | name |")
        #expect(never.map { $0[0] } == PinpointRegions.neverAvailable.map(\.region))
        #expect(never.map { $0[1] } == PinpointRegions.neverAvailable.map(\.name))
    }
}
