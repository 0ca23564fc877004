/// What the events say about each user's profile (`docs/segments.md` "Profiles"), gathered
/// while reading, in bounded memory.
///
/// Each observation is a record `[user hash, 8 bytes big-endian][kind][time, 8 bytes, sign
/// flipped, big-endian][payload]` in a `SortedRecordLog`: the latest demographics of an
/// activity event, the `UserAttributes` and `Attributes` objects of a Pinpoint event as
/// written, or one endpoint. A user repeats the same observation on most events, so records
/// in memory are indexed by (user, kind, payload): a repeat only moves the time forward in
/// place, and memory grows with distinct observations, not with events. Past the budget the
/// records are sorted and spilled like every other stage. At the end they come back sorted
/// by user, then kind, then time: `ProfileFold` replays each user's in time order, the later
/// value of a field winning (on equal times, the larger payload by bytes: the same for any
/// order of the inputs, any `--jobs`, any split).
struct ProfileLog: Sendable {
    enum Kind: UInt8 {
        case demographics = 1
        case attributes = 2
        case endpoint = 3
    }

    static let defaultBudget = 16 << 20
    static let headerBytes = 17

    private var log: SortedRecordLog
    /// Open addressing over the records in memory: hash of (user, kind, payload) and arena
    /// offset + 1 (0: empty).
    private var hashes: [UInt64]
    private var records: [UInt32]
    private var used = 0
    private var scratch: [UInt8] = []

    init(memoryBudget: Int = ProfileLog.defaultBudget, store: (any SpillStore)?) {
        log = SortedRecordLog(memoryBudget: memoryBudget, store: store)
        hashes = Array(repeating: 0, count: 1024)
        records = Array(repeating: 0, count: 1024)
    }

    var spillFailure: String? { log.spillFailure }
    var spilledRuns: Int { log.spilledRuns }

    /// Notes that `user` showed the observation `payload` writes, at `time`.
    mutating func observe(user: UInt64, _ kind: Kind, time: Int64, _ payload: (inout [UInt8]) -> Void) {
        scratch.removeAll(keepingCapacity: true)
        Self.putWord(user, &scratch)
        scratch.append(kind.rawValue)
        Self.putWord(UInt64(bitPattern: time) ^ (1 << 63), &scratch)
        payload(&scratch)
        let hash = scratch.withUnsafeBytes { raw in
            Hash64.hash(UnsafeRawBufferPointer(rebasing: raw[Self.headerBytes...]), seed: user &+ UInt64(kind.rawValue))
        }
        let mask = hashes.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while records[i] != 0 {
            let index = Int(records[i]) - 1
            if hashes[i] == hash, let earlier = timeIfSame(record: index) {
                if time > earlier {
                    log.update(record: index) { $0.storeBytes(of: (UInt64(bitPattern: time) ^ (1 << 63)).bigEndian, toByteOffset: 9, as: UInt64.self) }
                }
                return
            }
            i = (i + 1) & mask
        }
        let index = log.append { $0.append(contentsOf: scratch) }
        hashes[i] = hash
        records[i] = UInt32(index + 1)
        used += 1
        if log.isFull {
            spill()
        } else if used * 2 > hashes.count {
            grow()
        }
    }

    /// The time of record `index` when it is `scratch` but for its time; nil otherwise.
    private func timeIfSame(record index: Int) -> Int64? {
        log.withRecord(index) { stored -> Int64? in
            scratch.withUnsafeBytes { record -> Int64? in
                guard stored.count == record.count,
                    memcmp(stored.baseAddress!, record.baseAddress!, 9) == 0,
                    memcmp(stored.baseAddress! + Self.headerBytes, record.baseAddress! + Self.headerBytes, record.count - Self.headerBytes) == 0
                else { return nil }
                return Int64(bitPattern: UInt64(bigEndian: stored.loadUnaligned(fromByteOffset: 9, as: UInt64.self)) ^ (1 << 63))
            }
        }
    }

    private mutating func grow() {
        let oldHashes = hashes
        let oldOffsets = records
        hashes = Array(repeating: 0, count: oldHashes.count * 2)
        records = Array(repeating: 0, count: oldHashes.count * 2)
        let mask = hashes.count - 1
        for j in oldOffsets.indices where oldOffsets[j] != 0 {
            var i = Int(truncatingIfNeeded: oldHashes[j]) & mask
            while records[i] != 0 { i = (i + 1) & mask }
            hashes[i] = oldHashes[j]
            records[i] = oldOffsets[j]
        }
    }

    private mutating func spill() {
        log.spill()
        guard log.count == 0 else {  // no store, or spilling failed: keep all in memory
            if used * 2 > hashes.count { grow() }
            return
        }
        for i in records.indices { records[i] = 0 }
        used = 0
    }

    /// Takes in `other`'s observations (after reading: no more `observe` calls).
    mutating func absorb(_ other: ProfileLog) {
        log.absorb(other.log)
        for i in records.indices { records[i] = 0 }
        used = 0
    }

    /// Calls `body` with every observation, by user, kind, time. Consumes the log.
    mutating func withSorted<R>(_ body: (SortedRecords) -> R) -> R {
        hashes = []
        records = []
        return log.withSorted(body)
    }

    static func putWord(_ value: UInt64, _ out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    /// Appends a text as a 2-byte length and its bytes (longer texts are cut at 65,535 bytes).
    static func putText(_ bytes: UnsafeRawBufferPointer, _ out: inout [UInt8]) {
        let n = min(bytes.count, 65_535)
        out.append(UInt8(n >> 8))
        out.append(UInt8(n & 0xFF))
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<n]))
    }

    static func putText(_ text: String, _ out: inout [UInt8]) {
        var text = text
        text.withUTF8 { putText(UnsafeRawBufferPointer($0), &out) }
    }
}

/// Reads the fields of one observation record back.
struct ProfileRecordReader {
    let bytes: UnsafeRawBufferPointer
    var offset = ProfileLog.headerBytes

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var user: UInt64 { UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)) }
    var kind: ProfileLog.Kind? { ProfileLog.Kind(rawValue: bytes[8]) }
    var time: Int64 { Int64(bitPattern: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 9, as: UInt64.self)) ^ (1 << 63)) }

    /// The next text; "" past the end.
    mutating func text() -> String {
        guard offset + 2 <= bytes.count else { return "" }
        let n = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
        let end = min(bytes.count, offset + 2 + n)
        defer { offset = end }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset + 2..<end]), as: UTF8.self)
    }

    /// The next text's raw bytes.
    mutating func raw() -> UnsafeRawBufferPointer {
        guard offset + 2 <= bytes.count else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let n = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
        let end = min(bytes.count, offset + 2 + n)
        defer { offset = end }
        return UnsafeRawBufferPointer(rebasing: bytes[offset + 2..<end])
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
