import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsState

/// Issue 15: how fast chunks go in and out, and which table layout to use for them. Run by
/// hand (`AUTHSTATS_STATE_BENCH=1 swift test --filter StateThroughputTests`): wall time is
/// not for CI.
@Suite("State database: chunk throughput (by hand)")
struct StateThroughputTests {
    typealias F = StateFixtures

    /// Today's schema with the chunks table declared `layout` ("" or "WITHOUT ROWID").
    func schema(chunks layout: String) -> StateSchema {
        var schema = StateSchema.current
        schema.create = schema.create.map {
            $0.contains("CREATE TABLE chunks") ? $0.trimmingCharacters(in: .whitespacesAndNewlines) + " " + layout : $0
        }
        return schema
    }

    @Test(
        "100 MiB of 1 MiB chunks written in one transaction, then read back",
        .enabled(if: ProcessInfo.processInfo.environment["AUTHSTATS_STATE_BENCH"] != nil), .serialized,
        arguments: ["", "WITHOUT ROWID"])
    func throughput(layout: String) throws {
        let count = 100
        let chunk = F.chunk(1, count: 1 << 20)
        let mebibytes = Double(count * chunk.count) / Double(1 << 20)
        let clock = ContinuousClock()
        for round in 1...5 {
            let folder = F.folder()
            let database = try StateDatabase.open(folder: folder, create: true, schema: schema(chunks: layout))
            defer { database.close() }
            let written = try clock.measure {
                try database.transaction {
                    for seq in 0..<count { try database.appendChunk(name: "events", scope: "2026-01-02", seq: seq, chunk) }
                }
            }
            var bytes = 0
            let read = try clock.measure {
                try database.forEachChunk(name: "events", scope: "2026-01-02") { bytes += $0.count }
            }
            #expect(bytes == count * chunk.count)
            func rate(_ duration: Duration) -> String {
                let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
                return String(format: "%.0f MiB/s (%.2f s)", mebibytes / seconds, seconds)
            }
            let file = try database.fileBytes()
            print(
                "chunks \(layout.isEmpty ? "rowid" : layout) round \(round): write \(rate(written)), read \(rate(read)),"
                    + " file \(file / (1 << 20)) MiB")
        }
    }
}
