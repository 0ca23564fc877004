/// Cuts a decompressed byte stream into records (stage 2 of the pipeline).
///
/// Records may be newline-delimited JSON or JSON objects written back to back with no
/// separator (Firehose's default); both are read by the same loop, because a record ends
/// where its JSON value ends. Blank lines are skipped. Each record is parsed once, by the
/// `JSONScanner`, which both validates it and extracts the schema's fields; so framing costs
/// no separate pass over good records.
///
/// Records of any length up to `maxRecordBytes` are read whole: the buffer grows as needed.
/// A longer one is passed over without being kept (only its first `rejectPrefixBytes`) and
/// reported with its length. A broken record ends by the rules of `RecordBoundary`, so it
/// never takes the next good record with it.
///
/// Two container shapes are unwrapped on the way, so that memory never holds them whole:
/// - a CloudTrail log file, `{"Records":[ {…}, {…} ]}`: each element of the array is a record
///   (a file can be tens of MB);
/// - a CloudWatch Logs export line, `<ISO timestamp> {…}`: the JSON after the time is the
///   record.
///
/// Use: `fill` (or `append`) bytes, then call `next()` until it returns nil; at the end of
/// the stream call `finish()` and drain `next()` again. An item's ranges index `buffer` and
/// stay valid until the next `fill`/`append`.
public final class RecordFramer {
    public enum Item: Sendable, Equatable {
        /// A whole JSON value; the scanner's `fields` describe it.
        case record(range: Range<Int>, number: Int)
        /// Not JSON: `offset` is relative to the record start.
        case invalid(range: Range<Int>, number: Int, offset: Int, reason: String)
        /// Longer than the limit: its first bytes and total length.
        case oversize(prefix: [UInt8], number: Int, length: Int)
    }

    private enum Pending {
        case none
        case seeking(RecordBoundary)
        case skipping(RecordBoundary, length: Int, prefix: [UInt8])
    }

    /// The scanner, behind a pointer this framer owns: scanning a record through it needs no
    /// runtime exclusivity check (one per record on a class property).
    private let scanner: UnsafeMutablePointer<JSONScanner>
    /// The fields the scanner extracted from the last record.
    public var fields: [JSONField] { scanner.pointee.fields }
    public let maxRecordBytes: Int
    /// How much of an over-long record is kept for the quarantine file.
    public static let rejectPrefixBytes = 4096

    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private var filled = 0
    private var position = 0
    private var atEOF = false
    private var pending = Pending.none
    /// Records seen so far (good and bad); the next record's number is this plus one.
    public private(set) var recordCount = 0
    /// Inside the `Records` array of a CloudTrail file.
    private var inRecordsArray = false

    public init(scanner: JSONScanner, maxRecordBytes: Int, initialCapacity: Int = 1 << 20) {
        self.scanner = .allocate(capacity: 1)
        self.scanner.initialize(to: scanner)
        self.maxRecordBytes = maxRecordBytes
        (storage, capacity) = ScratchBuffers.take(max(initialCapacity, 64))
    }

    deinit {
        ScratchBuffers.give(storage, capacity: capacity)
        scanner.deinitialize(count: 1)
        scanner.deallocate()
    }

