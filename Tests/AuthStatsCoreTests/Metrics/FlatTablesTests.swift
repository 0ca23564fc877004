import AuthStatsTestSupport
import Dispatch
import Testing

@testable import AuthStatsCore

/// The open-addressing tables of the hot path, against the standard library's collections.
@Suite("Flat tables: user set, activity triples, fingerprint sort, active-user grid, profiles, counters")
struct FlatTablesTests {
    @Test("UserHashSet counts what Set<UInt64> counts, 0 and collisions included")
    func userSet() {
        var rng = SeededRandom(seed: 7)
        var set = UserHashSet()
        var reference = Set<UInt64>()
        var previous: UInt64 = 5
        for i in 0..<50_000 {
            // Repeats (right after themselves too: runs of one user's events, also across
            // the table's growth), 0, and values equal in their low bits (the slot index).
            let value: UInt64 = i % 13 == 0 ? previous : i % 7 == 0 ? UInt64(i % 100) << 40 : i % 11 == 0 ? 0 : rng.next() % 30_000
            previous = value
            let inserted = set.insert(value)
            let expected = reference.insert(value).inserted
            #expect(inserted == expected)
            #expect(set.count == reference.count)
        }
        #expect(set.count == reference.count)
        var other = UserHashSet()
        for v in [UInt64(0), 1, 2, 99_999_999] { other.insert(v) }
        set.formUnion(other)
        reference.formUnion([0, 1, 2, 99_999_999])
        #expect(set.count == reference.count)
        // Ascending, each once, 0 first; and the contains of every value, and of values not in it.
        #expect(set.sorted() == reference.sorted())
        for value in reference { #expect(set.contains(value)) }
        #expect(!set.contains(30_000) && !set.contains(UInt64.max))
        // Unions of large sets, either one the larger, overlapping, 0 in one of them.
        for (a, b) in [(3_000, 20_000), (20_000, 3_000), (5_000, 5_000)] {
            var left = UserHashSet()
            var right = UserHashSet()
            var expected = Set<UInt64>()
            for i in 0..<a {
                let value = i == 7 ? 0 : rng.next() % 40_000
                left.insert(value)
                expected.insert(value)
            }
            for _ in 0..<b {
                let value = rng.next() % 40_000
                right.insert(value)
                expected.insert(value)
            }
            left.formUnion(right)
            #expect(left.count == expected.count && left.sorted() == expected.sorted(), "\(a) ∪ \(b)")
            left.insert(1 << 50)
            #expect(left.contains(1 << 50) && left.count == expected.count + 1)
        }
        // Room reserved first (as a restore does), more or fewer than then come, and after some
        // are in: the same set, every hash kept.
        for (reserved, added) in [(10_000, 4_000), (1_000, 9_000), (0, 100)] {
            var set = UserHashSet()
            var expected = Set<UInt64>()
            for _ in 0..<50 {
                let value = rng.next()
                set.insert(value)
                expected.insert(value)
            }
            set.reserve(set.count + reserved)
            for i in 0..<added {
                let value = i == 3 ? 0 : rng.next() % 1_000_000
                set.insert(value)
                expected.insert(value)
            }
            #expect(set.count == expected.count && set.sorted() == expected.sorted(), "\(reserved) reserved, \(added) added")
        }
        // Into an empty set: the other set as it stands (0 included), and each then grows apart.
        var source = UserHashSet()
        var expected = Set<UInt64>()
        for value in [0] + (0..<5_000).map({ _ in rng.next() % 40_000 }) {
            source.insert(value)
            expected.insert(value)
        }
        var empty = UserHashSet()
        empty.formUnion(source)
        #expect(empty.count == source.count && empty.sorted() == expected.sorted() && empty.contains(0))
        empty.insert(1 << 51)
        source.insert(1 << 52)
        #expect(empty.contains(1 << 51) && !empty.contains(1 << 52) && empty.count == expected.count + 1)
        #expect(source.contains(1 << 52) && !source.contains(1 << 51) && source.count == expected.count + 1)
        var spread = UserHashSet()
        for _ in 0..<10_000 { spread.insert(rng.next()) }  // the whole range: many buckets
        var all: [UInt64] = []
        spread.forEach { all.append($0) }
        #expect(spread.sorted() == all.sorted())
    }

    @Test("TripleCounts sums deltas per triple and lists them sorted, zero counts kept")
    func triples() {
        var rng = SeededRandom(seed: 11)
        var table = TripleCounts()
        var reference: [ActivityTable.Key: Int32] = [:]
        var previous = ActivityTable.Key(user: 0, day: 0, profile: 0)
        for i in 0..<20_000 {
            // Every third repeats the one before (a run of one user's events), also across growth.
            let key = i % 3 == 0 ? previous : ActivityTable.Key(user: rng.next() % 500, day: Int32(rng.next() % 9) - 4, profile: UInt32(rng.next() % 3))
            previous = key
            let delta: Int32 = rng.next() % 5 == 0 ? -1 : 1
            table.add(key, delta)
            reference[key, default: 0] += delta
        }
        // Any day is a real one, even Int32.min (a wild timestamp, truncated).
        for key in [ActivityTable.Key(user: 1, day: .min, profile: 0), ActivityTable.Key(user: 0, day: 0, profile: 0)] {
            table.add(key, 1)
            reference[key, default: 0] += 1
        }
        let listed = table.sorted()
        #expect(listed.count == reference.count)
        #expect(listed.map(\.0) == reference.keys.sorted { ($0.user, $0.day, $0.profile) < ($1.user, $1.day, $1.profile) })
        #expect(listed.allSatisfy { reference[$0.0] == $0.1 })
        table.removeAll()
        #expect(table.isEmpty && table.sorted().isEmpty)
        // The last key added is not remembered past emptying.
        table.add(previous, 2)
        #expect(table.count == 1 && table.sorted().map(\.1) == [2])
    }

    @Test("A batch at a time (MetricsAccumulator.settle) equals one at a time: users, triples, and an activity table that spills")
    func batches() {
        var rng = SeededRandom(seed: 17)
        // Batches of every size up to the accumulator's, through the tables' growth; 0, repeats
        // inside a batch, hashes already in the set, and hashes equal in their low bits.
        var set = UserHashSet()
        var one = Set<UInt64>()
        var triples = TripleCounts()
        var reference: [ActivityTable.Key: Int32] = [:]
        let store = MemorySpillStore()
        var spilling = ActivityTable(capacity: 300, store: store)
        var spillingReference = ActivityTable(capacity: 1 << 20)
        for round in 0..<400 {
            let size = round % 7 == 0 ? MetricsAccumulator.batchSize : 1 + Int(rng.next() % 40)
            var hashes: [UInt64] = []
            var keys: [ActivityTable.Key] = []
            for i in 0..<size {
                let hash: UInt64 =
                    i > 0 && i % 5 == 0 ? hashes[i - 1] : i % 9 == 0 ? 0 : i % 4 == 0 ? UInt64(rng.next() % 50) << 44 : rng.next() % 20_000
                hashes.append(hash)
                keys.append(ActivityTable.Key(user: hash % 3_000, day: Int32(rng.next() % 5), profile: UInt32(rng.next() % 2)))
            }
            hashes.withUnsafeBufferPointer { set.insert(contentsOf: $0) }
            for hash in hashes { one.insert(hash) }
            #expect(set.count == one.count)
            keys.withUnsafeBufferPointer { triples.addOne(contentsOf: $0) }
            keys.withUnsafeBufferPointer { spilling.addOne(contentsOf: $0) }
            for key in keys {
                reference[key, default: 0] += 1
                spillingReference.add(user: key.user, day: key.day, profile: key.profile, 1)
            }
            // Now and then a count taken back one at a time in between, as a duplicate's is.
            if round % 11 == 0, let key = keys.first {
                triples.add(key, -1)
                reference[key]! -= 1
                spilling.add(user: key.user, day: key.day, profile: key.profile, -1)
                spillingReference.add(user: key.user, day: key.day, profile: key.profile, -1)
            }
        }
        #expect(set.sorted() == one.sorted() && set.contains(0))
        // Batches of hashes all in the set already: the table does not grow for them.
        let present = Array(one.prefix(MetricsAccumulator.batchSize))
        var full = UserHashSet()
        for hash in one { full.insert(hash) }
        var extra: UInt64 = 1 << 60
        while full.count < full.capacity { full.insert(extra); extra += 1 }
        let before = full.capacity
        for _ in 0..<20 { present.withUnsafeBufferPointer { full.insert(contentsOf: $0) } }
        #expect(full.count == full.capacity && full.capacity == before)
        // The same for triples: a full window counting triples it holds does not grow.
        var counted = TripleCounts()
        var fill: UInt64 = 0
        while counted.count < counted.capacity { counted.add(ActivityTable.Key(user: fill, day: 1, profile: 0), 1); fill += 1 }
        let held = (0..<UInt64(MetricsAccumulator.batchSize)).map { ActivityTable.Key(user: $0 * 3, day: 1, profile: 0) }
        let roomBefore = counted.capacity
        for _ in 0..<20 { held.withUnsafeBufferPointer { counted.addOne(contentsOf: $0) } }
        #expect(counted.count == counted.capacity && counted.capacity == roomBefore)
        #expect(counted.sorted().first { $0.0.user == 3 }?.1 == 21)
        // One new triple among them: now it grows, and every count is kept.
        let oneNew = held + [ActivityTable.Key(user: fill, day: 1, profile: 0)]
        oneNew.withUnsafeBufferPointer { counted.addOne(contentsOf: $0) }
        #expect(counted.capacity > roomBefore && counted.count == Int(fill) + 1)
        #expect(counted.sorted().first { $0.0.user == 3 }?.1 == 22 && counted.sorted().last?.1 == 1)
        let listed = triples.sorted()
        #expect(listed.count == reference.count && listed.allSatisfy { reference[$0.0] == $0.1 })
        #expect(spilling.spilledRuns > 0)
        func sums(_ table: inout ActivityTable) -> [ActivityTable.Key: Int32] {
            var groups = table.groups()
            var sums: [(profile: UInt32, count: Int32)] = []
            var all: [ActivityTable.Key: Int32] = [:]
            while let (user, day) = groups.next(sums: &sums) {
                for (profile, count) in sums { all[ActivityTable.Key(user: user, day: day, profile: profile)] = count }
            }
            return all
        }
        #expect(sums(&spilling) == sums(&spillingReference))
        // A batch larger than the window: in whole, then spilled (the window holds at most its
        // capacity and one batch).
        var small = ActivityTable(capacity: 10, store: store)
        let many = (0..<50).map { ActivityTable.Key(user: UInt64($0), day: 0, profile: 0) }
        many.withUnsafeBufferPointer { small.addOne(contentsOf: $0) }
        #expect(small.spilledRuns == 1)
        var smallReference = ActivityTable(capacity: 1 << 20)
        for key in many { smallReference.add(user: key.user, day: key.day, profile: key.profile, 1) }
        #expect(sums(&small) == sums(&smallReference))
    }

    @Test("A user set shared by threads, each putting in batches at once, holds what one set of them all holds")
    func sharedUsers() {
        let shared = SharedUserSet()
        let threads = 4
        // Each thread's batches overlap the others' (the same users, read by two workers) and
        // grow the table many times over while the others wait.
        let batches: [[[UInt64]]] = (0..<threads).map { t in
            var rng = SeededRandom(seed: UInt64(100 + t))
            return (0..<300).map { _ in (0..<Int(1 + rng.next() % 256)).map { _ in rng.next() % 60_000 } }
        }
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for batch in batches[t] { batch.withUnsafeBufferPointer { shared.insert(contentsOf: $0) } }
        }
        let expected = Set(batches.joined().joined())
        let taken = shared.take()
        #expect(taken.count == expected.count && taken.sorted() == expected.sorted())
    }

