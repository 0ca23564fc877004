/// An input's entry as a nightly state keeps it until the reports that list it are written
/// (`docs/state.md` "A run stopped between its commit and its reports"): every field, each
/// text as its length (a varint) and its bytes, each count a varint (the instants zigzag), so
/// that any bytes a path, a member name or an error holds come back as they were.
extension InputReport {
    /// Version of the layout, its first byte: a later layout is refused, not misread.
    static let recordLayout: UInt8 = 1

    /// The entry's bytes.
    public var record: [UInt8] {
        var out: [UInt8] = [Self.recordLayout]
        func text(_ value: String) {
            Varint.put(UInt64(value.utf8.count), &out)
            out.append(contentsOf: value.utf8)
        }
        func optional(_ value: String?) {
            out.append(value == nil ? 0 : 1)
            if let value { text(value) }
        }
        func count(_ value: Int) { Varint.put(Varint.zigzag(value), &out) }
        text(path)
        optional(member)
        Varint.put(position, &out)
        text(format)
        text(compression)
        optional(container)
        for value in [records, events, duplicates, skipped, rejected] { count(value) }
        text(status.rawValue)
        optional(error)
        count(skipReasons.count)
        for (reason, n) in skipReasons.sorted(by: { $0.key < $1.key }) {
            text(reason)
            count(n)
        }
        Varint.put(Varint.zigzag(Int(oldestEventMillis)), &out)
        Varint.put(Varint.zigzag(Int(newestEventMillis)), &out)
        return out
    }

    /// The entry `record` made these bytes from; nil when they are not such bytes (cut short,
    /// another layout, text that is not UTF-8, bytes left over).
    public init?(record raw: UnsafeRawBufferPointer) {
        var at = 0
        func text() -> String? {
            guard let count = Varint.get(raw, &at), count <= UInt64(raw.count - at) else { return nil }
            let bytes = UnsafeRawBufferPointer(rebasing: raw[at..<at + Int(count)])
            at += Int(count)
            return String(validating: bytes, as: UTF8.self)
        }
        func optional() -> String?? {
            guard at < raw.count else { return nil }
            at += 1
            switch raw[at - 1] {
            case 0: return .some(nil)
            case 1: return text().map { .some($0) }
            default: return nil
            }
        }
        func count() -> Int? { Varint.get(raw, &at).map(Varint.unzigzag) }
        guard raw.first == Self.recordLayout else { return nil }
        at = 1
        guard let path = text(), let member = optional(), let position = Varint.get(raw, &at), let format = text(),
            let compression = text(), let container = optional()
        else { return nil }
        self.init(path: path, member: member)
        self.position = position
        self.format = format
        self.compression = compression
        self.container = container
        guard let records = count(), let events = count(), let duplicates = count(), let skipped = count(), let rejected = count(),
            let status = text().flatMap(Status.init(rawValue:)), let error = optional(), let reasons = count(), reasons >= 0
        else { return nil }
        (self.records, self.events, self.duplicates, self.skipped, self.rejected) = (records, events, duplicates, skipped, rejected)
        self.status = status
        self.error = error
        for _ in 0..<reasons {
            guard let reason = text(), let n = count() else { return nil }
            skipReasons[reason] = n
        }
        guard let oldest = count(), let newest = count(), at == raw.count else { return nil }
        oldestEventMillis = Int64(oldest)
        newestEventMillis = Int64(newest)
    }
}
