/// The duplicate filter's window: fingerprints and where their events were counted, in the
/// order they were read, as 48-byte entries (the layout of a spilled run, `encode`).
///
/// Appending is sequential: no lookup per event. Duplicates are found when the window is
/// sorted (`sortedOrder`), when it spills and at the end; events are rarely delivered twice,
/// so a per-event hash probe (a cache miss into a table of megabytes) bought nothing that
/// the final merge does not do anyway.
struct FingerprintLog: Sendable {
    static let entryBytes = 48

    private(set) var bytes: [UInt8] = []
    var count: Int { bytes.count / Self.entryBytes }

    init(reserve: Int = 0) { bytes.reserveCapacity(reserve * Self.entryBytes) }

    /// A log of the entries in `bytes` (whole entries, as `encode` writes them).
    init(bytes: [UInt8]) {
        precondition(bytes.count % Self.entryBytes == 0, "a fingerprint log holds whole entries")
        self.bytes = bytes
    }

    /// Appends one entry, encoded where it goes (`appendInPlace`).
    @inline(__always)
    mutating func append(_ fingerprint: Fingerprint, _ counted: DuplicateFilter.Counted) {
        bytes.appendInPlace(Self.entryBytes) { Self.encode(fingerprint, counted, into: $0, at: 0) }
    }

    /// Empties the log in place (its memory is kept).
    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    /// Entry numbers in (fingerprint, input position, entry number) order: of equal
    /// fingerprints, the earliest input's come first, each input's in the order read (after
    /// a merge, a log holds several workers' entries, in no input order). Fingerprints are
    /// uniformly random: a `BucketSort` on `high`, linear time, 4 bytes an entry.
    func sortedOrder() -> [UInt32] {
        bytes.withUnsafeBytes { raw in
            func word(_ entry: UInt32, _ at: Int) -> UInt64 {
                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: Int(entry) * Self.entryBytes + at, as: UInt64.self))
            }
            // The entry number breaks ties, so equal keys keep their reading order.
            return BucketSort.sorted(count: count, item: { UInt32($0) }, lead: { word($0, 0) }) { a, b in
                let (x, y) = ((word(a, 0), word(a, 8), word(a, 24)), (word(b, 0), word(b, 8), word(b, 24)))
                return x != y ? x < y : a < b
            }
        }
    }

    /// `sortedOrder()` split by the entries' day groups (`DuplicateFilter.group(ofDay:)`):
    /// each group that has entries, with them in sorted order. (A counting pass and a scatter,
    /// ~6 instructions an entry: a spill's ~0.1% of a run.)
    func sortedOrderByGroup() -> [(group: Int, order: ArraySlice<UInt32>)] {
        let sorted = sortedOrder()
        let groups = DuplicateFilter.dayGroups
        var starts = [Int](repeating: 0, count: groups + 1)
        // Each entry's group, read in entry order (read in sorted order, each entry would be a
        // cache miss into the log).
        var groupOf = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            groupOf.withUnsafeMutableBufferPointer { groupOf in
                starts.withUnsafeMutableBufferPointer { starts in
                    for i in 0..<groupOf.count {
                        let day = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * Self.entryBytes + 16, as: Int32.self))
                        let group = DuplicateFilter.group(ofDay: day)
                        groupOf[i] = UInt8(truncatingIfNeeded: group)
                        starts[group + 1] += 1
                    }
                }
            }
        }
        for g in 0..<groups { starts[g + 1] += starts[g] }
        var next = starts
        let order = [UInt32](unsafeUninitializedCapacity: sorted.count) { out, initialized in
            groupOf.withUnsafeBufferPointer { groupOf in
                next.withUnsafeMutableBufferPointer { next in
                    for i in sorted {
                        let g = Int(groupOf[Int(i)])
                        (out.baseAddress! + next[g]).initialize(to: i)
                        next[g] += 1
                    }
                }
            }
            initialized = sorted.count
        }
        return (0..<groups).compactMap { g in starts[g] < starts[g + 1] ? (g, order[starts[g]..<starts[g + 1]]) : nil }
    }

    /// Writes one 48-byte entry at `offset`: fingerprint, day, profile, input, user, kind,
    /// whether there is a user, why `--pinpoint-parity` left the event out (0: it did not;
    /// else `ParityReason`'s raw value: since schema version 5 of the nightly state), 5 bytes
    /// of zeros; little-endian.
    @inline(__always)
    static func encode(_ fingerprint: Fingerprint, _ counted: DuplicateFilter.Counted, into raw: UnsafeMutableRawBufferPointer, at offset: Int) {
        raw.storeBytes(of: fingerprint.high.littleEndian, toByteOffset: offset, as: UInt64.self)
        raw.storeBytes(of: fingerprint.low.littleEndian, toByteOffset: offset + 8, as: UInt64.self)
        raw.storeBytes(of: counted.day.littleEndian, toByteOffset: offset + 16, as: Int32.self)
        raw.storeBytes(of: counted.profile.littleEndian, toByteOffset: offset + 20, as: UInt32.self)
        raw.storeBytes(of: counted.input.littleEndian, toByteOffset: offset + 24, as: UInt64.self)
        raw.storeBytes(of: (counted.user ?? 0).littleEndian, toByteOffset: offset + 32, as: UInt64.self)
        raw[offset + 40] = counted.kind.rawValue
        raw[offset + 41] = counted.user == nil ? 0 : 1
        raw[offset + 42] = counted.leftOut?.rawValue ?? 0
        // The zeros too: a caller may encode into memory it did not clear (an in-order run's
        // block, reused from one block to the next), whose bytes would otherwise go to the
        // spill store as they were.
        raw[offset + 43] = 0
        raw.storeBytes(of: 0 as UInt32, toByteOffset: offset + 44, as: UInt32.self)
    }

    /// Reads the entry at `offset`; `profile` maps its profile id to the reader's (not a
    /// left-out event's, whose profile is no id).
    @inline(__always)
    static func decode(_ raw: UnsafeRawBufferPointer, at p: Int, profile: (UInt32) -> UInt32 = { $0 })
        -> (Fingerprint, DuplicateFilter.Counted)
    {
        let high = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt64.self))
        let low = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p + 8, as: UInt64.self))
        let day = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: p + 16, as: Int32.self))
        let stored = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: p + 20, as: UInt32.self))
        let input = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p + 24, as: UInt64.self))
        let user = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p + 32, as: UInt64.self))
        let kind = EventKind(rawValue: raw[p + 40]) ?? .other
        let hasUser = raw[p + 41] == 1
        let leftOut = raw[p + 42] == 0 ? nil : ParityReason(rawValue: raw[p + 42])
        return (
            Fingerprint(high: high, low: low),
            .init(day: day, profile: leftOut == nil ? profile(stored) : stored, kind: kind, input: input, user: hasUser ? user : nil, leftOut: leftOut)
        )
    }
}
