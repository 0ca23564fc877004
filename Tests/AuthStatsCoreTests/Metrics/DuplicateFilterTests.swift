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
        func copy(_ day: Int32) -> DuplicateFilter.Counted { .init(day: day, profile: 0, kind: .signIn, input: 5) }
        for capacity in [1, 2, 100] {
            var filter = DuplicateFilter(capacity: capacity, store: MemorySpillStore())
            filter.insert(fp(9), copy(1))
            filter.insert(fp(9), copy(2))
            filter.insert(fp(9), copy(3))
            #expect(filter.resolve().map(\.day) == [2, 3], "capacity \(capacity)")
        }
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
        filter.insert(fp(3), counted(3))  // the fifth: the window spills
        #expect(filter.spilledRuns == 1 && filter.windowFingerprints() == nil)
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