    /// The buffered bytes; record ranges and scanner fields index into it.
    public var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: filled) }

    /// Bytes buffered but not yet framed (for a stream that ends in the middle of a record).
    public var unframedBytes: Int { filled - position }

    /// Lets `body` write up to `space.count` bytes after the buffered ones; returns its count.
    public func fill(minimum: Int = 1 << 20, _ body: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows -> Int {
        reserve(minimum)
        let space = UnsafeMutableRawBufferPointer(start: storage + filled, count: capacity - filled)
        let count = try body(space)
        precondition(count >= 0 && count <= space.count)
        filled += count
        return count
    }

    /// Appends a chunk of the stream.
    public func append(_ bytes: UnsafeRawBufferPointer) {
        _ = fill(minimum: bytes.count) { space in
            space.copyMemory(from: bytes)
            return bytes.count
        }
    }

    /// Drops everything buffered (for a stream that is skipped whole); returns how many line
    /// breaks it held and its last byte.
    public func discardBuffered() -> (lineBreaks: Int, last: UInt8?) {
        var lines = 0
        for i in position..<filled where base[i] == 0x0A { lines += 1 }
        let last = filled > position ? base[filled - 1] : nil
        position = filled
        return (lines, last)
    }

    /// The buffered bytes up to the first line break (at most `limit`), and whether a line
    /// break (or the limit) ended them, for sniffing the start of a stream.
    public func firstLine(limit: Int = 4096) -> (bytes: [UInt8], complete: Bool) {
        var end = position
        while end < filled && end - position < limit && base[end] != 0x0A { end += 1 }
        let bytes = Array(UnsafeRawBufferPointer(start: storage + position, count: end - position))
        return (bytes, end < filled || end - position >= limit)
    }

    /// Marks the end of the stream: what is left is framed as a (possibly broken) record.
    public func finish() { atEOF = true }

    private func reserve(_ minimum: Int) {
        if position > 0 {
            let keep = filled - position
            if keep > 0 { storage.copyMemory(from: storage + position, byteCount: keep) }
            filled = keep
            position = 0
        }
        guard capacity - filled < minimum else { return }
        var newCapacity = capacity
        while newCapacity - filled < minimum { newCapacity *= 2 }
        let (grown, grownCapacity) = ScratchBuffers.take(newCapacity)
        grown.copyMemory(from: storage, byteCount: filled)
        ScratchBuffers.give(storage, capacity: capacity)
        storage = grown
        capacity = grownCapacity
    }

    private var base: UnsafePointer<UInt8> { UnsafePointer(storage.assumingMemoryBound(to: UInt8.self)) }

    /// The next record, or nil when more input is needed (or, after `finish`, at the end).
    public func next() -> Item? {
        while true {
            switch pending {
            case .skipping(var boundary, let length, let prefix):
                let result = boundary.scan(base, recordStart: position, filled: filled, atEOF: atEOF)
                switch result {
                case .end(let end):
                    pending = .none
                    let total = length + (end - position)
                    position = end
                    recordCount += 1
                    return .oversize(prefix: prefix, number: recordCount, length: total)
                case .needMore:
                    let consumed = boundary.scanned
                    boundary.scanned = 0
                    position += consumed
                    pending = .skipping(boundary, length: length + consumed, prefix: prefix)
                    return nil
                }
            case .seeking(var boundary):
                let result = boundary.scan(base, recordStart: position, filled: filled, atEOF: atEOF)
                switch result {
                case .end(let end):
                    pending = .none
                    return finishRecord(end: end)
                case .needMore:
                    if filled - position > maxRecordBytes {
                        let prefixCount = min(Self.rejectPrefixBytes, filled - position)
                        let prefix = Array(UnsafeRawBufferPointer(start: storage + position, count: prefixCount))
                        let consumed = boundary.scanned
                        boundary.scanned = 0
                        position += consumed
                        pending = .skipping(boundary, length: consumed, prefix: prefix)
                        continue
                    }
                    pending = .seeking(boundary)
                    return nil
                }
            case .none:
                while position < filled {
                    let c = base[position]
                    if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 } else { break }
                }
                guard position < filled else { return nil }
                if inRecordsArray {
                    switch base[position] {
                    case UInt8(ascii: ","):
                        position += 1
                        continue
                    case UInt8(ascii: "]"):
                        // The end of the array; the envelope's closing brace goes with it.
                        var next = position + 1
                        while next < filled, Self.isWhitespace(base[next]) { next += 1 }
                        if next >= filled && !atEOF { return nil }
                        inRecordsArray = false
                        position = next < filled && base[next] == UInt8(ascii: "}") ? next + 1 : position + 1
                        continue
                    default: break
                    }
                } else {
                    switch envelopeStart() {
                    case .some(true): continue
                    case .none: return nil
                    case .some(false): break
                    }
                }
                let first = base[position]
                guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
                    pending = .seeking(RecordBoundary(firstByte: first))
                    continue
                }
                switch scanner.pointee.scan(buffer, from: position) {
                case .complete(let end):
                    return emit(end: end)
                case .invalid, .incomplete:
                    pending = .seeking(RecordBoundary(firstByte: first))
                }
            }
        }
    }

    /// Steps over the start of a container at `position`: `{"Records":[` (CloudTrail) or an
    /// ISO timestamp and a space before `{` (CloudWatch Logs). True if it did, false if there
    /// is none, nil if more bytes are needed to tell.
    private func envelopeStart() -> Bool? {
        let c = base[position]
        if c == UInt8(ascii: "{") {
            var i = position
            for expected in Self.recordsEnvelope {
                guard i < filled else { return atEOF ? false : nil }
                guard base[i] == expected else { return false }
                i += 1
                if expected == UInt8(ascii: "{") { skipWhitespace(&i) }
            }
            skipWhitespace(&i)
            guard i < filled else { return atEOF ? false : nil }
            guard base[i] == UInt8(ascii: ":") else { return false }
            i += 1
            skipWhitespace(&i)
            guard i < filled else { return atEOF ? false : nil }
            guard base[i] == UInt8(ascii: "[") else { return false }
            position = i + 1
            inRecordsArray = true
            return true
        }
        if c >= 0x30 && c <= 0x39 {
            // `2024-07-17T17:25:55.123Z {`: a date, a `T`, time characters, one space, `{`.
            var i = position
            for expected in Self.timestampShape {
                guard i < filled else { return atEOF ? false : nil }
                let b = base[i]
                let ok = expected == UInt8(ascii: "d") ? (b >= 0x30 && b <= 0x39) : b == expected
                guard ok else { return false }
                i += 1
            }
            while i < filled && i - position < 48 {
                let b = base[i]
                if b == 0x20 { break }
                guard (b >= 0x30 && b <= 0x39) || b == 0x3A || b == 0x2E || b == 0x2B || b == 0x2D || b == 0x5A else { return false }
                i += 1
            }
            guard i + 1 < filled else { return atEOF ? false : nil }
            guard base[i] == 0x20 && base[i + 1] == UInt8(ascii: "{") else { return false }
            position = i + 1
            return true
        }
        return false
    }

    /// `{"Records"` (the start of a CloudTrail file) and the shape of a CloudWatch timestamp
    /// (`d` a digit): made once, not per record.
    private static let recordsEnvelope: [UInt8] = Array("{\"Records\"".utf8)
    private static let timestampShape: [UInt8] = Array("dddd-dd-ddT".utf8)

    @inline(__always)
    private static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }

    private func skipWhitespace(_ i: inout Int) {
        while i < filled, Self.isWhitespace(base[i]) { i += 1 }
    }

    /// A record that parsed whole in the fast path.
    private func emit(end: Int) -> Item {
        let start = position
        position = end
        recordCount += 1
        if end - start > maxRecordBytes {
            return .oversize(prefix: prefix(start, end), number: recordCount, length: end - start)
        }
        return .record(range: start..<end, number: recordCount)
    }

    /// A record whose end the boundary rules found: parse exactly its bytes.
    private func finishRecord(end: Int) -> Item {
        let start = position
        position = end
        recordCount += 1
        if end - start > maxRecordBytes {
            return .oversize(prefix: prefix(start, end), number: recordCount, length: end - start)
        }
        let bounded = UnsafeRawBufferPointer(start: storage, count: end)
        switch scanner.pointee.scan(bounded, from: start) {
        case .complete(let valueEnd):
            var trailing = valueEnd
            while trailing < end, Self.isWhitespace(base[trailing]) { trailing += 1 }
            if trailing == end { return .record(range: start..<end, number: recordCount) }
            return .invalid(
                range: start..<end, number: recordCount, offset: trailing - start,
                reason: "unexpected \(JSONParser.describe(base[trailing])) after the end of the JSON value")
        case .invalid(let offset, let reason):
            return .invalid(range: start..<end, number: recordCount, offset: offset - start, reason: reason)
        case .incomplete:
            return .invalid(
                range: start..<end, number: recordCount, offset: end - start,
                reason: "the record ends before its JSON value does (truncated record)")
        }
    }

    private func prefix(_ start: Int, _ end: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: storage + start, count: min(Self.rejectPrefixBytes, end - start)))
    }
}
