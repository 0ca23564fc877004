import AuthStatsTestSupport
import Dispatch
import Testing

@testable import AuthStatsCore

/// The workers' logs are merged at the end of the reading (`absorb`): their arenas are taken as
/// they are, unsorted, and sorted only when the merged log is read (on the thread reading it),
/// so the merge itself, on one thread, neither copies nor spills them.
@Suite("Sorted record logs merged: what each absorbed is read in order, or spilled with the rest")
struct SortedRecordLogTests {
    /// `count` records of 1 to 40 bytes in no order (bytes 0…6: many ties on the first bytes).
    static func records(_ count: Int, seed: UInt64) -> [[UInt8]] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in (0..<(1 + Int(random.next() % 40))).map { _ in UInt8(random.next() % 7) } }
    }

    static func log(_ records: [[UInt8]], budget: Int, store: (any SpillStore)?) -> SortedRecordLog {
        var log = SortedRecordLog(memoryBudget: budget, store: store)
        for record in records {
            log.append { $0.append(contentsOf: record) }
            if log.isFull { log.spill() }
        }
        return log
    }

    static func drain(_ records: SortedRecords) -> [[UInt8]] {
        var out: [[UInt8]] = []
        while let record = records.next() { out.append(Array(record)) }
        return out
    }

    static func sorted(_ records: [[UInt8]]) -> [[UInt8]] { records.sorted { $0.lexicographicallyPrecedes($1) } }

    @Test("merged logs give every record once, in byte order, read any of the three ways", arguments: [false, true])
    func merged(spilling: Bool) {
        let store = MemorySpillStore()
        // Budgets that spill some of each log, or none.
        let budget = spilling ? 16 << 10 : 64 << 20
        let parts = (0..<4).map { Self.records(2_000 + 500 * $0, seed: UInt64(40 + $0)) }
        var logs = parts.map { Self.log($0, budget: budget, store: store) }
        #expect(logs.allSatisfy { spilling ? $0.spilledRuns > 0 : $0.spilledRuns == 0 })
        let runs = logs.map(\.spilledRuns).reduce(0, +)
        // One that absorbed another is absorbed in turn (its arenas come along).
        logs[2].absorb(logs[3])
        var merged = logs[0]
        merged.absorb(logs[1])
        merged.absorb(logs[2])
        // Runs are moved; arenas are kept while they fit beside this log's (with these small
        // budgets, some do not, and are written).
        #expect(spilling ? merged.spilledRuns > runs : merged.spilledRuns == runs)
        #expect(merged.count == logs[0].count, "this log's own arena is as it was")
        let expected = Self.sorted(parts.flatMap { $0 })
        #expect(Self.drain(merged.sortedCopy()) == expected)
        var taken = merged
        #expect(Self.drain(taken.takeSorted(keepingRuns: true)) == expected)
        #expect(taken.isEmpty)
        #expect(merged.withSorted { Self.drain($0) } == expected)
        #expect(merged.isEmpty)
    }

    @Test("a merged log that fills spills its own records and those it absorbed, each a sorted run")
    func spillAfterMerge() {
        let store = MemorySpillStore()
        let first = Self.records(300, seed: 7)
        let second = Self.records(300, seed: 8)
        var log = Self.log(first, budget: 32 << 10, store: store)
        log.absorb(Self.log(second, budget: 32 << 10, store: store))
        #expect(log.spilledRuns == 0 && log.count == first.count)
        let more = Self.records(5_000, seed: 9)
        var spilledAt: Int?
        for record in more {
            log.append { $0.append(contentsOf: record) }
            if log.isFull {
                log.spill()
                spilledAt = spilledAt ?? log.spilledRuns
            }
        }
        #expect(spilledAt == 2, "the first spill writes two runs: this log's arena and the absorbed one")
        #expect(log.withSorted { Self.drain($0) } == Self.sorted(first + second + more))
    }

    @Test("a log keeps what it absorbs up to one budget beside its own; past that, an absorbed arena is written to a run")
    func absorbBound() {
        let store = MemorySpillStore()
        let parts = (0..<5).map { Self.records(1_000, seed: UInt64(60 + $0)) }
        // A budget that the first two logs fill exactly (as `isFull` counts: bytes, 16 a record);
        // none of them spilled on its own. Merged into an empty log, as the state merge's lanes are.
        let sizes = parts.map { part in part.reduce(0) { $0 + $1.count + 16 } }
        let budget = sizes[0] + sizes[1]
        let logs = parts.map { Self.log($0, budget: budget, store: store) }
        #expect(logs.allSatisfy { $0.spilledRuns == 0 && !$0.isFull })
        var merged = SortedRecordLog(memoryBudget: budget, store: store)
        for log in logs { merged.absorb(log) }
        // Two fit in a budget beside the (empty) own arena, the third does not: three written.
        #expect(merged.spilledRuns == 3, "past one budget, absorbed arenas are spilled")
        #expect(merged.count == 0)
        #expect(merged.withSorted { Self.drain($0) } == Self.sorted(parts.flatMap { $0 }))
        // Without a store, everything stays in memory and is read.
        var kept = SortedRecordLog(memoryBudget: budget, store: nil)
        for part in parts { kept.absorb(Self.log(part, budget: budget, store: nil)) }
        #expect(kept.spilledRuns == 0)
        #expect(kept.withSorted { Self.drain($0) } == Self.sorted(parts.flatMap { $0 }))
    }

    @Test("without a store nothing is spilled: a merge keeps every record in memory, and reads them all")
    func withoutStore() {
        let first = Self.records(3_000, seed: 3)
        let second = Self.records(3_000, seed: 4)
        var log = Self.log(first, budget: 4 << 10, store: nil)
        log.absorb(Self.log(second, budget: 4 << 10, store: nil))
        log.spill()
        #expect(log.spilledRuns == 0)
        #expect(log.withSorted { Self.drain($0) } == Self.sorted(first + second))
    }

    /// A copy shares its arena and its sort room with the log it was copied from until either
    /// changes: each takes its own before it writes (the arena by copy-on-write, the room by
    /// `ownSortRoom`), so two copies spill on two threads at once without sorting in one room.
    /// With a small budget the room is let go after each spill; with a large one it is kept
    /// (`SortRoom.isOwnMapping`) and shared by the copies until they spill.
    @Test(
        "copies of a log that spilled go on appending and spilling on two threads, each with its own records",
        arguments: [(16 << 10, 3_000, 8_000, 10), (6 << 20, 250_000, 250_000, 1)])
    func copiesSpillApart(budget: Int, firstCount: Int, moreCount: Int, rounds: Int) {
        final class Side: @unchecked Sendable {
            var log: SortedRecordLog
            let more: [[UInt8]]
            var read: [[UInt8]] = []
            init(_ log: SortedRecordLog, _ more: [[UInt8]]) {
                self.log = log
                self.more = more
            }
        }
        for round in 0..<rounds {
            let store = MemorySpillStore()
            let first = Self.records(firstCount, seed: UInt64(round))
            var original = Self.log(first, budget: budget, store: store)
            #expect(original.spilledRuns > 0)
            #expect((original.keptSortRoom != nil) == (budget > 1 << 20), "a large room is kept, a small one let go")
            let sides = [
                Side(original, Self.records(moreCount, seed: UInt64(1_000 + round))),
                Side(original, Self.records(moreCount, seed: UInt64(2_000 + round))),
            ]
            let group = DispatchGroup()
            for (index, side) in sides.enumerated() {
                DispatchQueue.global().async(group: group) {
                    for record in side.more {
                        side.log.append { $0.append(contentsOf: record) }
                        if side.log.isFull { side.log.spill() }
                    }
                    // One copy read and kept, the other read to its end (in its own room).
                    side.read = Self.drain(index == 0 ? side.log.sortedCopy() : side.log.takeSorted(keepingRuns: true))
                }
            }
            group.wait()
            for (index, side) in sides.enumerated() {
                #expect(side.read == Self.sorted(first + side.more), "copy \(index), round \(round)")
            }
            #expect(sides[0].log.spilledRuns > original.spilledRuns)
            #expect(original.withSorted { Self.drain($0) } == Self.sorted(first), "the original, as it was")
        }
    }

    /// A log read to its end sorts what is in memory in its kept room, then lets it go before
    /// the records are read: a session pass or a state's write does not hold it.
    @Test("withSorted gives the kept sort room back before the records are read")
    func roomFreedBeforeReading() {
        var log = Self.log(Self.records(250_000, seed: 5), budget: 6 << 20, store: MemorySpillStore())
        weak let room = log.keptSortRoom
        #expect(room != nil)
        let count = log.withSorted { records -> Int in
            #expect(room == nil, "the sort room is still held while the records are read")
            return Self.drain(records).count
        }
        #expect(count == 250_000)
    }
}
