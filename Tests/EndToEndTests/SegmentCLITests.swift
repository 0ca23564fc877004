import AuthStatsTestSupport
import Foundation
import Testing
import AuthStatsCore

/// `--segments` on the command line: refusals before reading, safe export file names.
@Suite("Segments on the command line")
struct SegmentCLITests {
    @Test("a definition authstats cannot evaluate is refused before any input is read: exit 64, --out untouched")
    func refused() throws {
        let folder = CLI.temporaryFolder("segcli")
        let definitions = folder.appendingPathComponent("segments.json")
        try Data(#"{"SegmentsResponse":{"Item":[{"Name":"ok","Dimensions":{}},{"Name":"far","Dimensions":{"Behavior":{"Recency":{"Duration":"DAY_90","RecencyType":"ACTIVE"}}}}]}}"#.utf8)
            .write(to: definitions)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["report", "sample-logs", "--segments", definitions.path, "--out", out.path])
        #expect(result.status == 64)
        #expect(result.stderr.contains(#"segments.json: segment "far": SegmentsResponse.Item[1].Dimensions.Behavior.Recency.Duration: "DAY_90" is not one of HR_24, DAY_7, DAY_14, DAY_30"#), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let missing = try CLI.run(["report", "sample-logs", "--segments", folder.appendingPathComponent("nope.json").path, "--out", out.path])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("Unable to read the segment definitions"))
    }

    @Test("segment names with /, .., non-ASCII and a clash-prone pair give safe, distinct files inside segments/")
    func fileNames() throws {
        let folder = CLI.temporaryFolder("segnames")
        let definitions = folder.appendingPathComponent("segments.json")
        let names = ["../../escape", "a/b", "a%2Fb", "..", "ñandú 🐦", "CON"]
        let json = "[" + names.map { #"{"Name": \#(JSONText.quote($0)), "Dimensions": {}}"# }.joined(separator: ",") + "]"
        try Data(json.utf8).write(to: definitions)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["report", "sample-logs", "--segments", definitions.path, "--out", out.path, "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("segments").path).sorted()
        #expect(files.count == names.count)
        for file in files {
            #expect(!file.contains("/") && !file.hasPrefix(".") && file.hasSuffix(".csv"), "\(file)")
        }
        #expect(files.contains("ñandú %F0%9F%90%A6.csv"))  // letters kept, a symbol percent-encoded
        // Nothing outside --out.
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("escape.csv").path))
        let table = try String(contentsOf: out.appendingPathComponent("segments.csv"), encoding: .utf8)
        #expect(table.split(separator: "\n").count == names.count + 1)
        // Every segment with no dimension holds every user; each export lists their endpoints.
        let rows = table.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(Set(rows.map { $0[1] }).count == 1)
    }

    @Test("--breakdown-attribute: an address attribute is refused; a name given twice is one dimension")
    func breakdownAttribute() throws {
        let out = CLI.temporaryFolder("attr")
        let refused = try CLI.run(["report", "sample-logs", "--users", "sample-logs/users/list-users.json", "--breakdown-attribute", "email", "--out", out.path])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("email is never written to a report"))
        let twice = try CLI.run([
            "report", "sample-logs", "--users", "sample-logs/users/list-users.json", "--breakdown-attribute", "custom:plan",
            "--breakdown-attribute", "custom:plan", "--out", out.path, "-q",
        ])
        #expect(twice.status == 0)
        let rows = try String(contentsOf: out.appendingPathComponent("breakdown.csv"), encoding: .utf8).split(separator: "\n")
            .filter { $0.contains(",attr:custom:plan,") }
        #expect(!rows.isEmpty)
        #expect(Set(rows).count == rows.count)
    }
}
