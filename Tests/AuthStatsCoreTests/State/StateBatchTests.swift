@testable import AuthStatsCore
import AuthStatsTestSupport
import Foundation
import Testing

/// The nightly state's invariant (`docs/state.md`), in process: for any split of the inputs
/// into batches read in order, each batch restored from the state the previous one saved, the
/// reports from the last state equal one run over all the inputs: late data, duplicates across
/// batches, sessions across batches and across the horizon's freezing included.
@Suite struct StateBatchTests {
    /// Streams of generated Pinpoint events: one per day over `days` days, then the awkward ones.
    static func streams(days: Int = 50) -> [(String, [UInt8])] {
        var random = SystemRandomNumberGeneratorStandIn(seed: 7)
        let first = PinpointLine.millis("2026-09-01T00:00:00Z")
        let platforms = ["iOS", "Android", "Web"]
        let types = ["_session.start", "page_view", "_userauth.sign_in", "_userauth.auth_fail", "_userauth.sign_up", "purchase"]
        var out: [(String, [UInt8])] = []
        var kept: [String] = []
        for day in 0..<days {
            var lines: [String] = []
            for _ in 0..<(20 + Int(random.next() % 15)) {
                let user = "user-\(random.next() % 40)"
                let time = first + Int64(day) * 86_400_000 + Int64(random.next() % 86_400_000)
                var line = PinpointLine(
                    types[Int(random.next() % UInt64(types.count))], at: time, user: user,
                    session: random.next() % 3 == 0 ? "s-\(user)-\(day)" : nil,
                    platform: platforms[Int(random.next() % 3)], locale: "en_US", appVersion: "1.\(random.next() % 3)",
                    country: random.next() % 2 == 0 ? "US" : "DE")
                if line.sessionID != nil { line.sessionStart = time - 60_000 }
                lines.append(line.json)
                // A few events of each day after a short gap, so that sessions have several events.
                if random.next() % 2 == 0 {
                    lines.append(PinpointLine("page_view", at: time + Int64(random.next() % 1_200_000), user: user).json)
                }
            }
            if day % 9 == 4 { kept.append(contentsOf: lines.prefix(3)) }
            out.append((String(format: "day-%02d.json", day), Array(lines.joined(separator: "\n").utf8)))
        }
        let last = first + Int64(days - 1) * 86_400_000
        // A session across midnight at the end of the data (its halves in two streams), and two
        // events 40 minutes apart that a late event between them bridges.
        out.append(("midnight-a.json", Array(PinpointLine("page_view", at: last - 600_000, user: "night-owl").json.utf8)))
        out.append(("midnight-b.json", Array(PinpointLine("page_view", at: last + 600_000, user: "night-owl").json.utf8)))
        let bridge = last - 5 * 3_600_000
        out.append(("bridge-a.json", Array([bridge, bridge + 2_400_000].map { PinpointLine("page_view", at: $0, user: "bridged").json }.joined(separator: "\n").utf8)))
        // Late: events for a day well inside the data (two batches back in any split), a first
        // day moved earlier for a user, and copies of events read long before.
        out.append(("late.json", Array([
            PinpointLine("_userauth.sign_in", at: last - 3 * 86_400_000 + 3_600_000, user: "user-3").json,
            PinpointLine("page_view", at: last - 20 * 86_400_000, user: "late-comer").json,
            PinpointLine("page_view", at: bridge + 1_200_000, user: "bridged").json,
        ].joined(separator: "\n").utf8)))
        out.append(("late-comer.json", Array(PinpointLine("page_view", at: last, user: "late-comer").json.utf8)))
        out.append(("copies.json", Array(kept.suffix(12).joined(separator: "\n").utf8)))
        return out
    }

    /// The reports and session rows of the batches, run one after another through a state as
    /// `report --state` does: the first batch written whole; each later one resolved against
    /// the state's fingerprints and appended, and the state written whole again after it when
    /// `compactEvery` says (freezing sessions and dropping fingerprints past the horizon).
    static func batched(
        _ streams: [(String, [UInt8])], batches: Int, timeZone: String, horizon: Int?, segments: SegmentSet? = nil,
        compactEvery: Int = 1, sessionRows: Bool = true, spill: Bool = false, nightly: Bool = false,
        restoredFingerprints: ((Int) -> Void)? = nil
    ) throws -> (Reports, [Session]) {
        let state = MemoryStateChunks()
        var newest: Day?
        func start(_ newest: Day?) -> Day? { horizon.flatMap { h in newest.map { $0.advanced(by: -(h - 1)) } } }
        let size = (streams.count + batches - 1) / batches
        for batch in 0..<batches {
            var analysis = try Self.analysis(timeZone: timeZone, batch: batch + 1, segments: segments, sessionRows: sessionRows, spill: spill)
            if batch > 0 && !nightly { try analysis.restore(from: state, for: .batch) }
            StateBatchTests.read(streams.dropFirst(batch * size).prefix(size), into: analysis)
            if batch > 0 && nightly {
                // As `report --state` does (`addToState`): the batch read first, then a fresh
                // analysis restored with it (only the state's fingerprints that could be its
                // copies), the batch merged in.
                let delta = try Self.analysis(timeZone: timeZone, batch: batch + 1, segments: segments, sessionRows: sessionRows, spill: spill)
                try delta.restore(from: state, for: .batch, batch: analysis)
                restoredFingerprints?(delta.accumulator.dedup.inMemory)
                delta.merge(analysis)
                analysis = delta
            }
            newest = [newest, analysis.accumulator.dayBounds?.last].compactMap { $0 }.max()
            if batch == 0 {
                try analysis.save(to: state, .whole(detailFrom: start(newest)))
            } else {
                try analysis.save(to: state, .batch(firstPosition: analysis.configuration.firstPosition))
            }
            if batch > 0 && batch % compactEvery == 0 {
                let whole = try Self.analysis(timeZone: timeZone, batch: batch + 1, segments: segments, sessionRows: sessionRows, spill: spill)
                try whole.restore(from: state, for: .everything)
                try state.removeAllChunks()
                try whole.save(to: state, .whole(detailFrom: start(newest)))
            }
        }
        // Reports from the state alone.
        let analysis = try Self.analysis(timeZone: timeZone, batch: batches + 1, segments: segments, sessionRows: sessionRows, spill: spill)
        try analysis.restore(from: state, for: .reports)
        var sessions: [Session] = []
        let reports = sessionRows ? analysis.reports { sessions.append($0) } : analysis.reports()
        return (reports, sessions)
    }

