/// What the events say about each user's profile (`docs/segments.md` "Profiles"), gathered
/// while reading, in bounded memory.
///
/// Each observation is a record `[user hash, 8 bytes big-endian][kind][time, 8 bytes, sign
/// flipped, big-endian][input position, complemented, 8 bytes][payload: NUL-terminated
/// fields]` in a `SortedRecordLog`, one per event: an activity event's demographics, and a
/// Pinpoint event's `UserAttributes` and `Attributes` objects as written and its endpoint. A
/// user repeats the same observation on most events, so records in memory are indexed by (user, kind, payload): a repeat only moves the time forward in
/// place, and memory grows with distinct observations, not with events. Past the budget the
/// records are sorted and spilled like every other stage. At the end they come back sorted
/// by user, then kind, then time: `ProfileFold` replays each user's in time order, the later
/// value of a field winning. On equal times the earlier input wins (the copy of a duplicate
/// delivery that the counts keep is the earliest input's), then the larger payload by bytes:
/// the same for any order of reading, any `--jobs`.
struct ProfileLog: Sendable {
    enum Kind: UInt8 {
        /// What one event says (`observe(_:user:position:demographics:fields:)`).
        case event = 4
    }

    static let defaultBudget = 24 << 20
    static let headerBytes = 25

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

    /// Notes that `user` showed the observation `payload` writes, at `time`, in the input at
    /// `position` (`InputReport.position`).
    mutating func observe(user: UInt64, _ kind: Kind, time: Int64, position: UInt64, _ payload: (inout [UInt8]) -> Void) {
        scratch.removeAll(keepingCapacity: true)
        Self.putWord(user, &scratch)
        scratch.append(kind.rawValue)
        Self.putWord(UInt64(bitPattern: time) ^ (1 << 63), &scratch)
        Self.putWord(~position, &scratch)
        payload(&scratch)
        let hash = scratch.withUnsafeBytes { raw in
            Hash64.hash(UnsafeRawBufferPointer(rebasing: raw[Self.headerBytes...]), seed: user &+ UInt64(kind.rawValue))
        }
        let mask = hashes.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while records[i] != 0 {
            let index = Int(records[i]) - 1
            if hashes[i] == hash, let earlier = whenIfSame(record: index) {
                // Keep the latest time, and of equal times the earliest input.
                if (time, ~position) > (earlier.time, ~earlier.position) {
                    log.update(record: index) { record in
                        record.storeBytes(of: (UInt64(bitPattern: time) ^ (1 << 63)).bigEndian, toByteOffset: 9, as: UInt64.self)
                        record.storeBytes(of: (~position).bigEndian, toByteOffset: 17, as: UInt64.self)
                    }
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

    /// The time and input of record `index` when it is `scratch` but for them; nil otherwise.
    private func whenIfSame(record index: Int) -> (time: Int64, position: UInt64)? {
        log.withRecord(index) { stored -> (time: Int64, position: UInt64)? in
            scratch.withUnsafeBytes { record -> (time: Int64, position: UInt64)? in
                guard stored.count == record.count,
                    memcmp(stored.baseAddress!, record.baseAddress!, 9) == 0,
                    memcmp(stored.baseAddress! + Self.headerBytes, record.baseAddress! + Self.headerBytes, record.count - Self.headerBytes) == 0
                else { return nil }
                return (
                    Int64(bitPattern: UInt64(bigEndian: stored.loadUnaligned(fromByteOffset: 9, as: UInt64.self)) ^ (1 << 63)),
                    ~UInt64(bigEndian: stored.loadUnaligned(fromByteOffset: 17, as: UInt64.self))
                )
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

    /// Appends an observation record as it was written (read back from a nightly state); it
    /// is folded with the others by the segment pass, like a record of another spilled run.
    mutating func appendRecord(_ bytes: UnsafeRawBufferPointer) {
        _ = log.append { $0.appendBytes(bytes) }
        if log.isFull { spill() }
    }

    /// Calls `body` with the observation record `raw` (at least `headerBytes`), its input
    /// position (stored complemented) moved by `shift` (`StatePositions.moving`).
    static func shiftingPosition(of raw: UnsafeRawBufferPointer, by shift: UInt64, scratch: inout [UInt8], _ body: (UnsafeRawBufferPointer) -> Void) {
        StatePositions.moving(raw, at: 17, complemented: true, by: shift, scratch: &scratch, body)
    }

    /// Takes in `other`'s observations (after reading: no more `observe` calls).
    mutating func absorb(_ other: ProfileLog) {
        log.absorb(other.log)
        for i in records.indices { records[i] = 0 }
        used = 0
    }

    /// Every observation in order, the log left as it was (`SortedRecordLog.sortedCopy`).
    func sortedCopy() -> SortedRecords { log.sortedCopy() }

    /// Calls `body` with every observation, by user, kind, time. Consumes the log.
    mutating func withSorted<R>(_ body: (SortedRecords) -> R) -> R {
        hashes = []
        records = []
        return log.withSorted(body)
    }

    static func putWord(_ value: UInt64, _ out: inout [UInt8]) {
        out.appendInPlace(8) { $0.storeBytes(of: value.bigEndian, as: UInt64.self) }
    }

    /// Appends a field and its terminating NUL (a NUL inside it, from a `\u0000` escape, is
    /// written as a space): records then compare field by field as bytes.
    static func putText(_ bytes: UnsafeRawBufferPointer, _ out: inout [UInt8]) {
        // `memchr`: the attribute objects of every Pinpoint event are scanned (a byte loop
        // was a seventh of `observe`).
        // Written in place with its NUL (`appendInPlace`: `append(contentsOf:)` of a raw buffer
        // cost ~100 instructions a call, and an event writes about a dozen fields).
        out.appendInPlace(bytes.count + 1) { room in
            if let base = bytes.baseAddress {
                room.baseAddress!.copyMemory(from: base, byteCount: bytes.count)
                if memchr(base, 0, bytes.count) != nil {
                    for i in 0..<bytes.count where room[i] == 0 { room[i] = 0x20 }
                }
            }
            room[bytes.count] = 0
        }
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

    /// The next field's bytes (up to its NUL); empty past the end.
    mutating func raw() -> UnsafeRawBufferPointer {
        guard offset < bytes.count, let base = bytes.baseAddress else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        // `memchr`, not a loop over the bytes: on a tenth of the bench set with the directory
        // and 3 segments, writing the member exports 475 -> 436 M instructions, folding the
        // profiles' observations 615 -> 572 M.
        let start = base + offset
        let end = memchr(start, 0, bytes.count - offset).map { base.distance(to: UnsafeRawPointer($0)) } ?? bytes.count
        defer { offset = end + 1 }
        return UnsafeRawBufferPointer(start: start, count: end - offset)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
