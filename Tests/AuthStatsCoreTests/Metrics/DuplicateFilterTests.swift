import Foundation
import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

@Suite("Duplicates in bounded memory (docs/metrics.md \"Duplicates\")")
struct DuplicateFilterTests {
    func fp(_ n: UInt64) -> Fingerprint { Fingerprint(high: n &* 0x9E37_79B9_7F4A_7C15, low: n) }
    func counted(_ input: UInt64, day: Int32 = 1) -> DuplicateFilter.Counted { .init(day: day, profile: 0, kind: .signIn, input: input) }

    @Test("Fingerprint.of is the fingerprint of the tag and the id, or of the tag and the fields")
    func fingerprintOf() {
        #expect(Fingerprint.of("cloudtrail", id: "e-1") { ["x"] } == Fingerprint(fields: ["cloudtrail", "e-1"]))
        #expect(Fingerprint.of("cloudtrail", id: nil) { ["SignUp", "17", ""] } == Fingerprint(fields: ["cloudtrail", "SignUp", "17", ""]))
        #expect(Fingerprint.of("a", id: "bc") { [] } != Fingerprint.of("ab", id: "c") { [] })
    }

    @Test("duplicates inside a window and across windows are found when resolving; the first copy stays")
    func windows() {
        let store = MemorySpillStore()
        var filter = DuplicateFilter(capacity: 4, store: store)
        // Window 1: 1, 2, 3, 4 (spilled). Window 2: 1 (a copy across windows), 4, 5, 4 (both
        // copies of 4 across windows, one also inside the window; spilled). Window 3, still in
        // memory: 2 (across windows), 5 (a copy of window 2's).
        let sequence: [(UInt64, UInt64)] = [(1, 0), (2, 0), (3, 0), (4, 1), (1, 1), (4, 2), (5, 2), (4, 2), (2, 3), (5, 4)]
        for (n, input) in sequence { filter.insert(fp(n), counted(input)) }
        #expect(store.written == 2)
        #expect(filter.inMemory == 2)
        let found = filter.resolve()
        // Every later copy: 1 from input 1, 4 twice from input 2, 2 from input 3, 5 from input 4.
        #expect(found.map(\.input).sorted() == [1, 2, 2, 3, 4])
        #expect(filter.spilledRuns == 0 && filter.inMemory == 0 && filter.isResolved)
        // Without a store, the same answer from memory.
        var unbounded = DuplicateFilter(capacity: 4)
        for (n, input) in sequence { unbounded.insert(fp(n), counted(input)) }
        #expect(unbounded.resolve().map(\.input).sorted() == [1, 2, 2, 3, 4])
    }

    @Test("two copies in one input: the first read is kept, in memory and spilled")
    func sameInput() {
        // Three deliveries of one record, told apart by the profile each was counted under.
        func copy(_ profile: UInt32) -> DuplicateFilter.Counted { .init(day: 1, profile: profile, kind: .signIn, input: 5) }
        for capacity in [1, 2, 100] {
            var filter = DuplicateFilter(capacity: capacity, store: MemorySpillStore())
            filter.insert(fp(9), copy(1))
            filter.insert(fp(9), copy(2))
            filter.insert(fp(9), copy(3))
            #expect(filter.resolve().map(\.profile) == [2, 3], "capacity \(capacity)")
        }
    }

    @Test("the same key on two days is two events: each day's first copy is kept, in memory, spilled and by group")
    func sameKeyTwoDays() {
        // Key 9 on day 1 (inputs 0, 2, 4) and on day 9 (inputs 1, 3): the same day group (9 & 7
        // = 1), so one merge of the group sees them interleaved by input. Key 10 on day 2 and
        // day 3 (two groups). Duplicates: day 1's inputs 2 and 4, day 9's input 3; no copy of 10.
        let deliveries: [(UInt64, Int32, UInt64)] = [(9, 1, 0), (9, 9, 1), (9, 1, 2), (9, 9, 3), (9, 1, 4), (10, 2, 5), (10, 3, 6)]
        for capacity in [1, 3, 100] {
            var filter = DuplicateFilter(capacity: capacity, store: MemorySpillStore())
            for (n, day, input) in deliveries { filter.insert(fp(n), counted(input, day: day)) }
            let kept = KeptByGroup()
            let found = filter.resolve { kept.add($0, $1, $2.day) }
            #expect(found.map { "\($0.day) \($0.input)" }.sorted() == ["1 2", "1 4", "9 3"], "capacity \(capacity)")
            #expect(kept.all.map { "\($0.group) \($0.day)" }.sorted() == ["1 1", "1 9", "2 2", "3 3"], "capacity \(capacity)")
        }
    }