    /// `sessionRows` false: the state keeps the counts-only (compact) session log, as a state
    /// made without `--sessions-detail` does.
    /// `spill`: a store (small budgets), so that what a restore reads in order goes straight
    /// to runs of it (`SortedRecordLog.appendInOrder`).
    /// Reads `streams` into `analysis`, one stream after another.
    static func read(_ streams: some Sequence<(String, [UInt8])>, into analysis: Analysis) {
        for (name, bytes) in streams {
            let stream = analysis.beginStream(path: name, member: nil, compression: "none", container: nil)
            bytes.withUnsafeBytes { stream.read(bytes: $0) }
            stream.end()
        }
    }

    static func analysis(timeZone: String, batch: Int, segments: SegmentSet?, sessionRows: Bool = true, spill: Bool = false) throws -> Analysis {
        var configuration = Analysis.Configuration(timeZone: timeZone)!
        configuration.sessionRows = sessionRows
        configuration.firstPosition = UInt64(batch) << 44
        configuration.keepsAllDays = true
        configuration.profiles = ProfileOptions(segments: segments)
        configuration.profiles.collect = true
        guard spill else { return Analysis(configuration: configuration, rejects: RejectCollector()) }
        configuration.dedupCapacity = 64
        configuration.sessionMemory = 4096
        return Analysis(configuration: configuration, rejects: RejectCollector(), spill: MemorySpillStore())
    }

    static func whole(_ streams: [(String, [UInt8])], timeZone: String, segments: SegmentSet? = nil) -> InMemoryRun {
        InMemoryRun(streams, timeZone: timeZone, sessionRows: true, profiles: ProfileOptions(segments: segments))
    }

    @Test(arguments: [("UTC", 1), ("UTC", 2), ("UTC", 7), ("America/New_York", 2), ("America/New_York", 7)])
    func batchesEqualOneRun(zone: String, batches: Int) throws {
        let streams = Self.streams()
        let expected = Self.whole(streams, timeZone: zone)
        for horizon in [nil, 35] as [Int?] {
            for compactEvery in [1, 3, 100] {
                let (reports, sessions) = try Self.batched(
                    streams, batches: batches, timeZone: zone, horizon: horizon, compactEvery: compactEvery)
                let label = "\(zone), \(batches) batches, horizon \(horizon.map(String.init) ?? "none"), written whole every \(compactEvery)"
                #expect(reports == expected.reports, "\(label)")
                #expect(sessions == expected.sessions, "\(label)")
            }
        }
    }

    @Test(arguments: [("UTC", 2), ("UTC", 7), ("America/New_York", 7)])
    func batchesWithoutSessionRowsEqualOneRun(zone: String, batches: Int) throws {
        // The compact log and its compact frozen sessions give the same counts.
        let streams = Self.streams()
        let expected = Self.whole(streams, timeZone: zone)
        for horizon in [nil, 35] as [Int?] {
            for compactEvery in [1, 3] {
                let (reports, _) = try Self.batched(
                    streams, batches: batches, timeZone: zone, horizon: horizon, compactEvery: compactEvery, sessionRows: false)
                #expect(reports == expected.reports, "\(zone), \(batches) batches, horizon \(horizon.map(String.init) ?? "none"), every \(compactEvery)")
            }
        }
    }

