import Foundation
import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

/// A stream that arrives sorted (a nightly state's sessions, fingerprints and activity) is
/// written straight to runs of the store, without a sort (`SortedRecordLog.appendInOrder`,
/// `DuplicateFilter.insertInOrder`, `ActivityTable.appendInOrder`): the same records come out,
/// and nothing is lost when the store fails or the stream is less sorted than expected.
@Suite("Streams read back in order, without a sort")
struct InOrderRunTests {
    /// A store whose appends fail after `appendsAllowed` of them; `partly`: the failing
    /// append writes the first half of its bytes first, as a file write on a full disk does.
    final class FailingAppends: SpillStore, @unchecked Sendable {
        private let lock = NSLock()
        private let inner = MemorySpillStore()
        private var appends = 0
        let appendsAllowed: Int
        let partly: Bool

        init(appendsAllowed: Int, partly: Bool = false) {
            self.appendsAllowed = appendsAllowed
            self.partly = partly
        }

        func write(_ bytes: [UInt8]) throws -> Int { try inner.write(bytes) }
        func append(run: Int, _ bytes: [UInt8]) throws {
            lock.lock()
            appends += 1
            let failing = appends > appendsAllowed
            lock.unlock()
            guard failing else { return try inner.append(run: run, bytes) }
            if partly { try inner.append(run: run, Array(bytes.prefix(bytes.count / 2))) }
            throw POSIXError(.ENOSPC)
        }
        func read(run: Int, offset: Int, count: Int) throws -> [UInt8] { try inner.read(run: run, offset: offset, count: count) }
        func remove(run: Int) { inner.remove(run: run) }
        var held: Int { inner.held }
    }

    /// Records of 1 to 40 bytes: `segments` sorted runs of them, one after another (a state's
    /// batches), and some in no order at all.
    static func records(segments: Int, each: Int, seed: UInt64) -> [[UInt8]] {
        var random = SeededRandom(seed: seed)
        var out: [[UInt8]] = []
        for _ in 0..<segments {
            var part = (0..<each).map { _ in (0..<(1 + Int(random.next() % 40))).map { _ in UInt8(random.next() % 7) } }
            part.sort { $0.lexicographicallyPrecedes($1) }
            out += part
        }
        return out
    }

    static func sortedOut(_ log: inout SortedRecordLog) -> [[UInt8]] {
        log.withSorted { sorted in
            var out: [[UInt8]] = []
            while let record = sorted.next() { out.append(Array(record)) }
            return out
        }
    }