    @Test("Two workers' accumulators sharing a user set, their events settled in batches: the users and activity of one accumulator of all")
    func accumulatorsShareUsers() {
        func event(_ n: Int, user: Int, kind: EventKind) -> Event {
            Event(
                time: Int64(n) * 1_000, source: .pinpoint, kind: kind, user: "u\(user)", fingerprint: Fingerprint(fields: ["e\(n)"]),
                dimensions: DimensionValues())
        }
        let shared = SharedUserSet()
        var workers = [MetricsAccumulator(), MetricsAccumulator()]
        var one = MetricsAccumulator()
        for w in workers.indices { workers[w].shareUsers(shared) }
        // More than a batch each, users in runs and shared between the workers, some events
        // without activity (a failure's user is a user all the same).
        for n in 0..<1_500 {
            let user = (n / 3) % 400 + (n % 7 == 0 ? 1_000 : 0)
            let kind: EventKind = n % 5 == 0 ? .authFailure : .signIn
            let day = Day(index: Int32(n % 4))
            workers[n % 2].add(event(n, user: user, kind: kind), day: day)
            one.add(event(n, user: user, kind: kind), day: day)
        }
        #expect(!workers[0].isSettled)
        for w in workers.indices { workers[w].workerDone() }
        workers[0].stopSharingUsers(taking: true)
        workers[1].stopSharingUsers(taking: false)
        var merged = workers[0]
        merged.merge(workers[1])
        _ = merged.resolveDuplicates()
        _ = one.resolveDuplicates()
        #expect(merged.userCount == one.userCount && merged.settledUsers.sorted() == one.settledUsers.sorted())
        func triples(_ acc: MetricsAccumulator) -> [String] {
            var groups = acc.activity.groups()
            var sums: [(profile: UInt32, count: Int32)] = []
            var all: [String] = []
            while let (user, day) = groups.next(sums: &sums) { all.append("\(user) \(day) \(sums.map(\.count))") }
            return all
        }
        #expect(triples(merged) == triples(one) && !triples(one).isEmpty)
    }