    @Test("in memory: the copies, in order, and the first copies kept in place, as the rules read them one by one")
    func inMemoryByTheRules() {
        // 600 deliveries of 40 keys on 3 days from 9 inputs, in a scrambled order; each told
        // apart by its profile (its delivery number), half with a user.
        var random = SeededRandom(seed: 5)
        var deliveries: [(Fingerprint, DuplicateFilter.Counted)] = []
        for n in 0..<600 {
            let key = UInt64.random(in: 0..<40, using: &random)
            let counted = DuplicateFilter.Counted(
                day: Int32.random(in: 1...3, using: &random), profile: UInt32(n), kind: n % 3 == 0 ? .signUp : .signIn,
                input: UInt64.random(in: 0..<9, using: &random), user: n % 2 == 0 ? UInt64(n) * 77 : nil)
            deliveries.append((fp(key), counted))
        }
        // The rules: by (fingerprint, input), then the order read; the first of each key on
        // each day stays, every later one on that day is a copy.
        let sorted = deliveries.indices.sorted {
            let (a, b) = (deliveries[$0], deliveries[$1])
            return (a.0.high, a.0.low, a.1.input, $0) < (b.0.high, b.0.low, b.1.input, $1)
        }
        var seen = Set<String>()
        var copies: [UInt32] = []
        var firsts: [UInt32] = []
        for i in sorted {
            let (f, c) = deliveries[i]
            if seen.insert("\(f.high) \(f.low) \(c.day)").inserted { firsts.append(c.profile) } else { copies.append(c.profile) }
        }
        #expect(copies.count > 400 && firsts.count > 80)
        var filter = DuplicateFilter(capacity: 1_000)
        for (f, c) in deliveries { filter.insert(f, c) }
        var kept: [DuplicateFilter.Counted] = []
        let found = filter.resolve { _, _, counted in kept.append(counted) }
        #expect(found.map(\.profile) == copies)
        #expect(kept.map(\.profile) == firsts)
        // Each delivery whole: its day, kind, input and user.
        let byProfile = Dictionary(uniqueKeysWithValues: deliveries.map { ($0.1.profile, $0.1) })
        #expect((found + kept).allSatisfy { $0 == byProfile[$0.profile] })
        // The first copies stay in the window, in fingerprint order: resolved again, no copy.
        #expect(!filter.isResolved && filter.inMemory == firsts.count)
        var again: [UInt32] = []
        #expect(filter.resolve { _, _, counted in again.append(counted.profile) }.isEmpty)
        #expect(again == firsts)
    }

    @Test("200 copies of one event, inputs in reverse: the earliest input's is kept, in memory and spilled")
    func manyCopies() {
        // One bucket of the window's sort holds them all (past its insertion-sort size).
        for capacity in [1_000, 64] {
            var filter = DuplicateFilter(capacity: capacity, store: MemorySpillStore())
            for input in (0..<200).reversed() { filter.insert(fp(7), counted(UInt64(input))) }
            filter.insert(fp(8), counted(0))
            let found = filter.resolve()
            #expect(found.map(\.input).sorted() == Array(1..<200).map(UInt64.init), "capacity \(capacity)")
        }
    }

    /// Lines with many duplicate deliveries, far apart and close together, over 3 streams.
    var streams: [(String, [UInt8])] {
        var lines: [PinpointLine] = []
        for i in 0..<400 {
            let j = (i * 7) % 97  // 97 distinct records, each delivered about 4 times, far apart
            lines.append(PinpointLine(j % 3 == 0 ? "_userauth.sign_in" : "pageView", at: 1_700_000_000_000 + Int64(j) * 3_600_000,
                                      user: "u\(j % 37)", client: "c\(j % 37)", platform: ["ios", "android"][j % 2]))
        }
        let text = lines.map(\.json)
        return [("a", text[0..<150]), ("b", text[150..<300]), ("c", text[300...])].map { name, part in
            (name, Array((part.joined(separator: "\n") + "\n").utf8))
        }
    }

    @Test("a tiny window with spilling gives exactly the reports and per-input counts of an unbounded one")
    func spillingIsExact() {
        let unbounded = InMemoryRun(streams)
        let store = MemorySpillStore()
        let spilled = InMemoryRun(streams, dedupCapacity: 7, spill: store)
        #expect(store.written > 10)
        #expect(spilled.reports == unbounded.reports)
        #expect(spilled.inputs == unbounded.inputs)
        #expect(unbounded.inputs.reduce(0) { $0 + $1.duplicates } > 100)
    }

