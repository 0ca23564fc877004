import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore
@testable import AuthStatsIngest

@Suite("Codec matrix: one log in every container and compression gives identical reports")
struct CodecMatrixTests {
    let fixtures = Fixtures()

    @Test(
        "same reports as the plain log",
        arguments: [
            "canonical.ndjson.gz", "canonical.ndjson.bz2", "canonical.ndjson.xz", "canonical.ndjson.zst",
            "canonical.zip", "bundle.tar.gz", "canonical-back-to-back.json",
        ])
    func identical(name: String) {
        let plain = FileRun([fixtures.path("canonical.ndjson")])
        let other = FileRun([fixtures.path(name)])
        #expect(other.csv == plain.csv)
        #expect(other.inputs.reduce(0) { $0 + $1.records } == 10)
        #expect(other.inputs.reduce(0) { $0 + $1.duplicates } == 1)
        #expect(other.inputs.allSatisfy { $0.status == .ok && $0.format == "pinpoint" })
    }

    @Test("the canonical log, checked by hand")
    func canonical() throws {
        let run = FileRun([fixtures.path("canonical.ndjson")])
        // Day 1 (2025-11-02): sub-a starts a session, signs up, signs in, views a page; ep-b
        // fails at 23:59:59. Day 2: sub-b signs in, starts a session and buys; a campaign event.
        #expect(run.reports.daily.map { "\($0.date) \($0.signUps) \($0.signIns) \($0.authFailures) \($0.activeUsers) \($0.events)" }
            == ["2025-11-02 1 1 1 1 5", "2025-11-03 0 1 0 1 4"])
        let platform = run.reports.breakdown.filter { $0.dimension == .platform }.map { "\($0.date) \($0.value) \($0.events)" }
        #expect(platform == ["2025-11-02 android 1", "2025-11-02 ios 4", "2025-11-03 (unknown) 1", "2025-11-03 android 3"])
    }

    @Test("archive members are named and their container described")
    func members() {
        let run = FileRun([fixtures.path("bundle.tar.gz")])
        #expect(run.inputs.map(\.member) == ["2025/11/02/part-1.gz", "2025/11/02/part-2.gz"])
        #expect(run.inputs.map(\.container) == ["tar+gzip", "tar+gzip"])
        #expect(run.inputs.map(\.compression) == ["gzip", "gzip"])
        let zip = FileRun([fixtures.path("canonical.zip")])
        #expect(zip.inputs.map(\.member) == ["canonical.ndjson"])
        #expect(zip.inputs.map(\.container) == ["zip"])
    }

    @Test("compression is recognised by content, not by name")
    func sniffing() throws {
        let folder = CLI.temporaryFolder()
        let disguised = folder.appendingPathComponent("log.txt")
        try FileManager.default.copyItem(atPath: fixtures.path("canonical.ndjson.xz"), toPath: disguised.path)
        let run = FileRun([disguised.path])
        #expect(run.inputs.map(\.compression) == ["xz"])
        #expect(run.csv == FileRun([fixtures.path("canonical.ndjson")]).csv)
    }
}

import Foundation
