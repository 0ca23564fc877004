import AuthStatsTestSupport
import Foundation
import Testing

/// `authstats generate`'s shape options on the command line (issue 18): documented, refused
/// with a message when wrong, and read back into the same reports whatever the objects'
/// framing and size.
@Suite("generate: shape options on the command line")
struct GenerateShapeCLITests {
    @Test("generate --help documents every shape option")
    func help() throws {
        let result = try CLI.run(["generate", "--help"])
        #expect(result.status == 0)
        for option in ["--back-to-back", "--buffer-seconds", "--buffer-mib", "--pinpoint-records", "--record-variety",
                       "--dimension-values", "--other-services"] {
            #expect(result.stdout.contains(option), "\(option) missing from generate --help")
        }
    }

    @Test(
        "a wrong shape option exits 64 with what to use",
        arguments: [
            (["--back-to-back", "--newline-delimited"], "--back-to-back and --newline-delimited exclude each other."),
            (["--buffer-seconds", "0"], "--buffer-seconds must be between 1 and 900 (Firehose's range)."),
            (["--buffer-seconds", "901"], "--buffer-seconds must be between 1 and 900 (Firehose's range)."),
            (["--buffer-mib", "129"], "--buffer-mib must be between 1 and 128 (Firehose's range)."),
            (["--pinpoint-records", "sdk"], "--pinpoint-records: unknown shape 'sdk'; use app or cognito."),
            (["--record-variety", "wild"], "--record-variety: unknown value 'wild'; use standard or high."),
            (["--dimension-values", "0"], "--dimension-values must be positive."),
            (["--other-services=-1"], "--other-services must be between 0 and 1000."),
        ])
    func refused(arguments: [String], message: String) throws {
        let result = try CLI.run(["generate", "--out", CLI.temporaryFolder().path] + arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    /// The report files that depend only on the events read.
    static let tables = ["daily.csv", "monthly.csv", "breakdown.csv", "retention.csv"]

    func report(_ folder: URL) throws -> [String: Data] {
        let out = CLI.temporaryFolder()
        let result = try CLI.run(["report", folder.path, "--out", out.path, "--no-html", "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        return try Dictionary(uniqueKeysWithValues: Self.tables.map { ($0, try Data(contentsOf: out.appendingPathComponent($0))) })
    }

    @Test("the same records in 5-minute objects, back to back or one per line: the same reports as hourly objects")
    func sameReports() throws {
        func generate(_ options: [String]) throws -> URL {
            let folder = CLI.temporaryFolder("generated")
            let result = try CLI.run(
                ["generate", "--out", folder.path, "--users", "200", "--days", "4", "--seed", "11", "--kinds", "pinpoint,activity,cloudtrail", "-q"]
                    + options)
            #expect(result.status == 0, "\(result.stderr)")
            try FileManager.default.removeItem(at: folder.appendingPathComponent("users"))
            return folder
        }
        let hourly = try report(try generate(["--newline-delimited"]))
        #expect(String(decoding: hourly["daily.csv"] ?? Data(), as: UTF8.self).split(separator: "\n").count >= 5)
        for options in [["--back-to-back"], ["--buffer-seconds", "300", "--buffer-mib", "1"], ["--buffer-seconds", "60", "--back-to-back"]] {
            let other = try report(try generate(options))
            for name in Self.tables {
                #expect(other[name] == hourly[name], "\(name) differs with \(options)")
            }
        }
    }
}