    @Test("merging accumulators that both spilled equals one sequential run")
    func mergeSpilled() {
        let whole = InMemoryRun(streams).accumulator
        let parts = streams.map { InMemoryRun.unresolved([$0], dedupCapacity: 5, spill: MemorySpillStore()) }
        #expect(parts.allSatisfy { $0.dedup.spilledRuns > 3 })
        var merged = parts[0]
        merged.merge(parts[1])
        merged.merge(parts[2])
        _ = merged.resolveDuplicates()
        #expect(merged.events == whole.events)
        #expect(merged.duplicates == whole.duplicates)
        let a = ReportBuilder.build(merged, range: merged.dayBounds), b = ReportBuilder.build(whole, range: whole.dayBounds)
        #expect(a.daily == b.daily)
        #expect(a.monthly == b.monthly)
        #expect(a.breakdown == b.breakdown)
        #expect(a.range == b.range)
    }

    @Test("the first words and days of the fingerprints in the window (what a night's state reading keeps), none once spilled")
    func highWords() throws {
        var filter = DuplicateFilter(capacity: 5, store: MemorySpillStore())
        for n in [1, 2, 0, 2] as [UInt64] { filter.insert(fp(n), counted(n, day: n == 0 ? -3 : 40)) }
        let batch = try #require(filter.windowFingerprints())
        #expect(batch.highWords.count == 3)
        for n in [0, 1, 2] as [UInt64] { #expect(batch.highWords.contains(fp(n).high)) }
        #expect(!batch.highWords.contains(fp(3).high) && !batch.highWords.contains(1))
        #expect(batch.days == [40, -3])
        // The fifth (day 1): the window spills, a run for each day group (40, −3 and 1: groups 0, 5, 1).
        filter.insert(fp(3), counted(3))
        #expect(filter.spilledRuns == 3 && filter.windowFingerprints() == nil)
    }

    /// 6,000 deliveries of 2,000 records over 12 days; every 5th record is delivered three times
    /// (inputs far apart, so the copies land in different spills), the rest once. A copy has
    /// its record's day.
    var deliveries: [(Fingerprint, DuplicateFilter.Counted)] {
        var out: [(Fingerprint, DuplicateFilter.Counted)] = []
        for round in 0..<3 {
            for n in 0..<2000 where round == 0 || n % 5 == 0 {
                out.append((fp(UInt64(n)), .init(day: Int32(20_000 + n % 12), profile: 0, kind: .signIn, input: UInt64(round * 7 + n % 3))))
            }
        }
        return out
    }

    /// What `resolve(keepByGroup:)` hands out, by group (the calls may come from two threads).
    final class KeptByGroup: @unchecked Sendable {
        private let lock = NSLock()
        private var kept: [Int: [(Fingerprint, Int32)]] = [:]
        func add(_ group: Int, _ fingerprint: Fingerprint, _ day: Int32) {
            lock.lock()
            kept[group, default: []].append((fingerprint, day))
            lock.unlock()
        }
        /// Group by group, each group's in the order handed out.
        var all: [(group: Int, fingerprint: Fingerprint, day: Int32)] {
            lock.lock()
            defer { lock.unlock() }
            return kept.keys.sorted().flatMap { g in kept[g]!.map { (g, $0.0, $0.1) } }
        }
    }

    @Test("the window spills a run for each day group, and the groups, resolved apart on two threads, give one merge's copies and first copies")
    func spilledByGroup() {
        // The oracle: everything in memory, one merge.
        var plain = DuplicateFilter(capacity: 1 << 20)
        for (f, c) in deliveries { plain.insert(f, c) }
        let plainKept = KeptByGroup()
        let expected = plain.resolve { plainKept.add($0, $1, $2.day) }.map { "\($0.day) \($0.input)" }.sorted()
        #expect(expected.count == 800)  // 400 records, two copies each
        for keeping in [true, false] {
            var filter = DuplicateFilter(capacity: 650, store: MemorySpillStore())
            for (f, c) in deliveries { filter.insert(f, c) }
            #expect(filter.spilledRuns == 4 * 8 && filter.inMemory == 200)  // 2,800 deliveries: 4 spills of 650, 8 groups each
            // Every run holds the one day group it is tagged with.
            #expect(filter.runs.allSatisfy { $0.group != nil })
            #expect(Set(filter.runs.compactMap(\.group)) == Set(0..<8))
            let kept = KeptByGroup()
            let found = keeping ? filter.resolve { kept.add($0, $1, $2.day) } : filter.resolve()
            #expect(found.map { "\($0.day) \($0.input)" }.sorted() == expected, "keeping \(keeping)")
            #expect(filter.isResolved && filter.spilledRuns == 0 && filter.inMemory == 0)
            if keeping {
                // Each fingerprint in its day's group, each group's in fingerprint order: the
                // one merge's, group by group.
                #expect(kept.all.allSatisfy { $0.group == DuplicateFilter.group(ofDay: $0.day) })
                #expect(kept.all.map(\.fingerprint) == plainKept.all.map(\.fingerprint))
                #expect(kept.all.count == 2000)
            }
        }
    }

    @Test("a spill that fails part-way through its groups keeps the whole window: nothing counted twice", arguments: [3, 11])
    func spillFailsPartWay(appendsAllowed: Int) {
        var plain = DuplicateFilter(capacity: 1 << 20)
        for (f, c) in deliveries { plain.insert(f, c) }
        let expected = plain.resolve().map { "\($0.day) \($0.input)" }.sorted()
        // Each group's run is one append here (fewer than 4,096 entries): the first spill
        // fails at its fourth group (3), or the second spill at its fourth (11).
        let store = InOrderRunTests.FailingAppends(appendsAllowed: appendsAllowed)
        var filter = DuplicateFilter(capacity: 650, store: store)
        for (f, c) in deliveries { filter.insert(f, c) }
        #expect(filter.spillFailure != nil)
        #expect(filter.spilledRuns == (appendsAllowed == 3 ? 0 : 8))
        // The failed spill's runs, the three written before the failing one too, are gone.
        #expect(store.held == filter.spilledRuns)
        #expect(filter.resolve().map { "\($0.day) \($0.input)" }.sorted() == expected)
    }
}

@Suite("Merging workers: the copy from the earliest input is kept, whatever the merge order")
struct MergeOrderTests {
    @Test("merging in reverse order gives the same reports and per-input counts")
    func reverseMerge() {
        // Three streams; the same sign-in delivered in streams 0 and 2 with different platforms
        // (the dimensions of the copy that is kept decide the breakdown).
        let a = PinpointLine("_userauth.sign_in", iso: "2026-01-01T10:00:00Z", user: "u", platform: "ios")
        var b = a
        b.platform = "android"
        let streams: [(String, [UInt8])] = [
            ("0", Array([a].ndjson.utf8)),
            ("1", Array([PinpointLine("pageView", iso: "2026-01-01T11:00:00Z", user: "v")].ndjson.utf8)),
            ("2", Array([b].ndjson.utf8)),
        ]
        let parts = streams.enumerated().map { index, stream -> MetricsAccumulator in
            InMemoryRun.unresolved([stream], dedupCapacity: 4, spill: MemorySpillStore(), firstPosition: index)
        }
        var forward = parts[0]
        forward.merge(parts[1])
        forward.merge(parts[2])
        var backward = parts[2]
        backward.merge(parts[1])
        backward.merge(parts[0])
        _ = forward.resolveDuplicates()
        _ = backward.resolveDuplicates()
        let f = ReportBuilder.build(forward, range: forward.dayBounds)
        let r = ReportBuilder.build(backward, range: backward.dayBounds)
        #expect(f.daily == r.daily)
        #expect(f.breakdown.filter { $0.dimension == .platform }.map { "\($0.value) \($0.signIns)" } == ["(unknown) 0", "ios 1"])
        #expect(r.breakdown.filter { $0.dimension == .platform }.map { "\($0.value) \($0.signIns)" } == ["(unknown) 0", "ios 1"])
    }
}

@Suite("Activity triples in bounded memory")
struct ActivityTableTests {
    @Test("spilled runs, counts taken back, and merged shards give the in-memory answer")
    func groups() {
        var table = ActivityTable(capacity: 3, store: MemorySpillStore())
        // user 1: day 10 under profiles 0 and 1 (profile 1 taken back later), day 12 profile 0;
        // user 2: day 10 profile 2 twice; user 3: day 11 only by an event taken back.
        table.add(user: 2, day: 10, profile: 2, 1)
        table.add(user: 1, day: 10, profile: 0, 1)
        table.add(user: 1, day: 10, profile: 1, 1)  // spills the first three
        table.add(user: 3, day: 11, profile: 0, 1)
        table.add(user: 1, day: 12, profile: 0, 1)
        table.add(user: 2, day: 10, profile: 2, 1)  // spills again
        table.add(user: 1, day: 10, profile: 1, -1)
        table.add(user: 3, day: 11, profile: 0, -1)
        #expect(table.spilledRuns == 2)
        var groups = table.groups()
        var seen: [String] = []
        var profiles: [UInt32] = []
        while let (user, day) = groups.next(profiles: &profiles) { seen.append("\(user) \(day) \(profiles)") }
        #expect(seen == ["1 10 [0]", "1 12 [0]", "2 10 [2]", "3 11 []"])
    }
}