    @Test(arguments: [(2, true), (7, true), (7, false)])
    func batchesSpilledEqualOneRun(batches: Int, sessionRows: Bool) throws {
        // With a spill store and tiny budgets: a restore writes the state's sorted streams
        // straight to runs (no sort), spills what the batch reads, and merges them all.
        let streams = Self.streams()
        let expected = Self.whole(streams, timeZone: "UTC")
        for compactEvery in [1, 3] {
            let (reports, sessions) = try Self.batched(
                streams, batches: batches, timeZone: "UTC", horizon: 35, compactEvery: compactEvery, sessionRows: sessionRows, spill: true)
            #expect(reports == expected.reports, "\(batches) batches, every \(compactEvery), rows \(sessionRows)")
            if sessionRows { #expect(sessions == expected.sessions, "\(batches) batches, every \(compactEvery)") }
        }
    }

    @Test(arguments: [("UTC", 2, false), ("UTC", 7, false), ("America/New_York", 7, false), ("UTC", 7, true)])
    func nightlyBatchesReadingOnlyMatchingFingerprintsEqualOneRun(zone: String, batches: Int, spill: Bool) throws {
        // The order `report --state` uses: each batch read, then the state's fingerprints read
        // in with it, only those whose first word is one of the batch's while the batch's are
        // all in memory (with `spill`, its window spills: all of them are read). The copies of
        // earlier batches' records (`streams()`'s last file) must still be found.
        let streams = Self.streams()
        let expected = Self.whole(streams, timeZone: zone)
        for horizon in [nil, 35] as [Int?] {
            for compactEvery in [1, 3] {
                var restored: [Int] = []
                let (reports, sessions) = try Self.batched(
                    streams, batches: batches, timeZone: zone, horizon: horizon, compactEvery: compactEvery, spill: spill,
                    nightly: true, restoredFingerprints: { restored.append($0) })
                let label = "\(zone), \(batches) batches, horizon \(horizon.map(String.init) ?? "none"), every \(compactEvery), spill \(spill)"
                #expect(reports == expected.reports, "\(label)")
                if !spill {
                    #expect(sessions == expected.sessions, "\(label)")
                    // Not vacuous: the state held hundreds of fingerprints before each later
                    // batch, and only the few sharing a first word with the batch's were read.
                    #expect(restored.count == batches - 1 && restored.allSatisfy { $0 < 20 }, "\(label): \(restored)")
                }
            }
        }
    }

    @Test func twoFrozenSessionsOfOneSpanStayTwoWithoutSessionRows() throws {
        // Two Pinpoint sessions of one user with the same start and stop, long before the
        // horizon: frozen compact, they keep no id, and must not be taken for copies of each other.
        let start = "2026-09-01T12:00:00Z"
        let stop = "2026-09-01T12:05:00Z"
        var lines = ["s1", "s2"].map {
            PinpointLine("page_view", iso: "2026-09-01T12:01:00Z", user: "twin", session: $0, start: start, stop: stop).json
        }
        lines += (1..<12).map { PinpointLine("page_view", at: PinpointLine.millis(start) + Int64($0) * 86_400_000, user: "later").json }
        let streams = [("a.json", Array(lines.joined(separator: "\n").utf8)), ("b.json", Array(PinpointLine("page_view", iso: "2026-09-13T12:00:00Z", user: "twin").json.utf8))]
        let expected = Self.whole(streams, timeZone: "UTC")
        #expect(expected.reports.daily.map(\.sessions).reduce(0, +) == 14)
        let state = MemoryStateChunks()
        let analysis = try Self.analysis(timeZone: "UTC", batch: 1, segments: nil, sessionRows: false)
        StateBatchTests.read(streams, into: analysis)
        try analysis.save(to: state, .whole(detailFrom: analysis.accumulator.dayBounds!.last.advanced(by: -4)))
        let summary = try StateSummary.read(state, sessionRows: false)
        // The twins, and "later"'s sessions that ended before the cutoff (2026-09-08T09:30Z: a
        // timeout and 14 hours before the horizon's first day): September 2 to 7.
        #expect(summary.frozenSessions == 8)
        let restored = try Self.analysis(timeZone: "UTC", batch: 2, segments: nil, sessionRows: false)
        try restored.restore(from: state, for: .reports)
        #expect(restored.reports() == expected.reports)
        let (reports, _) = try Self.batched(streams, batches: 2, timeZone: "UTC", horizon: 5, sessionRows: false)
        #expect(reports == expected.reports)
    }

    @Test func aStateWithSessionRowsReadsIntoACountsOnlyLog() throws {
        // A merge of a state with session rows and one without: the named records lose their
        // names as they are read (`SessionRecord.compactForm`), frozen ones too, and count the same.
        let streams = Self.streams(days: 20)
        let expected = Self.whole(streams, timeZone: "UTC")
        let state = MemoryStateChunks()
        let named = try Self.analysis(timeZone: "UTC", batch: 1, segments: nil, sessionRows: true)
        StateBatchTests.read(streams, into: named)
        try named.save(to: state, .whole(detailFrom: named.accumulator.dayBounds!.last.advanced(by: -4)))
        #expect(try StateSummary.read(state).frozenSessions > 0)
        let compact = try Self.analysis(timeZone: "UTC", batch: 2, segments: nil, sessionRows: false)
        try compact.restore(from: state, for: .reports, sessionRows: true)
        #expect(compact.reports() == expected.reports)
        // The other way round is refused, not misread.
        let countsOnly = MemoryStateChunks()
        let plain = try Self.analysis(timeZone: "UTC", batch: 1, segments: nil, sessionRows: false)
        let stream = plain.beginStream(path: "a.json", member: nil, compression: "none", container: nil)
        streams[0].1.withUnsafeBytes { stream.read(bytes: $0) }
        stream.end()
        try plain.save(to: countsOnly, .whole(detailFrom: nil))
        let wantsRows = try Self.analysis(timeZone: "UTC", batch: 2, segments: nil, sessionRows: true)
        #expect(throws: StateFormatError.self) { try wantsRows.restore(from: countsOnly, for: .reports, sessionRows: false) }
    }

    @Test(arguments: [false, true])
    func statesWithAndWithoutSessionRowsMergeAsOneRun(spill: Bool) throws {
        // A merge of two states, one with session rows and one without (as `state merge` and
        // `authstats merge` read them): the named records lose their names as they are read and
        // must meet the other state's compact records as one run's would. The streams are
        // split so that copies of events (copies.json), a session across midnight and one
        // bridged by a late event lie in both states.
        let streams = Self.streams(days: 20)
        let expected = Self.whole(streams, timeZone: "UTC")
        let parts = [streams.enumerated().filter { $0.offset % 2 == 0 }.map(\.element), streams.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)]
        var states: [MemoryStateChunks] = []
        for (index, part) in parts.enumerated() {
            let analysis = try Self.analysis(timeZone: "UTC", batch: index + 1, segments: nil, sessionRows: index == 0, spill: spill)
            StateBatchTests.read(part, into: analysis)
            let state = MemoryStateChunks()
            try analysis.save(to: state, .whole(detailFrom: nil))
            states.append(state)
        }
        let merged = try Self.analysis(timeZone: "UTC", batch: 3, segments: nil, sessionRows: false, spill: spill)
        for (index, state) in states.enumerated() {
            let part = try Self.analysis(timeZone: "UTC", batch: 3, segments: nil, sessionRows: false, spill: spill)
            try part.restore(from: state, sessionRows: index == 0)
            merged.merge(part)
        }
        #expect(merged.reports() == expected.reports, "spill \(spill)")
    }

