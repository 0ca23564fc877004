@testable import AuthStatsCore
import AuthStatsTestSupport
import Testing

/// A night reads the state's activity, users and session events of its batch's users only
/// (`docs/state.md` "Reports without restoring"): the filter that picks them answers as a set
/// look-up would, on any order of users; the session stream's walk at a fixed stride refuses
/// damage as a record-by-record read does, and also a length written in more bytes than it
/// needs (which a record-by-record read takes: authstats writes the shortest).
@Suite struct UserFilterTests {
    /// The filter's answers against `Set.contains`, user by user.
    static func expectSameAnswers(wanted: [UInt64], stream: [UInt64], _ comment: Comment) {
        var set = UserHashSet()
        for user in wanted { set.insert(user) }
        let plain = Set(wanted)
        Analysis.withUserFilter(set) { filter in
            for (i, user) in stream.enumerated() where filter.test(user) != plain.contains(user) {
                Issue.record("\(comment): record \(i), user \(user)")
                return
            }
        }
    }

    @Test func answersAsASetOnSortedRunsAndOnAnyOrder() {
        var random = SeededRandom(seed: 0x5EED_F11E)
        for round in 0..<40 {
            let users = (0..<400).map { _ in random.next() % 2_000 }  // repeats, as a user's records do
            let wanted = users.filter { _ in random.next() % 10 == 0 } + (round % 4 == 0 ? [0] : []) + [random.next()]
            // Runs sorted by user, one after another (a stream of several batches' parts).
            var runs: [UInt64] = []
            for part in stride(from: 0, to: users.count, by: 97) { runs += users[part..<min(part + 97, users.count)].sorted() }
            Self.expectSameAnswers(wanted: wanted, stream: runs, "round \(round), sorted runs")
            Self.expectSameAnswers(wanted: wanted, stream: users, "round \(round), any order")
            Self.expectSameAnswers(wanted: wanted, stream: users.sorted(by: >), "round \(round), descending")
        }
        Self.expectSameAnswers(wanted: [], stream: [0, 1, 1, 5, 0], "nothing wanted")
        Self.expectSameAnswers(wanted: [0, .max], stream: [0, 0, 3, .max, .max, 0, .max], "the ends of the range")
    }

    /// A state of one `sessions` chunk holding `body` (records as they lie: a varint length,
    /// then the record), with a good checksum.
    static func sessions(_ body: [UInt8]) throws -> MemoryStateChunks {
        let check = body.withUnsafeBytes { ChunkCheck.current.of($0) }
        let state = MemoryStateChunks()
        try state.appendChunk(name: Analysis.Stream.sessions, scope: "", seq: 0, withUnsafeBytes(of: check.littleEndian) { Array($0) } + body)
        return state
    }

    /// A compact session record of `user` (its other bytes are not read unless it is wanted).
    static func record(user: UInt64, length: Int = SessionRecord.compactCount) -> [UInt8] {
        var length = length
        var out: [UInt8] = []
        Varint.put(UInt64(length), &out)
        withUnsafeBytes(of: user.bigEndian) { out += $0 }
        length -= 8
        return out + [UInt8](repeating: 0, count: max(length, 0))
    }

    static func restoreSessions(of users: [UInt64], from state: MemoryStateChunks) throws {
        let batch = try StateBatchTests.analysis(timeZone: "UTC", batch: 1, segments: nil, sessionRows: false, spill: false)
        for user in users { batch.field(\.users).pointee.insert(user) }
        let read = try StateBatchTests.analysis(timeZone: "UTC", batch: 1, segments: nil, sessionRows: false, spill: false)
        try read.restoreUserSessions(of: batch, from: state)
    }

    @Test func sessionRecordsThatAreNotCompactAreRefused() throws {
        let good = Self.record(user: 7) + Self.record(user: 9)
        // Well-formed, the users wanted or not.
        try Self.restoreSessions(of: [9], from: try Self.sessions(good))
        try Self.restoreSessions(of: [], from: try Self.sessions(good))

        let cases: [(String, [UInt8], String)] = [
            ("a record a byte short", good + Self.record(user: 11, length: 56), "a session record is not one authstats writes"),
            ("a record a byte long", Self.record(user: 11, length: 58) + good, "a session record is not one authstats writes"),
            ("a length of 200", Self.record(user: 11, length: 200) + good, "a session record is not one authstats writes"),
            ("the last record cut", good + Array(Self.record(user: 11).prefix(30)), "a record of sessions runs past its chunk"),
            ("the last record a byte short of its length", good + Array(Self.record(user: 11).prefix(57)), "a record of sessions runs past its chunk"),
            // 57 written as 0xB9 0x00: a varint, but not the shortest, which authstats writes.
            ("a length in two bytes", good + [0xB9, 0x00] + Self.record(user: 11).dropFirst(), "a record of sessions has its length in 2 bytes, where authstats writes one"),
            ("a length past the chunk", good + Array(Self.record(user: 11, length: 300).prefix(100)), "a record of sessions runs past its chunk"),
        ]
        for (what, body, message) in cases {
            for wanted in [[], [11], [7, 9, 11]] as [[UInt64]] {
                let error = #expect(throws: StateFormatError.self, "\(what), wanted \(wanted)") {
                    try Self.restoreSessions(of: wanted, from: try Self.sessions(body))
                }
                #expect(error?.description.contains(message) == true, "\(what): \(error?.description ?? "")")
            }
        }
    }

    @Test func wordsPassedOverOrReadAndTheirDamage() throws {
        func chunk(_ records: [[UInt64]], extra: [UInt8] = []) throws -> MemoryStateChunks {
            var body: [UInt8] = []
            for words in records {
                var record: [UInt8] = []
                for word in words { Varint.put(word, &record) }
                Varint.put(UInt64(record.count), &body)
                body += record
            }
            let check = (body + extra).withUnsafeBytes { ChunkCheck.current.of($0) }
            let state = MemoryStateChunks()
            try state.appendChunk(name: "x", scope: "", seq: 0, withUnsafeBytes(of: check.littleEndian) { Array($0) } + body + extra)
            return state
        }
        let records: [[UInt64]] = [[1, 2], [.max, 0], [5, 1 << 40], [0, 3]]
        var kept: [[UInt64]] = []
        try StateStreamReader.forEachWords(try chunk(records), name: "x", scope: "", count: 2, keep: { $0 != 5 }) { kept.append(Array($0)) }
        #expect(kept == [[1, 2], [.max, 0], [0, 3]])
        // Damage is found in a record passed over too, as before: each record's length is read.
        let cut = #expect(throws: StateFormatError.self) {
            try StateStreamReader.forEachWords(try chunk(records, extra: [9, 1]), name: "x", scope: "", count: 2, keep: { _ in false }) { _ in }
        }
        #expect(cut?.description.contains("runs past its chunk") == true)
        let short = #expect(throws: StateFormatError.self) {
            try StateStreamReader.forEachWords(try chunk([[1]]), name: "x", scope: "", count: 2) { _ in }
        }
        #expect(short?.description.contains("is cut short") == true)
        let long = #expect(throws: StateFormatError.self) {
            try StateStreamReader.forEachWords(try chunk([[1, 2, 3]]), name: "x", scope: "", count: 2) { _ in }
        }
        #expect(long?.description.contains("1 bytes too many") == true)
    }
}
