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
    }

    public var spillFailure: String? { log.spillFailure }

    /// Adds a row for each of `endpoints` of the member `profile` to each of `segments`.
    mutating func add(segments: [Int], profile: UserProfile, endpoints: [UserProfile.Endpoint]) {
        guard !endpoints.isEmpty else { return }
        let attributes = profile.attributes
            .filter { !MemberExport.withheldAttributes.contains($0.key) && !$0.value.values.isEmpty }
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        let keys = attributes.map { ColumnKey(endpointLevel: $0.value.origin == .endpointAttributes, name: $0.key) }
        // The row after its sort key, the same for every segment.
        var body: [UInt8] = []
        for segment in segments {
            for (key, (_, attribute)) in zip(keys, attributes) {
                columns[segment][key] = max(columns[segment][key] ?? 0, attribute.values.count)
            }
        }
        for endpoint in endpoints {
            body.removeAll(keepingCapacity: true)
            for key in [profile.userID, endpoint.id, endpoint.channelType] {
                body.append(contentsOf: key.utf8.map { $0 == 0 ? 0x20 : $0 })
                body.append(0)
            }
            for text in [endpoint.address, endpoint.platform, endpoint.appVersion, endpoint.locale, endpoint.country] {
                ProfileLog.putText(text ?? "", &body)
            }
            ProfileLog.putWord(UInt64(attributes.count), &body)
            for (name, attribute) in attributes {
                body.append(attribute.origin == .endpointAttributes ? 1 : 0)
                ProfileLog.putText(name, &body)
                ProfileLog.putWord(UInt64(attribute.values.count), &body)
                for value in attribute.values { ProfileLog.putText(value, &body) }
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

    /// The header of segment `index`'s export: the fixed columns, then each attribute column
    /// as often as its most values in one row (the import format repeats a multi-valued
    /// attribute's column).
    public func header(segment index: Int) -> [String] {
        MemberExport.fixedColumns + columns[index].sorted { $0.key < $1.key }.flatMap { Array(repeating: $0.key.header, count: $0.value) }
    }

    /// Calls `row` for every row, by segment then user id then endpoint id, with the row's
    /// cells in `header(segment:)` order. Consumes the log.
    public mutating func forEachRow(_ row: (_ segment: Int, _ cells: [String]) -> Void) {
        let layouts = columns.map { $0.sorted { $0.key < $1.key } }
        log.withSorted { records in
            while let bytes = records.next() {
                let segment = Int(bytes[0]) << 8 | Int(bytes[1])
                var offset = 2
                var keys: [String] = []
                for _ in 0..<3 {
                    var end = offset
                    while end < bytes.count && bytes[end] != 0 { end += 1 }
                    keys.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), as: UTF8.self))
                    offset = min(bytes.count, end + 1)
                }
                var reader = ProfileRecordReader(bytes)
                reader.offset = offset
                let (address, platform, appVersion, locale, country) = (reader.text(), reader.text(), reader.text(), reader.text(), reader.text())
                var values: [ColumnKey: [String]] = [:]
                for _ in 0..<reader.word() {
                    let endpointLevel = reader.byte() == 1
                    let name = reader.text()
                    values[ColumnKey(endpointLevel: endpointLevel, name: name)] = (0..<reader.word()).map { _ in reader.text() }
                }
                var cells = [keys[2], address, keys[1], keys[0], platform, appVersion, locale, country]
                for (key, width) in layouts[segment] {
                    let given = values[key] ?? []
                    cells += (0..<width).map { $0 < given.count ? given[$0] : "" }
                }
                row(segment, cells)
            }
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