    /// States built apart both number their inputs from their first batch: a merge moves the
    /// later state's positions past the earlier's (`positionShift`), so that of two copies of
    /// a record that differ (a platform, an app version), the earlier state's is kept in the
    /// counts, the sessions and the profiles, as one run over the first state's inputs and
    /// then the second's keeps it. Without the move the second state's copy (its first input,
    /// where the first state's is its second) would be kept.
    @Test(arguments: [(true, true), (false, false), (true, false)])
    func statesBuiltApartMergeAsOneRunInMergeOrder(firstRows: Bool, secondRows: Bool) throws {
        let definitions = """
            [{"Name": "iOS users", "Dimensions": {"Demographic": {"Platform": {"DimensionType": "INCLUSIVE", "Values": ["ios"]}}}}]
            """
        let segments = try SegmentSet.load(files: [("s.json", Array(definitions.utf8))], timeZone: TimeZone(identifier: "UTC")!)
        let at = PinpointLine.millis("2026-09-03T10:00:00Z")
        func copies(_ platform: String, _ version: String) -> (String, [UInt8]) {
            let lines = [0, 5].map { minute in
                PinpointLine(minute == 0 ? "_session.start" : "pageView", at: at + Int64(minute) * 60_000, user: "u", session: "s-1",
                             platform: platform, appVersion: version)
            }
            return ("\(platform).json", Array(lines.ndjson.utf8))
        }
        let filler = ("filler.json", Array([PinpointLine("pageView", iso: "2026-09-03T09:00:00Z", user: "v", platform: "web")].ndjson.utf8))
        let parts = [[filler, copies("iOS", "1.0")], [copies("Android", "2.0")]]
        let expected = InMemoryRun(parts[0] + parts[1], timeZone: "UTC", sessionRows: firstRows && secondRows, profiles: ProfileOptions(segments: segments))
        #expect(expected.reports.segments.first?.users == 1, "one run keeps the first state's copies: u is on iOS")
        var states: [MemoryStateChunks] = []
        for (part, rows) in zip(parts, [firstRows, secondRows]) {
            // Both built apart: the same first batch, the same first position.
            let analysis = try Self.analysis(timeZone: "UTC", batch: 1, segments: segments, sessionRows: rows)
            Self.read(part, into: analysis)
            let state = MemoryStateChunks()
            try analysis.save(to: state, .whole(detailFrom: nil))
            states.append(state)
        }
        func merged(shift: UInt64) throws -> (Reports, [Session]) {
            let whole = try Self.analysis(timeZone: "UTC", batch: 3, segments: segments, sessionRows: firstRows && secondRows)
            for (index, state) in states.enumerated() {
                let part = try Self.analysis(timeZone: "UTC", batch: 3, segments: segments, sessionRows: firstRows && secondRows)
                try part.restore(from: state, sessionRows: [firstRows, secondRows][index], positionShift: index == 0 ? 0 : shift)
                whole.merge(part)
            }
            var sessions: [Session] = []
            let reports = firstRows && secondRows ? whole.reports { sessions.append($0) } : whole.reports()
            return (reports, sessions)
        }
        // The first state's positions end before batch 2's first (`StatePositions`).
        let (reports, sessions) = try merged(shift: 1 << 44)
        #expect(reports == expected.reports)
        if firstRows && secondRows { #expect(sessions == expected.sessions) }
        let (unmoved, _) = try merged(shift: 0)
        #expect(unmoved != expected.reports, "the test tells the copies apart")
        #expect(unmoved.segments.first?.users == 0)
    }

    @Test func segmentsEqualOneRun() throws {
        let definitions = """
            [{"Name": "iOS users", "Dimensions": {"Demographic": {"Platform": {"DimensionType": "INCLUSIVE", "Values": ["ios"]}}}},
             {"Name": "signed in lately", "Dimensions": {"Behavior": {"Recency": {"Duration": "DAY_7", "RecencyType": "ACTIVE"}},
              "Metrics": {"sign_ins": {"ComparisonOperator": "GREATER_THAN_OR_EQUAL", "Value": 1}}}}]
            """
        let streams = Self.streams()
        for zone in ["UTC", "America/New_York"] {
            let segments = try SegmentSet.load(files: [("s.json", Array(definitions.utf8))], timeZone: TimeZone(identifier: zone)!)
            let expected = Self.whole(streams, timeZone: zone, segments: segments)
            #expect(!expected.reports.segments.isEmpty && expected.reports.segments.allSatisfy { $0.users > 0 })
            for batches in [2, 7] {
                let (reports, _) = try Self.batched(streams, batches: batches, timeZone: zone, horizon: 35, segments: segments, compactEvery: 3)
                #expect(reports == expected.reports, "\(zone), \(batches) batches")
            }
        }
    }

    @Test func aChainOfOverlappingSessionsAcrossTheCutoffIsKeptWhole() throws {
        // Pinpoint sessions that overlap one after another from day 0 to day 9 (each starts
        // before the last one ends): with a 5-day horizon the latest one reaches past the
        // freezing cutoff, so none of the chain may be frozen; then unrelated daily visits.
        let base = PinpointLine.millis("2026-09-01T12:00:00Z")
        var chain: [String] = []
        for i in 0..<20 {
            let start = base + Int64(i) * 43_200_000  // every 12 hours, each lasting 13
            chain.append(PinpointLine(
                "page_view", iso: Timestamps.isoString(millis: start + 60_000), user: "bot", session: "s\(i)",
                start: Timestamps.isoString(millis: start), stop: Timestamps.isoString(millis: start + 46_800_000)).json)
        }
        var streams = [("chain.json", Array(chain.joined(separator: "\n").utf8))]
        streams += (0..<14).map { day -> (String, [UInt8]) in
            let at = base + Int64(day) * 86_400_000 + 3_600_000
            return (String(format: "d%02d.json", day), Array(PinpointLine("page_view", at: at, user: "daily").json.utf8))
        }
        let expected = Self.whole(streams, timeZone: "UTC")
        for batches in [1, 4] {
            let (reports, sessions) = try Self.batched(streams, batches: batches, timeZone: "UTC", horizon: 5)
            #expect(sessions == expected.sessions, "\(batches) batches")
            #expect(reports == expected.reports, "\(batches) batches")
        }
    }

    @Test func duplicatesAcrossBatchesAreTakenBack() throws {
        let line = PinpointLine("_userauth.sign_in", iso: "2026-11-01T10:00:00Z", user: "u1").json
        let streams = [("a.json", Array(line.utf8)), ("b.json", Array(line.utf8))]
        let (reports, _) = try Self.batched(streams, batches: 2, timeZone: "UTC", horizon: 35)
        #expect(reports.daily.map(\.signIns) == [1])
        #expect(reports == Self.whole(streams, timeZone: "UTC").reports)
    }

    /// A state of ten days of events, and a night of one record: a copy of the first record of
    /// day 3 (2026-09-04, day 20,700: bucket 4 of 8).
    static func tenDaysAndACopy() throws -> (state: MemoryStateChunks, night: Analysis) {
        let days = Array(Self.streams(days: 10).prefix(10))
        let first = try Self.analysis(timeZone: "UTC", batch: 1, segments: nil)
        Self.read(days, into: first)
        let state = MemoryStateChunks()
        try first.save(to: state, .whole(detailFrom: nil))
        let copy = String(decoding: days[3].1, as: UTF8.self).split(separator: "\n")[0]
        let night = try Self.analysis(timeZone: "UTC", batch: 2, segments: nil)
        Self.read([("night.json", Array(copy.utf8))], into: night)
        return (state, night)
    }

    /// The copies a night finds: its batch resolved against `source` as `report --state` does.
    static func copiesFound(_ night: Analysis, in source: any StateChunkSource) throws -> Int {
        let delta = try Self.analysis(timeZone: "UTC", batch: 2, segments: nil)
        try delta.restore(from: source, for: .batch, batch: night)
        delta.merge(night)
        return delta.state.pointee.accumulator.resolveDuplicates().count
    }

    @Test func aNightReadsTheFingerprintsOfItsBatchsDaysOnly() throws {
        let (state, night) = try Self.tenDaysAndACopy()
        let buckets = (0..<Analysis.Stream.fingerprintBuckets).filter { try! state.nextSeq(name: Analysis.Stream.fingerprints(bucket: $0), scope: "") > 0 }
        #expect(buckets.count == 8, "ten days fill every bucket")
        let source = RecordingSource(state)
        #expect(try Self.copiesFound(night, in: source) == 1)
        #expect(source.names.filter { $0.hasPrefix(Analysis.Stream.fingerprints) } == ["fingerprints", "fingerprints.4"])
    }

    @Test func aStateOfSchemaVersionOneKeepsItsFingerprintsInOneStream() throws {
        // As version 1 wrote them: every day's fingerprints in one stream, read whole.
        let (state, night) = try Self.tenDaysAndACopy()
        var records: [[UInt8]] = []
        for bucket in 0..<Analysis.Stream.fingerprintBuckets {
            let name = Analysis.Stream.fingerprints(bucket: bucket)
            try StateStreamReader.forEach(state, name: name, scope: "") { records.append(Array($0)) }
            try state.removeChunks(name: name, scope: "")
        }
        var writer = try StateStreamWriter(state, name: Analysis.Stream.fingerprints, scope: "")
        // In fingerprint order (then input), as version 1 wrote them.
        func key(_ record: [UInt8]) -> (UInt64, UInt64, UInt64) {
            let (fingerprint, counted) = record.withUnsafeBytes { FingerprintLog.decode($0, at: 0) }
            return (fingerprint.high, fingerprint.low, counted.input)
        }
        for record in records.sorted(by: { key($0) < key($1) }) { try writer.add(record) }
        try writer.finish()
        #expect(records.count > 200)
        #expect(try Self.copiesFound(night, in: state) == 1)
        // Written whole again, they go to their buckets.
        let whole = try Self.analysis(timeZone: "UTC", batch: 2, segments: nil)
        try whole.restore(from: state, for: .everything)
        try state.removeAllChunks()
        try whole.save(to: state, .whole(detailFrom: nil))
        #expect(try state.nextSeq(name: Analysis.Stream.fingerprints, scope: "") == 0)
        #expect(try StateSummary.read(state).fingerprints == records.count)
        #expect(try Self.copiesFound(night, in: state) == 1)
    }

    @Test func aBatchAfterOneOfOverAMillionFilesComesAfterAllOfThem() throws {
        // Batch 1 reads file 2^20 + 5 of its inputs (a first run over years of exports, or a
        // shard of a large plan); batch 2 holds a copy of its record, batch 3 anything. The
        // copy must lose to the earlier batch's, and be taken back once only.
        let sign = PinpointLine("_userauth.sign_in", iso: "2026-11-01T10:00:00Z", user: "u1").json
        let streams = [
            ("a.json", Array(sign.utf8)),
            ("b.json", Array((sign + "\n" + PinpointLine("page_view", iso: "2026-11-02T10:00:00Z", user: "u2").json).utf8)),
            ("c.json", Array(PinpointLine("page_view", iso: "2026-11-03T10:00:00Z", user: "u3").json.utf8)),
        ]
        let state = MemoryStateChunks()
        var held: UInt64 = 0
        for (batch, (name, bytes)) in streams.enumerated() {
            var configuration = Analysis.Configuration(timeZone: "UTC")!
            configuration.firstPosition = StatePositions.first(batch: batch + 1, held: held)
            configuration.keepsAllDays = true
            configuration.fileIndexes = [batch == 0 ? (1 << 20) + 5 : 0]
            let analysis = Analysis(configuration: configuration, rejects: RejectCollector())
            if batch > 0 { try analysis.restore(from: state, for: .batch) }
            analysis.beginFile(index: 0)
            let stream = analysis.beginStream(path: name, member: nil, compression: "none", container: nil)
            bytes.withUnsafeBytes { stream.read(bytes: $0) }
            stream.end()
            held = StatePositions.next(after: analysis.inputs, held: held)
            try analysis.save(to: state, batch == 0 ? .whole(detailFrom: nil) : .batch(firstPosition: configuration.firstPosition))
        }
        let analysis = Analysis(configuration: Analysis.Configuration(timeZone: "UTC")!, rejects: RejectCollector())
        try analysis.restore(from: state, for: .reports)
        let reports = analysis.reports()
        #expect(reports.daily.map(\.signIns) == [1, 0, 0])
        #expect(reports == Self.whole(streams, timeZone: "UTC").reports)
    }

    @Test func aLateEventBridgesTwoSessionsOfAnEarlierBatch() throws {
        let a = [PinpointLine("page_view", iso: "2026-11-01T10:00:00Z", user: "u"), PinpointLine("page_view", iso: "2026-11-01T10:50:00Z", user: "u")]
        let b = [PinpointLine("page_view", iso: "2026-11-01T10:25:00Z", user: "u")]
        let streams = [("a.json", Array(a.map(\.json).joined(separator: "\n").utf8)), ("b.json", Array(b.map(\.json).joined(separator: "\n").utf8))]
        let (_, first) = try Self.batched(Array(streams.prefix(1)), batches: 1, timeZone: "UTC", horizon: 35)
        #expect(first.count == 2)
        let (reports, sessions) = try Self.batched(streams, batches: 2, timeZone: "UTC", horizon: 35)
        #expect(sessions.count == 1)
        #expect(sessions.first?.events == 3)
        #expect(reports == Self.whole(streams, timeZone: "UTC").reports)
    }

    @Test func anAuthFailureInTheHorizonOutsideAnySessionIsKeptForALateSession() throws {
        // The user's only session is frozen (day 0, long before the horizon); its auth
        // failure of day 8 lies in no session yet. A late event of the same minute makes a
        // session whose span holds it: the failure must count on it, as in one run.
        let first = [
            PinpointLine("page_view", iso: "2026-11-01T12:00:00Z", user: "u"),
            PinpointLine("_userauth.auth_fail", iso: "2026-11-09T12:00:00Z", user: "u"),
            PinpointLine("page_view", iso: "2026-11-10T12:00:00Z", user: "other"),
        ]
        let late = [
            PinpointLine("page_view", iso: "2026-11-09T11:59:00Z", user: "u"),
            PinpointLine("page_view", iso: "2026-11-09T12:01:00Z", user: "u"),
        ]
        let streams = [
            ("a.json", Array(first.map(\.json).joined(separator: "\n").utf8)),
            ("late.json", Array(late.map(\.json).joined(separator: "\n").utf8)),
        ]
        let expected = Self.whole(streams, timeZone: "UTC")
        #expect(expected.sessions.map(\.authFailures).reduce(0, +) == 1)
        let (reports, sessions) = try Self.batched(streams, batches: 2, timeZone: "UTC", horizon: 5)
        #expect(sessions == expected.sessions)
        #expect(reports == expected.reports)
    }

    @Test func sessionsOutsideTheHorizonAreFrozenWhole() throws {
        // 40 days of one user's daily visits: with a 5-day horizon most sessions are frozen,
        // and the state keeps only the last days' events.
        let streams = (0..<40).map { day -> (String, [UInt8]) in
            let base = PinpointLine.millis("2026-09-01T12:00:00Z") + Int64(day) * 86_400_000
            let lines = [base, base + 60_000, base + 120_000].map { PinpointLine("page_view", at: $0, user: "daily").json }
            return (String(format: "d%02d.json", day), Array(lines.joined(separator: "\n").utf8))
        }
        let state = MemoryStateChunks()
        let analysis = try Self.analysis(timeZone: "UTC", batch: 1, segments: nil)
        StateBatchTests.read(streams, into: analysis)
        let newest = analysis.accumulator.dayBounds!.last
        try analysis.save(to: state, .whole(detailFrom: newest.advanced(by: -4)))
        let summary = try StateSummary.read(state)
        // The last five days' events, and day 34's: its session ended after the cutoff (a timeout
        // and 14 hours, the widest zone offset, before day 35 begins).
        #expect(summary.sessionEvents == 18)
        #expect(summary.frozenSessions == 34)
        #expect(summary.fingerprints == 15)
        // Written in the log's byte order, frozen sessions among the kept events (a restore
        // reads the stream without sorting it again).
        var written: [[UInt8]] = []
        try StateStreamReader.forEach(state, name: "sessions", scope: "") { written.append(Array($0)) }
        #expect(zip(written, written.dropFirst()).allSatisfy { !$1.lexicographicallyPrecedes($0) })
        let (reports, sessions) = try Self.batched(streams, batches: 4, timeZone: "UTC", horizon: 5)
        let expected = Self.whole(streams, timeZone: "UTC")
        #expect(sessions == expected.sessions)
        #expect(reports == expected.reports)
        // Without session rows: the same events kept and sessions frozen, each in the compact
        // layout (57 bytes, against the named layout's user id and texts).
        let compactState = MemoryStateChunks()
        let compact = try Self.analysis(timeZone: "UTC", batch: 1, segments: nil, sessionRows: false)
        StateBatchTests.read(streams, into: compact)
        try compact.save(to: compactState, .whole(detailFrom: newest.advanced(by: -4)))
        #expect(try StateSummary.read(compactState, sessionRows: false) == summary)
        var compactRecords: [[UInt8]] = []
        try StateStreamReader.forEach(compactState, name: "sessions", scope: "") { compactRecords.append(Array($0)) }
        #expect(compactRecords.count == 52 && compactRecords.allSatisfy { $0.count == 57 })
        #expect(zip(compactRecords, compactRecords.dropFirst()).allSatisfy { !$1.lexicographicallyPrecedes($0) })
        let (compactReports, _) = try Self.batched(streams, batches: 4, timeZone: "UTC", horizon: 5, sessionRows: false)
        #expect(compactReports == expected.reports)
    }
}

/// A small deterministic generator (SplitMix64), so that the streams (and the tests'
/// shuffles) are the same every run.
struct SystemRandomNumberGeneratorStandIn: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A state write whose sink fails part way (a full disk) stops on both of its threads: no call
/// reaches the sink after the failing one, so a transaction that SQLite rolled back by itself
/// gets nothing committed outside it.
@Suite struct StateWriteFailureTests {
    /// Counts calls; the `failAt`-th (1-based) throws, and calls after it are counted apart.
    final class FailingSink: StateChunkSink, @unchecked Sendable {
        // Unchecked: `LockedChunkSink` calls it under its lock.
        let failAt: Int
        var calls = 0
        var callsAfterFailure = 0
        let chunks = MemoryStateChunks()
        struct Full: Error {}