    @Test(
        "ActivityTable: workers' tables ended by workerDone (sorted in memory, or spilled) and merged with a profile map give the sums of one table",
        arguments: [false, true])
    func workersMerged(smallMerge: Bool) {
        var rng = SeededRandom(seed: 13)
        // Three workers: one that never spills (its window sorted and kept), one that spilled
        // (the rest spilled too), one left as it was; then duplicates taken back after the merge.
        let store = MemorySpillStore()
        var workers = [ActivityTable(capacity: 1 << 20), ActivityTable(capacity: 700, store: store), ActivityTable(capacity: 1 << 20)]
        // Worker w's profile p is profile maps[w][p] of the merged table.
        let maps: [[UInt32]] = [[0, 1, 2], [2, 0, 1], [1, 2, 0]]
        var reference: [ActivityTable.Key: Int32] = [:]
        for i in 0..<6_000 {
            let w = i % 3
            let user = rng.next() % 400
            let day = Int32(rng.next() % 6)
            let profile = UInt32(rng.next() % 3)
            workers[w].add(user: user, day: day, profile: profile, 1)
            reference[ActivityTable.Key(user: user, day: day, profile: maps[w][Int(profile)]), default: 0] += 1
        }
        #expect(workers[1].spilledRuns > 0)
        workers[0].workerDone()
        workers[1].workerDone()
        // A merged table of a small window writes the sorted windows it takes in as runs (the
        // third worker's too, then: no triple comes in one by one).
        if smallMerge { workers[2].workerDone() }
        var merged = smallMerge ? ActivityTable(capacity: 500, store: store) : ActivityTable(capacity: 1 << 20)
        merged.absorb(workers[2], profileMap: maps[2])
        merged.absorb(workers[0], profileMap: maps[0])
        merged.absorb(workers[1], profileMap: maps[1])
        #expect(smallMerge ? merged.spilledRuns > workers[1].spilledRuns : merged.spilledRuns == workers[1].spilledRuns)
        for (key, _) in reference.prefix(50) {
            merged.add(user: key.user, day: key.day, profile: key.profile, -1)
            reference[key]! -= 1
        }
        var groups = merged.groups()
        var sums: [(profile: UInt32, count: Int32)] = []
        var seen: [ActivityTable.Key: Int32] = [:]
        var last: (UInt64, Int32)?
        while let (user, day) = groups.next(sums: &sums) {
            if let last { #expect(last < (user, day)) }
            last = (user, day)
            #expect(sums.map(\.profile) == sums.map(\.profile).sorted())
            for (profile, count) in sums { seen[ActivityTable.Key(user: user, day: day, profile: profile)] = count }
        }
        #expect(seen == reference)
    }

    @Test("FingerprintLog.sortedOrder: by (high, low, input), equal keys in reading order")
    func fingerprintSort() {
        var rng = SeededRandom(seed: 3)
        var log = FingerprintLog()
        var all: [Fingerprint] = []
        for i in 0..<3000 {
            // Every tenth shares its high word with another: the bucket's insertion sort must
            // order them by the low word; every 7th repeats an earlier fingerprint.
            let high = i % 10 == 0 ? 42 : rng.next()
            let f = i % 7 == 6 ? all[i / 2] : Fingerprint(high: high, low: rng.next())
            all.append(f)
            log.append(f, .init(day: Int32(i), profile: UInt32(i), kind: .signIn, input: input(i), user: i % 2 == 0 ? UInt64(i) : nil))
        }
        // Inputs out of reading order (as after a merge), some shared.
        func input(_ i: Int) -> UInt64 { UInt64((i * 37) % 11) }
        let order = log.sortedOrder().map(Int.init)
        let expected = all.indices.sorted { (all[$0].high, all[$0].low, input($0), $0) < (all[$1].high, all[$1].low, input($1), $1) }
        #expect(order == expected)
        log.bytes.withUnsafeBytes { raw in
            for i in [0, 1, 6, 2999] {
                let (f, counted) = FingerprintLog.decode(raw, at: i * FingerprintLog.entryBytes)
                #expect(f == all[i])
                #expect(counted == .init(day: Int32(i), profile: UInt32(i), kind: .signIn, input: input(i), user: i % 2 == 0 ? UInt64(i) : nil))
            }
        }
        #expect(FingerprintLog().sortedOrder().isEmpty)
    }

    @Test("ActiveUserGrid: dense and sparse give the same counts; shared values count once")
    func grid() {
        var table = DimensionTable()
        var a = DimensionValues()
        a[.platform] = "ios"
        var b = a
        b[.appVersion] = "2.0"
        let pa = table.profile(of: a)
        let pb = table.profile(of: b)
        var dense = ActiveUserGrid(table: table, days: 3)
        // More days than the dense limit allows: the same cells, kept sparse.
        var sparse = ActiveUserGrid(table: table, days: ActiveUserGrid.denseCells)
        for grid in [0, 1] {
            func add(_ day: Int, _ profiles: [UInt32]) {
                if grid == 0 { dense.addUser(day: day, profiles: profiles) } else { sparse.addUser(day: day, profiles: profiles) }
            }
            add(0, [pa])
            add(0, [pa, pb])  // one user with both: ios once, two app versions
            add(2, [pb])
        }
        let ios = table.valueID(ofProfile: pa, .platform)
        let v1 = table.valueID(ofProfile: pa, .appVersion)
        let v2 = table.valueID(ofProfile: pb, .appVersion)
        for grid in [dense, sparse] {
            #expect(grid.users(day: 0, .platform, ios) == 2)
            #expect(grid.users(day: 0, .appVersion, v1) == 2)
            #expect(grid.users(day: 0, .appVersion, v2) == 1)
            #expect(grid.users(day: 1, .platform, ios) == 0)
            #expect(grid.users(day: 2, .platform, ios) == 1)
        }
        // Every counted cell, once, with the count `users` gives; the same from both.
        struct Cell: Hashable { var day: Int, dimension: Dimension, value: UInt32, users: Int }
        var cells: [[Cell]] = []
        for grid in [dense, sparse] {
            var seen: [Cell] = []
            grid.forEachCount { seen.append(Cell(day: $0, dimension: $1, value: $2, users: $3)) }
            #expect(seen.allSatisfy { grid.users(day: $0.day, $0.dimension, $0.value) == $0.users && $0.users > 0 })
            #expect(Set(seen).count == seen.count)
            #expect(!seen.contains { $0.day == 1 })
            for cell in [Cell(day: 0, dimension: .platform, value: ios, users: 2), Cell(day: 0, dimension: .appVersion, value: v1, users: 2),
                         Cell(day: 0, dimension: .appVersion, value: v2, users: 1), Cell(day: 2, dimension: .platform, value: ios, users: 1)] {
                #expect(seen.contains(cell))
            }
            cells.append(seen)
        }
        #expect(Set(cells[0]) == Set(cells[1]))
    }

    @Test("UserTally: users per month and retention cohorts counted in arrays equal the dictionaries they replaced, folded into columns that hold counts already")
    func userTally() {
        // The plain path: a dictionary look-up for each user's month and cohort.
        func reference(_ users: [[Int32]], _ range: DayRange, _ lastDataDay: Day?) -> (months: [Month: Int], cohorts: [Int32: RetentionRow]) {
            var months: [Month: Int] = [:]
            var cohorts: [Int32: RetentionRow] = [:]
            for days in users {
                Set(days.filter { range.contains(Day(index: $0)) }.map { Day(index: $0).month }).forEach { months[$0, default: 0] += 1 }
                guard let first = days.first, range.contains(Day(index: first)), let last = lastDataDay?.index else { continue }
                var row = cohorts[first] ?? RetentionRow(cohort: Day(index: first))
                row.size += 1
                func count(_ value: inout Int?, _ target: Int32, _ hit: Bool) {
                    if target <= last { value = (value ?? 0) + (hit ? 1 : 0) }
                }
                count(&row.retainedD1, first + 1, days.contains(first + 1))
                count(&row.retainedD7, first + 7, days.contains(first + 7))
                count(&row.retainedD30, first + 30, days.contains(first + 30))
                count(&row.returned7d, first + 7, days.contains { $0 > first && $0 <= first + 7 })
                cohorts[first] = row
            }
            return (months, cohorts)
        }
        func sum(_ a: Int?, _ b: Int?) -> Int? { a == nil && b == nil ? nil : (a ?? 0) + (b ?? 0) }
        // Three months and a month's last and first day; a year's end; days before and after
        // the range; targets past the last data day, then (second fold) fewer of them, then none
        // at all (no last data day: no cohorts).
        let cases: [(DayRange, [Day?])] = [
            (DayRange(first: Day(year: 2026, month: 1, day: 20), last: Day(year: 2026, month: 3, day: 10)),
             [Day(year: 2026, month: 2, day: 20), Day(year: 2026, month: 3, day: 5)]),
            (DayRange(first: Day(year: 2025, month: 12, day: 10), last: Day(year: 2026, month: 1, day: 25)), [Day(year: 2026, month: 1, day: 20), nil]),
        ]
        var rng = SeededRandom(seed: 11)
        for (range, lastDays) in cases {
            var users: [[Int32]] = (0..<400).map { _ in
                let start = range.first.index - 5 + Int32(rng.next() % UInt64(range.count))
                var days = Set([start])
                for _ in 0..<(rng.next() % 6) { days.insert(start + Int32(rng.next() % 40)) }
                return days.sorted()
            }
            let monthEnd = range.first.month.lastDay.index
            users.append([monthEnd, monthEnd + 1])  // one user in two months on consecutive days
            var columns = UserColumns(range: range)
            var expectedMonths: [Month: Int] = [:]
            var expectedCohorts: [Int32: RetentionRow] = [:]
            for lastDataDay in lastDays {
                var tally = ReportBuilder.UserTally(range: range)
                for days in users {
                    ReportBuilder.addUser(days: days, daily: &columns.daily, tally: &tally, wau: &columns.wau, mau: &columns.mau)
                    ReportBuilder.addRetention(days: days, lastDataDay: lastDataDay, tally: &tally)
                }
                tally.fold(into: &columns)
                // Each fold adds to what the one before left; a count stays nil only when nil in both.
                let (months, cohorts) = reference(users, range, lastDataDay)
                expectedMonths.merge(months, uniquingKeysWith: +)
                expectedCohorts.merge(cohorts) { a, b in
                    var row = a
                    row.size += b.size
                    (row.retainedD1, row.retainedD7) = (sum(a.retainedD1, b.retainedD1), sum(a.retainedD7, b.retainedD7))
                    (row.retainedD30, row.returned7d) = (sum(a.retainedD30, b.retainedD30), sum(a.returned7d, b.returned7d))
                    return row
                }
                #expect(columns.months.count == Set(range.days.map(\.month)).count)
                for (month, row) in columns.months { #expect(row.activeUsers == expectedMonths[month, default: 0], "\(month)") }
                #expect(columns.cohorts == expectedCohorts)
                // The example covers what it should: no cohorts without a last data day, else
                // targets both before and after it, and some users retained.
                if lastDataDay == nil {
                    #expect(cohorts.isEmpty)
                } else {
                    #expect(cohorts.values.contains { $0.retainedD30 == nil } && cohorts.values.contains { $0.retainedD30 != nil })
                    #expect(cohorts.values.contains { ($0.retainedD1 ?? 0) > 0 })
                }
            }
        }
    }

    @Test("DimensionTable: one id per combination of values, in first-seen order, across its growth; values read back")
    func profiles() {
        var rng = SeededRandom(seed: 11)
        var table = DimensionTable()
        var reference: [DimensionValues] = []  // profile id -> values
        var known: [DimensionValues: Int] = [:]
        var valueOrder = [[String]](repeating: [], count: Dimension.allCases.count)  // per dimension, first seen first
        for i in 0..<20_000 {
            var values = DimensionValues()
            // Every dimension varies, most over a few values, so that probes meet profiles that
            // share all but one value; many versions and countries make thousands of
            // combinations; repeats (right after themselves too), unknown values and values
            // equal across dimensions.
            values[.platform] = ["ios", "android", ""][Int(rng.next() % 3)]
            values[.locale] = ["en_US", "fr_FR", Dimension.unknown][Int(rng.next() % 3)]
            values[.appVersion] = i % 5 == 0 ? "" : "1.\(rng.next() % 400)"
            values[.clientID] = ["c1", "c2"][Int(rng.next() % 2)]
            values[.country] = rng.next() % 4 == 0 ? "1.7" : "C\(rng.next() % 60)"
            values[.source] = ["pinpoint", "cloudtrail", "cognito-activity"][Int(rng.next() % 3)]
            values[.userType] = ["local", "federated", ""][Int(rng.next() % 3)]
            values[.projectID] = rng.next() % 8 == 0 ? "p\(rng.next() % 3)" : ""
            if i % 9 == 0, let last = reference.last { values = last }
            let id = table.profile(of: values)
            if let known = known[values] {
                #expect(id == UInt32(known))
            } else {
                #expect(id == UInt32(reference.count))
                known[values] = reference.count
                reference.append(values)
                for d in Dimension.allCases where !valueOrder[d.rawValue].contains(values[d]) { valueOrder[d.rawValue].append(values[d]) }
            }
        }
        #expect(table.profileCount == reference.count)
        #expect(reference.count > 5_000)
        for (id, values) in reference.enumerated() {
            #expect(table.values(ofProfile: UInt32(id)) == values)
            for d in Dimension.allCases {
                let valueID = table.valueID(ofProfile: UInt32(id), d)
                #expect(table.string(d, valueID) == values[d])
                #expect(valueOrder[d.rawValue][Int(valueID)] == values[d])
            }
        }
        // Absorbing a table maps its ids onto this one's: known combinations keep their ids.
        var other = DimensionTable()
        let ids = [reference[3], DimensionValues(), reference[0]].map { other.profile(of: $0) }
        let mapped = table.absorb(other)
        #expect(mapped[Int(ids[0])] == 3 && mapped[Int(ids[2])] == 0)
        let allUnknown = reference.firstIndex(of: DimensionValues()).map(UInt32.init) ?? UInt32(reference.count)
        #expect(mapped[Int(ids[1])] == allUnknown)  // new to this table: the next id
        #expect(table.values(ofProfile: mapped[Int(ids[1])]) == DimensionValues())
    }

    @Test("DimensionTable: values met again get their ids, however many share a recent slot, withheld or spelled alike")
    func recentValues() {
        var rng = SeededRandom(seed: 5)
        var table = DimensionTable()
        // Per dimension, the texts in first-seen order: what each value's id must index.
        var texts: [String] = []
        var seen: [[UInt8]: Int] = [:]
        // 5,000 versions over 1,024 slots share them; addresses (withheld, one text for all);
        // two spellings of one name (canonically equal, two values).
        let pool = (0..<5_000).map { "v\($0)" } + ["a@example.com", "b@example.com", "+14155550100", "caf\u{E9}", "cafe\u{301}"]
        // Each value once, then again at random (met again, from the recent slots or not).
        let draws = pool.indices.map { $0 } + (0..<30_000).map { _ in Int(rng.next() % UInt64(pool.count)) }
        for draw in draws {
            let value = pool[draw]
            var values = DimensionValues()
            values[.appVersion] = value
            values[.platform] = ["ios", "android"][Int(rng.next() % 2)]
            let id = table.profile(of: values)
            let shown = Array(Addresses.shown(value).utf8)
            if seen[shown] == nil {
                seen[shown] = texts.count
                texts.append(Addresses.shown(value))
            }
            let valueID = table.valueID(ofProfile: id, .appVersion)
            #expect(Array(table.string(.appVersion, valueID).utf8) == shown)
            #expect(Int(valueID) == seen[shown])
        }
        #expect(texts.filter { $0 == "(withheld)" }.count == 1)
        #expect(texts.count == 5_003)
        #expect(table.hasRecentSlots)
        // A table that looks few profiles up (a small project's) makes no slots.
        var small = DimensionTable()
        for value in pool.prefix(DimensionTable.recentAfter - 1) {
            var values = DimensionValues()
            values[.appVersion] = value
            _ = small.profile(of: values)
        }
        #expect(!small.hasRecentSlots)
    }

    @Test("DimensionValues: unknown where unset or empty; equal values are equal and hash alike however they were set")
    func dimensionValues() {
        var a = DimensionValues()
        var b = DimensionValues()
        b[.locale] = ""
        b[.country] = Dimension.unknown
        #expect(a == b && a.hashValue == b.hashValue)  // both unset: setting unknown makes nothing
        #expect(Dimension.allCases.allSatisfy { b[$0] == Dimension.unknown })
        b[.platform] = "ios"
        #expect(a != b)
        a[.platform] = "ios"
        #expect(a == b && a.hashValue == b.hashValue)
        b[.platform] = ""
        #expect(b == DimensionValues() && b.hashValue == DimensionValues().hashValue)
        var c = a
        c[.appVersion] = "2.0"
        #expect(a[.appVersion] == Dimension.unknown && c[.appVersion] == "2.0" && c[.platform] == "ios")
        #expect(c.values == ["ios", Dimension.unknown, "2.0"] + Array(repeating: Dimension.unknown, count: Dimension.allCases.count - 3))
    }

    @Test("CounterTable lists each (day, profile) with events once, and leaves out those taken back to nothing")
    func counterTable() {
        var rng = SeededRandom(seed: 5)
        var table = CounterTable()
        var reference: [MetricsAccumulator.DayProfile: MetricsAccumulator.Counters] = [:]
        let kinds: [EventKind] = [.signIn, .signUp, .authFailure, .session]
        for _ in 0..<30_000 {
            let key = MetricsAccumulator.DayProfile(day: Int32(rng.next() % 90) - 20, profile: UInt32(rng.next() % 300))
            let kind = kinds[Int(rng.next() % 4)]
            table.add(key, kind)
            reference[key, default: .init()].add(kind)
        }
        // Some taken back whole (duplicates found at the end): their rows stay, empty, unlisted.
        for (key, counters) in reference.prefix(50) {
            for kind in kinds {
                let n = kind == .signIn ? counters.signIns : kind == .signUp ? counters.signUps : kind == .authFailure ? counters.authFailures
                    : counters.events - counters.signIns - counters.signUps - counters.authFailures
                if n > 0 { table.add(key, kind, -n) }
            }
            reference[key] = nil
        }
        var listed: [MetricsAccumulator.DayProfile: MetricsAccumulator.Counters] = [:]
        for (key, counters) in table {
            #expect(listed[key] == nil)
            listed[key] = counters
        }
        #expect(listed == reference)
    }

    @Test("DimensionTable.hasValues compares every dimension: two profiles one value apart, in each dimension, differ")
    func profilesOneValueApart() {
        for d in Dimension.allCases {
            var table = DimensionTable()
            var base = DimensionValues()
            for other in Dimension.allCases { base[other] = "x" }
            var apart = base
            apart[d] = "y"
            let (p, q) = (table.profile(of: base), table.profile(of: apart))
            #expect(p != q, "\(d)")
            let ids = { (profile: UInt32) in Dimension.allCases.map { table.valueID(ofProfile: profile, $0) } }
            #expect(table.hasValues(p, ids(p)) && table.hasValues(q, ids(q)), "\(d)")
            #expect(!table.hasValues(p, ids(q)) && !table.hasValues(q, ids(p)), "\(d)")
        }
    }
}