    @Test("sorted segments become runs of their own; the merge gives every record in byte order", arguments: [1, 3, 200])
    func segments(count: Int) {
        let records = Self.records(segments: count, each: 3000 / count, seed: UInt64(count))
        let store = MemorySpillStore()
        var log = SortedRecordLog(memoryBudget: 1 << 20, store: store)
        for record in records { record.withUnsafeBytes { log.appendInOrder($0) } }
        log.endInOrder()
        // One run per sorted segment; a stream of 200 (an older state's) falls back to sorting
        // in memory after 64 runs.
        // (Two segments meet in order now and then: a run may hold both.)
        #expect(log.spilledRuns <= min(count, InOrderRun.maxRuns) && log.spilledRuns >= min(count, 60))
        #expect(count > InOrderRun.maxRuns ? log.count > 0 : log.count == 0)
        #expect(Self.sortedOut(&log) == records.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test("a store that fails part-way: the run ends with what was written, the rest is kept in memory", arguments: [0, 1, 2])
    func failingStore(appendsAllowed: Int) {
        // 2 MB of records: the chunks of 1 MiB are written as they fill.
        let records = Self.records(segments: 2, each: 60_000, seed: 9)
        var log = SortedRecordLog(memoryBudget: 64 << 20, store: FailingAppends(appendsAllowed: appendsAllowed))
        for record in records { record.withUnsafeBytes { log.appendInOrder($0) } }
        log.endInOrder()
        #expect(log.spillFailure != nil)
        #expect(Self.sortedOut(&log) == records.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test("a store that fails part-way through a write: what it wrote of the failed chunk is not read back twice", arguments: [0, 1])
    func partialWrite(appendsAllowed: Int) {
        // 2 MB of records: the chunks of 1 MiB are written as they fill; the failing one is
        // half written, and its records are kept in memory as well.
        let records = Self.records(segments: 2, each: 60_000, seed: 11)
        var log = SortedRecordLog(memoryBudget: 64 << 20, store: FailingAppends(appendsAllowed: appendsAllowed, partly: true))
        for record in records { record.withUnsafeBytes { log.appendInOrder($0) } }
        log.endInOrder()
        #expect(log.spillFailure != nil)
        let out = Self.sortedOut(&log)
        #expect(out.count == records.count)
        let same = out == records.sorted { $0.lexicographicallyPrecedes($1) }
        #expect(same, "every record once, in byte order")
    }

    /// A store in which no run can be made (`write` fails: a full disk from the start).
    final class FailingWrites: SpillStore, @unchecked Sendable {
        func write(_ bytes: [UInt8]) throws -> Int { throw POSIXError(.ENOSPC) }
        func append(run: Int, _ bytes: [UInt8]) throws { throw POSIXError(.ENOSPC) }
        func read(run: Int, offset: Int, count: Int) throws -> [UInt8] { [] }
        func remove(run: Int) {}
    }

    @Test("a store in which no run can be made: every record and fingerprint is kept in memory, none lost")
    func noRunCanBeMade() {
        let records = Self.records(segments: 3, each: 2000, seed: 5)
        var log = SortedRecordLog(memoryBudget: 64 << 20, store: FailingWrites())
        for record in records { record.withUnsafeBytes { log.appendInOrder($0) } }
        log.endInOrder()
        #expect(log.spillFailure != nil && log.spilledRuns == 0)
        #expect(Self.sortedOut(&log) == records.sorted { $0.lexicographicallyPrecedes($1) })

        let entries = entries(segments: 3)
        var plain = DuplicateFilter(capacity: 1 << 20)
        for (f, c) in entries { plain.insert(f, c) }
        var filter = DuplicateFilter(capacity: 1 << 20, store: FailingWrites())
        for (f, c) in entries { filter.insertInOrder(f, c) }
        filter.endInOrder()
        #expect(filter.spillFailure != nil && filter.spilledRuns == 0 && filter.inMemory == entries.count)
        #expect(filter.resolve().map(\.input).sorted() == plain.resolve().map(\.input).sorted())
    }

    /// A store that keeps every byte appended, to look at what was written.
    final class RecordingStore: SpillStore, @unchecked Sendable {
        private let lock = NSLock()
        private let inner = MemorySpillStore()
        private var appended: [UInt8] = []
        var bytes: [UInt8] { lock.withLock { appended } }

        func write(_ bytes: [UInt8]) throws -> Int { try inner.write(bytes) }
        func append(run: Int, _ bytes: [UInt8]) throws {
            lock.withLock { appended += bytes }
            try inner.append(run: run, bytes)
        }
        func read(run: Int, offset: Int, count: Int) throws -> [UInt8] { try inner.read(run: run, offset: offset, count: count) }
        func remove(run: Int) { inner.remove(run: run) }
    }

    @Test("fingerprints written in order are whole entries: their last 6 bytes are zeros, as every entry's")
    func inOrderEntriesAreWhole() {
        let entries = entries(segments: 2)
        let store = RecordingStore()
        var filter = DuplicateFilter(capacity: 1 << 20, store: store)
        // (Entries are written into a block that is reused, not onto the stack as when this
        // test was written: that every encoder writes every byte into dirty memory is
        // `encodedWhole`'s; this one checks what reaches the store.)
        for (f, c) in entries { filter.insertInOrder(f, c) }
        filter.endInOrder()
        let written = store.bytes
        #expect(written.count == entries.count * FingerprintLog.entryBytes)
        var dirty = 0
        for at in stride(from: 0, to: written.count, by: FingerprintLog.entryBytes) where written[at + 42..<at + 48].contains(where: { $0 != 0 }) {
            dirty += 1
        }
        #expect(dirty == 0, "\(dirty) of \(entries.count) entries carry bytes that were never written")
    }

    func fp(_ n: UInt64) -> Fingerprint { Fingerprint(high: n &* 0x9E37_79B9_7F4A_7C15, low: n) }

    /// Entries in merge order (fingerprint, then input) within each of `segments` parts.
    func entries(segments: Int) -> [(Fingerprint, DuplicateFilter.Counted)] {
        var out: [(Fingerprint, DuplicateFilter.Counted)] = []
        for segment in 0..<segments {
            var part = (0..<5000).map { i -> (Fingerprint, DuplicateFilter.Counted) in
                // Every 7th fingerprint repeats in every segment (a copy across batches).
                let n = UInt64(i % 7 == 0 ? i : i + 10_000 * (segment + 1))
                return (fp(n), .init(day: 1, profile: 0, kind: .signIn, input: UInt64(segment * 10 + i % 3)))
            }
            part.sort { ($0.0.high, $0.0.low, $0.1.input) < ($1.0.high, $1.0.low, $1.1.input) }
            out += part
        }
        return out
    }

    @Test("fingerprints in order find the same copies as fingerprints logged any way", arguments: [1, 3, 100])
    func fingerprints(segments: Int) {
        let entries = entries(segments: segments)
        var plain = DuplicateFilter(capacity: 1 << 20)
        for (f, c) in entries { plain.insert(f, c) }
        let expected = plain.resolve().map(\.input).sorted()
        #expect(segments == 1 ? expected.isEmpty : !expected.isEmpty)
        // (One segment is two appends: the failing stores fail only with more.)
        for store in [MemorySpillStore(), FailingAppends(appendsAllowed: 3), FailingAppends(appendsAllowed: 3, partly: true)] as [any SpillStore] {
            var filter = DuplicateFilter(capacity: 1 << 20, store: store)
            for (f, c) in entries { filter.insertInOrder(f, c) }
            filter.endInOrder()
            #expect(filter.spilledRuns > 0)
            #expect((filter.spillFailure != nil) == (segments > 1 && !(store is MemorySpillStore)), "\(type(of: store))")
            #expect(filter.resolve().map(\.input).sorted() == expected, "\(type(of: store)), \(segments) segments")
        }
    }

    @Test("fingerprints in order by group (a state's day buckets) resolve as one merge does: the same copies, each group's first copies in order")
    func fingerprintsByGroup() {
        // 3 batches of a state, each in 4 day buckets; every 7th fingerprint repeats in every
        // batch (a copy across batches, of the same day: the same bucket).
        func day(_ n: UInt64) -> Int32 { Int32(20_000 + n % 4) }
        var batches: [[(Fingerprint, DuplicateFilter.Counted)]] = []
        for batch in 0..<3 {
            var part = (0..<5000).map { i -> (Fingerprint, DuplicateFilter.Counted) in
                let n = UInt64(i % 7 == 0 ? i : i + 10_000 * (batch + 1))
                return (fp(n), .init(day: day(n), profile: 0, kind: .signIn, input: UInt64(batch * 10 + i % 3)))
            }
            part.sort { ($0.0.high, $0.0.low, $0.1.input) < ($1.0.high, $1.0.low, $1.1.input) }
            batches.append(part)
        }
        var plain = DuplicateFilter(capacity: 1 << 20)
        for (f, c) in batches.joined() { plain.insert(f, c) }
        let plainKept = DuplicateFilterTests.KeptByGroup()
        let expected = plain.resolve { plainKept.add($0, $1, $2.day) }.map(\.input).sorted()
        #expect(!expected.isEmpty)
        for keeping in [true, false] {
            var filter = DuplicateFilter(capacity: 1 << 20, store: MemorySpillStore())
            // As a state is read: bucket by bucket, each bucket's stream batch by batch.
            for bucket in 0..<4 {
                for part in batches {
                    for (f, c) in part where Int(c.day) % 4 == bucket { filter.insertInOrder(f, c, group: bucket) }
                }
            }
            filter.closeInOrder()
            // Every run tagged with its bucket (so the groups are resolved apart), none spanning two.
            #expect(filter.spilledRuns >= 4 && filter.runs.allSatisfy { $0.group != nil })
            #expect(Set(filter.runs.compactMap(\.group)) == [0, 1, 2, 3])
            let kept = DuplicateFilterTests.KeptByGroup()
            let found = keeping ? filter.resolve { kept.add($0, $1, $2.day) } : filter.resolve()
            #expect(found.map(\.input).sorted() == expected, "keeping \(keeping)")
            if keeping {
                // Bucket by bucket, each in fingerprint order: the plain merge's, which `all`
                // lists group by group (days 20,000–20,003 are day groups 0–3, the buckets here).
                #expect(kept.all.map(\.fingerprint) == plainKept.all.map(\.fingerprint))
            }
        }
    }

    /// Activity triples in (user, day) order within each of `segments` parts (a state's
    /// batches), the profiles of a (user, day) in no order; every 5th (user, day, profile)
    /// repeats in every part, and some counts are negative (duplicates taken back).
    func triples(segments: Int) -> [(user: UInt64, day: Int32, profile: UInt32, count: Int32)] {
        var random = SeededRandom(seed: UInt64(segments))
        var out: [(user: UInt64, day: Int32, profile: UInt32, count: Int32)] = []
        for segment in 0..<segments {
            var part: [(user: UInt64, day: Int32, profile: UInt32, count: Int32)] = []
            for i in 0..<(3000 / segments + 50) {
                let user = i % 5 == 0 ? UInt64(i) &* 0x9E37_79B9_7F4A_7C15 : (UInt64(i) &+ UInt64(segment) << 40) &* 0x9E37_79B9_7F4A_7C15
                // Several days of each user.
                for day in Set((0..<3).map { _ in Int32(20_000 + Int(random.next() % 11)) }) {
                    for profile in [UInt32(random.next() % 4), 4 + UInt32(random.next() % 4)] {
                        part.append((user, day, profile, Int32(random.next() % 5) - 1))
                    }
                }
            }
            part.sort { ($0.user, $0.day) < ($1.user, $1.day) }
            out += part
        }
        return out
    }

    /// The table's (user, day) groups with their profiles' summed counts.
    func groups(_ table: ActivityTable) -> [String] {
        var groups = table.groups()
        var sums: [(profile: UInt32, count: Int32)] = []
        var out: [String] = []
        while let (user, day) = groups.next(sums: &sums) { out.append("\(user) \(day) \(sums.map { "\($0.profile):\($0.count)" })") }
        return out
    }

    @Test("activity in order gives the same groups as activity added any way", arguments: [1, 3, 100])
    func activity(segments: Int) {
        let triples = triples(segments: segments)
        #expect(triples.count > 4 * 4096)
        var plain = ActivityTable(capacity: 1 << 20)
        for t in triples { plain.add(user: t.user, day: t.day, profile: t.profile, t.count) }
        let expected = groups(plain)
        let stores: [(any SpillStore)?] = [
            MemorySpillStore(), FailingAppends(appendsAllowed: 3), FailingAppends(appendsAllowed: 3, partly: true), FailingWrites(), nil,
        ]
        for store in stores {
            // A small window: what falls back to memory spills as usual.
            var table = ActivityTable(capacity: 1000, store: store)
            for t in triples { table.appendInOrder(user: t.user, day: t.day, profile: t.profile, t.count) }
            table.endInOrder()
            let name = store.map { "\(type(of: $0))" } ?? "no store"
            if store is MemorySpillStore { #expect(table.spilledRuns >= min(segments, InOrderRun.maxRuns), "\(name)") }
            // (More than 3 blocks of 4,096 entries in every case: the failing appends fail.)
            #expect((table.spillFailure != nil) == (store is FailingWrites || store is FailingAppends), "\(name)")
            #expect(groups(table) == expected, "\(name), \(segments) segments")
        }
    }

    @Test("activity: a part that starts with the user the last one ended with, on an earlier day, is a run of its own")
    func activityBreaksOnTheDay() {
        // Part k holds users k…k+1; it ends with user k+1 on day 20,010, and part k+1 starts
        // with that user on day 20,000: only the day says the order broke.
        var triples: [(user: UInt64, day: Int32, profile: UInt32, count: Int32)] = []
        for part in 0..<10 {
            let (first, last) = (UInt64(part + 1) << 32, UInt64(part + 2) << 32)
            triples += [(first, 20_000, 0, 1), (first, 20_005, 1, 2), (first + 7, 20_001, 0, 1), (last, 20_010, 2, 1)]
        }
        var plain = ActivityTable(capacity: 1 << 20)
        for t in triples { plain.add(user: t.user, day: t.day, profile: t.profile, t.count) }
        var table = ActivityTable(capacity: 1 << 20, store: MemorySpillStore())
        for t in triples { table.appendInOrder(user: t.user, day: t.day, profile: t.profile, t.count) }
        table.endInOrder()
        #expect(table.spilledRuns == 10)
        #expect(groups(table) == groups(plain))
    }

    @Test("records larger than what is left of a block, and than a block, are written whole")
    func largeRecords() {
        // Small records (55 bytes with their frames) up to 1,039,500 bytes, just under the
        // 1 MiB a block is written at, then one of 100 KB (past the 64 KiB of room after it),
        // one of 2 MB, and small ones again; in order.
        var records: [[UInt8]] = (0..<18_900).map { i in [0] + withUnsafeBytes(of: UInt32(i).bigEndian, Array.init) + [UInt8](repeating: 1, count: 50) }
        records.append([1] + [UInt8](repeating: 2, count: 100_000))
        records.append([2] + [UInt8](repeating: 3, count: 2_000_000))
        records += (0..<100).map { [3, UInt8($0)] }
        var log = SortedRecordLog(memoryBudget: 64 << 20, store: MemorySpillStore())
        for record in records { record.withUnsafeBytes { log.appendInOrder($0) } }
        log.endInOrder()
        #expect(log.spilledRuns == 1 && log.count == 0)
        #expect(Self.sortedOut(&log) == records)
    }

    @Test("entries are encoded whole into memory that held anything before (an in-order block is reused)")
    func encodedWhole() {
        var raw = [UInt8](repeating: 0xA5, count: 2 * 48)
        raw.withUnsafeMutableBytes { FingerprintLog.encode(fp(7), .init(day: 1, profile: 2, kind: .signIn, input: 3), into: $0, at: 48) }
        #expect(raw[48 + 42..<96].allSatisfy { $0 == 0 }, "a fingerprint entry's padding")
        raw = [UInt8](repeating: 0xA5, count: ActivityTable.entryBytes)
        raw.withUnsafeMutableBytes { ActivityTable.encode(.init(user: 1, day: 2, profile: 3), 4, into: $0, at: 0) }
        #expect(raw[20..<24].allSatisfy { $0 == 0 }, "an activity entry's padding")
    }

    @Test("a spill the store cannot take: the run is dropped, its records stay in memory, none lost", arguments: [false, true])
    func failingSpill(partly: Bool) {
        var random = SeededRandom(seed: 13)
        let records = Self.records(segments: 1, each: 3000, seed: 13).shuffled(using: &random)
        // A 20 KB budget: several spills; the store takes the first one's block only.
        var log = SortedRecordLog(memoryBudget: 20_000, store: FailingAppends(appendsAllowed: 1, partly: partly))
        for record in records {
            log.append { $0.append(contentsOf: record) }
            if log.isFull { log.spill() }
        }
        #expect(log.spillFailure != nil && log.spilledRuns == 1)
        #expect(Self.sortedOut(&log) == records.sorted { $0.lexicographicallyPrecedes($1) })
    }
}
