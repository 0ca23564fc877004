import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

@Suite("The session log sorts its records in bounded memory")
struct SessionLogTests {
    /// Events of 300 users (ids sharing their first bytes), one of them with 400 events (a
    /// bucket far over the insertion-sort limit), in a shuffled order.
    static func events() -> [Event] {
        var random = SeededRandom(seed: 5)
        var events: [Event] = []
        for u in 0..<300 {
            let n = u == 17 ? 400 : 1 + u % 5
            for k in 0..<n {
                let time = Int64(1_772_000_000_000 + (u * 37 + k * 911) % 100_000 * 1000)
                events.append(
                    Event(
                        time: time, source: .pinpoint, kind: k % 7 == 0 ? .authFailure : .signIn, user: "user-\(u % 10)-\(u)",
                        fingerprint: Fingerprint(fields: ["\(u)", "\(k)"]), sessionID: k % 3 == 0 ? "s\(u)-\(k % 2)" : nil,
                        dimensions: DimensionValues()))
            }
        }
        return events.shuffled(using: &random)
    }

    @Test("records come out in byte order, spilled or not, compact or named", arguments: [false, true])
    func sorted(compact: Bool) {
        let events = Self.events()
        for budget in [1 << 24, 4096] {
            var log = SessionLog(memoryBudget: budget, store: MemorySpillStore(), compact: compact)
            for (i, event) in events.enumerated() { log.append(event, position: UInt64(i % 3)) }
            if budget < 1 << 20 { #expect(log.spilledRuns > 3) }
            var records: [[UInt8]] = []
            log.withSorted { sorted in
                while let record = sorted.next() { records.append(Array(record)) }
            }
            #expect(records.count == events.count)
            #expect(zip(records, records.dropFirst()).allSatisfy { !$1.lexicographicallyPrecedes($0) })
            // The same bytes as sorting the records directly.
            var direct: [UInt8] = []
            var expected: [[UInt8]] = []
            for (i, event) in events.enumerated() {
                direct.removeAll()
                if compact {
                    SessionRecord.encodeCompact(event, position: UInt64(i % 3), into: &direct)
                } else {
                    SessionRecord.encode(event, position: UInt64(i % 3), into: &direct)
                }
                expected.append(direct)
            }
            #expect(records == expected.sorted { $0.lexicographicallyPrecedes($1) })
        }
    }
}
