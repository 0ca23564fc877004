import Foundation
import Testing

@testable import AuthStatsCore

/// A spilled run that cannot be read back is said, never silently short (`docs/reliability.md`).
@Suite("Spilled runs that cannot be read back")
struct SpillReadFailureTests {
    @Test("the sorted record log, the activity triples and the dedup log each report the failure")
    func reported() {
        let store = ScriptedSpillStore.failing(after: 0)
        var log = SortedRecordLog(memoryBudget: 64, store: store)
        for i in 0..<100 {
            log.append { $0 += [UInt8](repeating: UInt8(i), count: 24) }
            if log.isFull { log.spill() }
        }
        #expect(log.spilledRuns > 0)
        let read = log.withSorted { records in
            var n = 0
            while records.next() != nil { n += 1 }
            return n
        }
        #expect(read < 100)
        #expect(!store.failures.isEmpty)

        let triples = ScriptedSpillStore.failing(after: 0)
        var table = ActivityTable(capacity: 4, store: triples)
        for user in 0..<20 { table.add(user: UInt64(user), day: 1, profile: 0, 1) }
        var groups = table.groups()
        var profiles: [UInt32] = []
        while groups.next(profiles: &profiles) != nil {}
        #expect(!triples.failures.isEmpty)

        let fingerprints = ScriptedSpillStore.failing(after: 0)
        var filter = DuplicateFilter(capacity: 4, store: fingerprints)
        for i in 0..<20 {
            filter.insert(Fingerprint(high: UInt64(i), low: 0), .init(day: 1, profile: 0, kind: .signIn, input: 0))
        }
        _ = filter.resolve()
        #expect(!fingerprints.failures.isEmpty)
    }
}
