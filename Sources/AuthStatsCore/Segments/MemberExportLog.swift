import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The rows of every segment's member export (`segments/<file>.csv`), in Pinpoint's endpoint
/// import CSV format (`docs/segments.md` "Member exports"), gathered in user-hash order and
/// handed out sorted by segment, user id, endpoint id and channel (a `SortedRecordLog`: the
/// rows of a large segment spill like every other stage).
///
/// Record: segment (2 bytes, big-endian), user id, `0x00`, endpoint id, `0x00`, channel,
/// `0x00` (so byte order is the row order), then the row's texts and its attributes.
public struct MemberExportLog: Sendable {
    private var log: SortedRecordLog
    /// Per segment, the attribute columns its rows need: (group, name) → most values of one row.
    private(set) var columns: [[ColumnKey: Int]]
    /// Per segment, the columns of the last member `add` noted in `columns`: most members
    /// have the same attribute names and counts, which then need no lookup (a `String` hash
    /// per attribute, segment and member had been a third of `add`).
    private var lastColumns: [[ColumnKey]]
    private var lastWidths: [[Int]]

    /// `User.UserAttributes.<name>` (directory and Pinpoint user attributes) sort before
    /// `Attributes.<name>` (Pinpoint endpoint attributes).
    struct ColumnKey: Hashable, Comparable {
        var endpointLevel: Bool
        var name: String

        static func < (a: ColumnKey, b: ColumnKey) -> Bool {
            if a.endpointLevel != b.endpointLevel { return !a.endpointLevel }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }

        var header: String { (endpointLevel ? "Attributes." : "User.UserAttributes.") + name }
    }

    init(segments: Int, store: (any SpillStore)?) {
        log = SortedRecordLog(memoryBudget: 8 << 20, store: store)
        columns = Array(repeating: [:], count: segments)
        lastColumns = Array(repeating: [], count: segments)
        lastWidths = Array(repeating: [], count: segments)
    }

    public var spillFailure: String? { log.spillFailure ?? readLogSpillFailure }
    /// The spill failure of the log `forEachRecord` consumed.
    private var readLogSpillFailure: String?

    /// Takes in `other`'s rows (of the same segments).
    mutating func absorb(_ other: MemberExportLog) {
        log.absorb(other.log)
        for s in columns.indices {
            columns[s].merge(other.columns[s]) { max($0, $1) }
        }
    }

    /// Adds a row for each of `endpoints` of the member `profile` to each of `segments`.
    mutating func add(segments: [Int], profile: UserProfile, endpoints: [UserProfile.Endpoint]) {
        guard !endpoints.isEmpty else { return }
        var attributes: [ExportAttribute] = []
        for (name, attribute) in profile.attributes where !attribute.values.isEmpty && !MemberExport.isWithheld(name) {
            attributes.append(ExportAttribute(name: name, endpointLevel: attribute.origin == .endpointAttributes, values: attribute.values))
        }
        attributes.sort { $0.key.name.utf8.lexicographicallyPrecedes($1.key.name.utf8) }
        add(segments: segments, userID: profile.userID, attributes: attributes, endpoints: endpoints)
    }

    /// Adds a row for each of `endpoints` of the member `userID` to each of `segments`, with
    /// `attributes`: the member's attributes with values, none withheld, in byte order of
    /// their names (what `add(segments:profile:endpoints:)` makes of a profile).
    mutating func add(segments: [Int], userID: String, attributes: [ExportAttribute], endpoints: [UserProfile.Endpoint]) {
        guard !endpoints.isEmpty else { return }
        for segment in segments where !Self.same(lastColumns[segment], lastWidths[segment], attributes) {
            for attribute in attributes {
                columns[segment][attribute.key] = max(columns[segment][attribute.key] ?? 0, attribute.count)
            }
            lastColumns[segment] = attributes.map(\.key)
            lastWidths[segment] = attributes.map(\.count)
        }
        // The row after its sort key, the same for every segment.
        var body: [UInt8] = []
        for endpoint in endpoints {
            body.removeAll(keepingCapacity: true)
            ProfileLog.putText(userID, &body)
            ProfileLog.putText(endpoint.id, &body)
            ProfileLog.putText(endpoint.channelType, &body)
            // Only a shared EMAIL, SMS or VOICE endpoint's `Address` is an address
            // (`exportedEndpoints`); one in a push token or a demographic field is withheld as an
            // attribute's is (a review found them exported).
            let address = endpoint.address ?? ""
            ProfileLog.putText(MemberExport.addressChannels.contains(endpoint.channelType) ? address : Addresses.exportCell(address), &body)
            for value in [endpoint.platform, endpoint.appVersion, endpoint.locale, endpoint.country] {
                ProfileLog.putText(Addresses.exportCell(value ?? ""), &body)
            }
            ProfileLog.putWord(UInt64(attributes.count), &body)
            for attribute in attributes {
                body.append(attribute.key.endpointLevel ? 1 : 0)
                ProfileLog.putText(attribute.key.name, &body)
                ProfileLog.putWord(UInt64(attribute.count), &body)
                // An address in an attribute (`custom:email`, …) is never exported: only a
                // verified EMAIL/SMS endpoint's `Address` is (`Addresses`).
                if let value = attribute.bytes {
                    ProfileLog.putText(Addresses.holdsOne(value) ? UnsafeRawBufferPointer(start: nil, count: 0) : value, &body)
                } else {
                    for value in attribute.values { ProfileLog.putText(Addresses.holdsOne(value) ? "" : value, &body) }
                }
            }
            for segment in segments {
                log.append { out in
                    out.append(UInt8(segment >> 8))
                    out.append(UInt8(segment & 0xFF))
                    out.append(contentsOf: body)
                }
                if log.isFull { log.spill() }
            }
        }
    }