        init(failAt: Int) { self.failAt = failAt }

        var chunkCheck: ChunkCheck { chunks.chunkCheck }

        private func call() throws {
            calls += 1
            if calls > failAt { callsAfterFailure += 1 }
            if calls == failAt { throw Full() }
        }

        func appendChunk(name: String, scope: String, seq: Int, _ data: UnsafeRawBufferPointer) throws {
            try call()
            try chunks.appendChunk(name: name, scope: scope, seq: seq, data)
        }

        func nextSeq(name: String, scope: String) throws -> Int {
            try call()
            return try chunks.nextSeq(name: name, scope: scope)
        }

        func removeAllChunks() throws {
            try call()
            try chunks.removeAllChunks()
        }

        func removeChunks(name: String, scope: String) throws {
            try call()
            try chunks.removeChunks(name: name, scope: scope)
        }
    }

    static func read() throws -> Analysis {
        let analysis = try StateBatchTests.analysis(timeZone: "UTC", batch: 1, segments: nil)
        StateBatchTests.read(StateBatchTests.streams(days: 50), into: analysis)
        return analysis
    }

    @Test func noCallAfterTheFailingOne() throws {
        // How many calls a whole write makes (the sessions stream's on their own thread).
        let probe = FailingSink(failAt: .max)
        try Self.read().save(to: probe, .whole(detailFrom: nil))
        #expect(probe.calls > 10)
        for failAt in 1...probe.calls {
            let sink = FailingSink(failAt: failAt)
            #expect(throws: FailingSink.Full.self) { try Self.read().save(to: sink, .whole(detailFrom: nil)) }
            #expect(sink.callsAfterFailure == 0, "failing at call \(failAt)")
            #expect(sink.calls == failAt, "failing at call \(failAt)")
        }
    }