    /// Whether `attributes` have the columns and widths noted last.
    private static func same(_ keys: [ColumnKey], _ widths: [Int], _ attributes: [ExportAttribute]) -> Bool {
        guard keys.count == attributes.count else { return false }
        for (i, attribute) in attributes.enumerated() where widths[i] != attribute.count || keys[i] != attribute.key { return false }
        return true
    }

    /// The header of segment `index`'s export: the fixed columns, then each attribute column
    /// as often as its most values in one row (the import format repeats a multi-valued
    /// attribute's column).
    public func header(segment index: Int) -> [String] {
        MemberExport.fixedColumns + columns[index].sorted { $0.key < $1.key }.flatMap { Array(repeating: $0.key.header, count: $0.value) }
    }

    /// Calls `row` for every row, by segment then user id then endpoint id, with the row's
    /// cells in `header(segment:)` order. Consumes the log.
    public mutating func forEachRow(_ row: (_ segment: Int, _ cells: [String]) -> Void) {
        var cells: [String] = []
        forEachRecord { segment, fields in
            cells.removeAll(keepingCapacity: true)
            fields { cells.append(String(decoding: $0, as: UTF8.self)) }
            row(segment, cells)
        }
    }

    /// Calls `line` for every row, as `forEachRow` orders them, with the row's CSV line
    /// (`MemberExport.line`'s rules, `\n` included), made from the stored bytes without a
    /// `String` per cell. Consumes the log.
    public mutating func forEachLine(_ line: (_ segment: Int, _ bytes: UnsafeRawBufferPointer) -> Void) {
        var out: [UInt8] = []
        forEachRecord { segment, fields in
            out.removeAll(keepingCapacity: true)
            var first = true
            fields { cell in
                if !first { out.append(0x2C) }
                first = false
                MemberExport.appendField(cell, to: &out)
            }
            out.append(0x0A)
            out.withUnsafeBytes { line(segment, $0) }
        }
    }

    /// Walks the sorted records; for each, `body` gets its segment and a function that hands
    /// out its cells' bytes in header order.
    private mutating func forEachRecord(_ body: (Int, ((UnsafeRawBufferPointer) -> Void) -> Void) -> Void) {
        let layouts = columns.map { layout in
            layout.sorted { $0.key < $1.key }.map { Column(level: $0.key.endpointLevel, name: Array($0.key.name.utf8), width: $0.value) }
        }
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        // The rows are merged from the sorted runs on a thread of their own and come here a
        // batch at a time (`FramedRecords`), while this thread makes them into
        // lines: each was about half of writing the exports, ~0.25 s of one thread at the end
        // of a segments run over the bench set with the other core idle.
        // The log goes to that thread alone (a second reference to its arenas would make its
        // sort copy them: +11 MB peak).
        readLogSpillFailure = log.spillFailure
        let handed = HandedLog(log)
        log = SortedRecordLog(memoryBudget: 0, store: nil)
        let batches = BoundedQueue<[UInt8]>(capacity: 4)
        let merged = DispatchGroup()
        DispatchQueue.global().async(group: merged) {
            var sorted = handed.take()
            sorted.withSorted { records in
                var batch: [UInt8] = []
                while let bytes = records.next() {
                    FramedRecords.append(bytes, to: &batch)
                    if batch.count >= Self.batchBytes {
                        batches.put(batch)
                        batch = []
                    }
                }
                if !batch.isEmpty { batches.put(batch) }
            }
            batches.close()
        }
        defer { merged.wait() }
        // The record's attributes, reused from row to row (no array made per row): level,
        // name and the range of their values in `values`.
        var levels: [Bool] = []
        var names: [UnsafeRawBufferPointer] = []
        var ranges: [Range<Int>] = []
        var values: [UnsafeRawBufferPointer] = []
        var slots = ColumnSlots()
        func row(_ bytes: UnsafeRawBufferPointer) {
            let segment = Int(bytes[0]) << 8 | Int(bytes[1])
            var reader = ProfileRecordReader(bytes)
            reader.offset = 2
            let (user, id, channel) = (reader.raw(), reader.raw(), reader.raw())
            let (address, platform, appVersion, locale, country) = (reader.raw(), reader.raw(), reader.raw(), reader.raw(), reader.raw())
            levels.removeAll(keepingCapacity: true)
            names.removeAll(keepingCapacity: true)
            ranges.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            for _ in 0..<reader.word() {
                levels.append(reader.byte() == 1)
                names.append(reader.raw())
                let first = values.count
                for _ in 0..<reader.word() { values.append(reader.raw()) }
                ranges.append(first..<values.count)
            }
            let layout = layouts[segment]
            slots.match(segment: segment, levels: levels, names: names, layout: layout)
            body(segment) { cell in
                cell(channel)
                cell(address)
                cell(id)
                cell(user)
                cell(platform)
                cell(appVersion)
                cell(locale)
                cell(country)
                for (c, column) in layout.enumerated() {
                    let slot = slots.slots[c]
                    let given = slot < 0 ? 0..<0 : ranges[slot]
                    for i in 0..<column.width { cell(i < given.count ? values[given.lowerBound + i] : none) }
                }
            }
        }
        while let batch = batches.take() {
            batch.withUnsafeBytes { FramedRecords.forEach(in: $0, row) }
        }
    }