    @Test("a locked source gives each stream's chunks in order, from threads reading at once")
    func lockedSource() throws {
        let chunks = MemoryStateChunks()
        for seq in 0..<50 {
            try chunks.appendChunk(name: "a", scope: "", seq: seq, [UInt8(seq), 1])
            try chunks.appendChunk(name: "b", scope: "x", seq: seq, [UInt8(seq), 2, 2])
        }
        let shared = LockedChunkSource(chunks)
        let read = LockedResults()
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            var seen: [[UInt8]] = []
            try? shared.forEachChunk(name: part == 0 ? "a" : "b", scope: part == 0 ? "" : "x") { seen.append($0) }
            read.set(part, seen)
        }
        #expect(read.get(0) == (0..<50).map { [UInt8($0), 1] })
        #expect(read.get(1) == (0..<50).map { [UInt8($0), 2, 2] })
        #expect(try shared.scopes(of: "b") == ["x"])
    }

    @Test("a source read alone stops at its next chunk once another reader failed")
    func stoppableSourceStops() throws {
        let chunks = MemoryStateChunks()
        for seq in 0..<3 { try chunks.appendChunk(name: "a", scope: "", seq: seq, [UInt8(seq)]) }
        let signal = StopSignal()
        let own = StoppableChunkSource(chunks, signal: signal)
        var seen: [[UInt8]] = []
        #expect(throws: CancellationError.self) {
            try own.forEachChunkBytes(name: "a", scope: "") { raw in
                seen.append(Array(raw))
                signal.stop()  // as the other thread would, failing
            }
        }
        #expect(seen == [[0]])
        #expect(throws: CancellationError.self) { try own.forEachChunk(name: "a", scope: "") { _ in } }
        // Without a second connection, the threads share the source through a lock.
        #expect(try chunks.concurrentSource() == nil)
    }

    @Test("once stopped (a reader failed), a locked source refuses every later chunk")
    func lockedSourceStops() throws {
        let chunks = MemoryStateChunks()
        for seq in 0..<3 { try chunks.appendChunk(name: "a", scope: "", seq: seq, [UInt8(seq)]) }
        // As `Analysis.restore` reads a state held in memory: the locked source, stoppable.
        let signal = StopSignal()
        let shared = StoppableChunkSource(LockedChunkSource(chunks), signal: signal)
        var buffer: [UInt8] = []
        #expect(try shared.chunk(name: "a", scope: "", after: nil, into: &buffer) == 0)
        #expect(buffer == [0])
        signal.stop()
        #expect(throws: CancellationError.self) { try shared.chunk(name: "a", scope: "", after: 0, into: &buffer) }
        var seen = 0
        #expect(throws: CancellationError.self) { try shared.forEachChunk(name: "a", scope: "") { _ in seen += 1 } }
        #expect(seen == 0)
    }
}

private final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: [[UInt8]]] = [:]
    func set(_ part: Int, _ value: [[UInt8]]) { lock.withLock { results[part] = value } }
    func get(_ part: Int) -> [[UInt8]]? { lock.withLock { results[part] } }
}

/// A source that notes the streams read from it.
final class RecordingSource: StateChunkSource, @unchecked Sendable {
    let base: MemoryStateChunks
    private(set) var names: [String] = []

    init(_ base: MemoryStateChunks) { self.base = base }

    var chunkCheck: ChunkCheck { base.chunkCheck }

    func forEachChunk(name: String, scope: String, _ body: ([UInt8]) throws -> Void) throws {
        names.append(name)
        try base.forEachChunk(name: name, scope: scope, body)
    }

    func forEachChunkBytes(name: String, scope: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        names.append(name)
        try base.forEachChunkBytes(name: name, scope: scope, body)
    }

    func scopes(of name: String) throws -> [String] { try base.scopes(of: name) }

    func chunk(name: String, scope: String, after seq: Int?, into buffer: inout [UInt8]) throws -> Int? {
        if seq == nil { names.append(name) }
        return try base.chunk(name: name, scope: scope, after: seq, into: &buffer)
    }
}