    /// Bytes of merged rows handed over at a time (`forEachRecord`).
    static let batchBytes = 1 << 18

    /// A log handed to another thread, which takes it out (then it holds the only reference).
    private final class HandedLog: @unchecked Sendable {
        // Unchecked: set here, taken once by the thread it is handed to.
        private var log: SortedRecordLog?
        init(_ log: SortedRecordLog) { self.log = log }
        func take() -> SortedRecordLog {
            defer { log = nil }
            return log!
        }
    }

    /// One attribute column of a segment's export: its level, name and how many cells it takes.
    private struct Column {
        var level: Bool
        var name: [UInt8]
        var width: Int
    }

    /// Which of a row's attributes fills each column of its segment's layout (-1: none: the
    /// first with the column's level and name), by the row's segment and attribute names:
    /// rows have a few sets of names (a member's attributes are those with values), each
    /// matched once and found again by a hash of the names, checked byte for byte.
    /// (Searching every column among each row's attributes, with an array made per row and per
    /// attribute, had cost writing the 35,000 rows of a tenth of the bench set 559 M
    /// instructions; 475 M keeping the last row's match, as rows alternate among their sets of
    /// names.)
    private struct ColumnSlots {
        private(set) var slots: [Int] = []

        private struct Entry {
            var segment: Int
            var levels: [Bool]
            var names: [[UInt8]]
            var slots: [Int]

            func matches(segment: Int, levels: [Bool], names: [UnsafeRawBufferPointer]) -> Bool {
                segment == self.segment && levels == self.levels && names.count == self.names.count
                    && names.indices.allSatisfy { i in
                        names[i].count == self.names[i].count
                            && self.names[i].withUnsafeBytes { names[i].isEmpty || memcmp($0.baseAddress!, names[i].baseAddress!, $0.count) == 0 }
                    }
            }
        }

        /// Sets of names seen, by hash (one kept per hash: another set of the same hash
        /// replaces it), at most `limit`.
        private var seen: [UInt64: Entry] = [:]
        static let limit = 4096

        mutating func match(segment: Int, levels: [Bool], names: [UnsafeRawBufferPointer], layout: [Column]) {
            var hash = UInt64(segment)
            for (level, name) in zip(levels, names) { hash = Hash64.hash(name, seed: hash &* 31 &+ (level ? 1 : 0)) }
            if let entry = seen[hash], entry.matches(segment: segment, levels: levels, names: names) {
                slots = entry.slots
                return
            }
            slots = layout.map { column in
                levels.indices.first { levels[$0] == column.level && names[$0].elementsEqual(column.name) } ?? -1
            }
            // Bounded: rows of ever new names (a directory of varied attributes) start again.
            if seen.count >= Self.limit { seen.removeAll(keepingCapacity: true) }
            seen[hash] = Entry(segment: segment, levels: levels, names: names.map { Array($0) }, slots: slots)
        }
    }
}

extension ProfileRecordReader {
    mutating func word() -> Int {
        guard offset + 8 <= bytes.count else { return 0 }
        defer { offset += 8 }
        return Int(UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
    }

    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }
}

/// One attribute of a member's export rows: its column and its values, either `String`s or
/// one value as the bytes of a directory record (valid while the row is added: no `String`
/// made for it).
struct ExportAttribute {
    var key: MemberExportLog.ColumnKey
    var values: [String]
    /// The one value, as UTF-8 bytes (then `values` is empty).
    var bytes: UnsafeRawBufferPointer?

    init(name: String, endpointLevel: Bool, values: [String]) {
        key = MemberExportLog.ColumnKey(endpointLevel: endpointLevel, name: name)
        self.values = values
    }

    init(name: String, bytes: UnsafeRawBufferPointer) {
        key = MemberExportLog.ColumnKey(endpointLevel: false, name: name)
        values = []
        self.bytes = bytes
    }

    /// Values (the columns the attribute takes in the row).
    var count: Int { bytes == nil ? values.count : 1 }
}
