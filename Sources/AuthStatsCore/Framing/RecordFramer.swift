#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cuts a decompressed byte stream into records (stage 2 of the pipeline).
///
/// Records may be newline-delimited JSON or JSON objects written back to back with no
/// separator (Firehose's default); both are read by the same loop, because a record ends
/// where its JSON value ends. Blank lines are skipped. Each record is parsed once, by the
/// `JSONScanner`, which both validates it and extracts the schema's fields; so framing costs
/// no separate pass over good records.
///
/// Records of any length up to `maxRecordBytes` are read whole: the buffer grows as needed.
/// A longer one is passed over by bracket depth (`RecordBoundary`), however it arrived,
/// without being kept (only its first `rejectPrefixBytes`), and reported with its length.
/// Damage (a broken or truncated record, or junk between records: a stray `null`, `,`, word,
/// byte order mark) ends where the next record starts (`resync`), so it never takes a good
/// record with it, back to back or not; the damaged bytes are one reject. A run of NUL bytes between records is padding (`copytruncate` leaves it), and a
/// byte order mark at the start of the stream is passed over.
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
        /// Damaged bytes: a record that is not JSON, or junk between records, up to where the
        /// next record starts; `reason` says what was seen.
        case invalid(range: Range<Int>, number: Int, reason: String)
        /// Longer than the limit: its first bytes and total length.
        case oversize(prefix: [UInt8], number: Int, length: Int)
        /// A run of NUL bytes between records (what `copytruncate` leaves in a log file):
        /// counted as skipped, not a record.
        case padding(length: Int)
    }

    private enum Pending {
        case none
        /// A record that runs past the buffered bytes: scanned again once the buffer holds
        /// twice as many of its bytes (so a long record costs at most twice its length).
        case waiting(tried: Int)
        /// Damaged bytes from `position`: looking for the next record start at or after
        /// `searchFrom` (relative to `position`). `dropped` bytes of the damage were already
        /// passed over (it grew past `maxRecordBytes`), `prefix` keeps its first bytes.
        /// `tried`: how many bytes from `searchFrom` on a candidate start was last scanned
        /// with (rescanned, like `waiting`, only once twice as many are in).
        case resyncing(searchFrom: Int, reason: Reason, dropped: Int, prefix: [UInt8], tried: Int = 0)
        case skipping(RecordBoundary, length: Int, prefix: [UInt8])
        case padding(length: Int)
    }

    /// Why the damaged bytes at `position` are not a record, worded once the damage's end
    /// (the next record start) is known.
    private enum Reason {
        /// The scanner failed at stream offset `at` (`streamOffset`: it stays right when the
        /// buffer moves or long damage is passed over).
        case json(at: Int, text: String)
        /// The scan ran to the end of the stream.
        case endOfStream
        /// Bytes that cannot start a record.
        case junk

    }

    /// The scanner, behind a pointer this framer owns: scanning a record through it needs no
    /// runtime exclusivity check (one per record on a class property).
    private let scanner: UnsafeMutablePointer<JSONScanner>
    /// The fields the scanner extracted from the last record.
    public var fields: [JSONField] { scanner.pointee.fields }
    public let maxRecordBytes: Int
    /// How far before the end of the buffered bytes a scan may stop with `incomplete` although
    /// its first bad byte lies there (a literal, an escape, a UTF-8 sequence is judged whole):
    /// a scan that is incomplete this far past the limit is past it in a whole stream too.
    static let scanLookahead = 64

    /// How much of an over-long record is kept for the quarantine file.
    public static let rejectPrefixBytes = 4096

    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private var filled = 0
    private var position = 0
    private var atEOF = false
    private var pending = Pending.none
    /// Records seen so far (good and bad); the next record's number is this plus one.
    /// (One thread frames a stream: no run-time exclusivity check per record, see
    /// `StreamProcessor.report`.)
    @exclusivity(unchecked) public private(set) var recordCount = 0
    /// Inside the `Records` array of a CloudTrail file.
    private var inRecordsArray = false
    /// The stream offset of `storage`'s first byte (bytes moved out of the buffer so far).
    private var origin = 0
    /// Nothing but whitespace read yet (a byte order mark may come).
    private var atStreamStart = true

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
        // `memchr`: a CloudTrail object is one line, so its first 4 KiB were looked at a byte
        // at a time (~1.5% of the instructions of a bucket of 5-minute trail files).
        let span = max(0, min(limit, filled - position))
        let found = span > 0 ? memchr(storage + position, 0x0A, span) : nil
        let end = found.map { position + (UnsafeRawPointer($0) - UnsafeRawPointer(storage + position)) } ?? position + span
        let bytes = Array(UnsafeRawBufferPointer(start: storage + position, count: end - position))
        return (bytes, end < filled || end - position >= limit)
    }

    /// Drops up to `count` buffered bytes from the end, as far as they are not yet framed.
    public func dropLast(_ count: Int) { filled -= min(count, filled - position) }

    /// Marks the end of the stream: what is left is framed as a (possibly broken) record.
    ///
    /// NUL bytes that end the stream after bytes not yet framed (a record whose scan failed at
    /// them, `scanRecord`; damage or junk; a CloudWatch line's time stamp) are padding, and what
    /// is before them is framed as if the stream ended there: a file written to a preallocated
    /// size, or an append lost in a crash, reads as zeros past its last byte, and such a file
    /// was cut inside its last record wherever the cut fell, as one without them. Decided in
    /// `next`, as a stream read whole would decide (`endNULs`).
    public func finish() {
        atEOF = true
        var start = filled
        while start > position && base[start - 1] == 0 { start -= 1 }
        if start > position && start < filled { endNULs = start }
    }
    /// Where the NUL bytes that end the stream start (a buffer index: the buffer no longer moves
    /// once the stream ended), until `next` decided what they are.
    private var endNULs: Int?
    /// NUL bytes taken off the end of the stream: one padding item after the rest.
    private var trailingNULs = 0
    /// Framing what is buffered as if more might come, with no waiting for more bytes than a
    /// rescan needs: every byte is in (`endNULs`).
    private var settling = false

    /// The next item when NUL bytes end the stream. Until the item that runs into them, items
    /// are framed as if the stream went on (`settling`): as a stream read whole frames them
    /// before its end, whatever was still pending when this one ended (a record waiting for
    /// twice its bytes, damage the next bytes would end). The item that runs into them decides:
    /// a record whose scan failed at them (`scanRecord` waits for the next bytes) or damage
    /// or junk not yet passed over is framed again from its start without them, and they are
    /// one padding item after it; damage or an over-long record passed over as it came keeps
    /// them in its length, and NUL bytes after a whole record are padding as they come.
    private func nextBeforeEndNULs(_ start: Int) -> Item? {
        atEOF = false
        settling = true
        let item = nextItem()
        settling = false
        atEOF = true
        if let item { return item }
        endNULs = nil
        switch pending {
        case .none, .waiting, .resyncing(_, _, 0, _, _):
            guard position < start else { break }
            trailingNULs = filled - start
            filled = start
            pending = .none
        case .skipping, .padding, .resyncing: break
        }
        return nextItem()
    }

    /// Whether the stream ended (`finish`, every item taken) inside a CloudTrail file's
    /// `Records` array, or after a `]` with no `}`: its closing `]}` never came whole, so the
    /// file was cut short (a real file always ends `]}`).
    public var endedInsideRecordsArray: Bool { atEOF && (inRecordsArray || envelopeCut) }
    private var envelopeCut = false

    /// The number of the item that holds a value the end of the stream left open, outside a
    /// CloudTrail file's `Records` array (inside it, `endedInsideRecordsArray` says whether the
    /// file was cut: a broken last element's value may run into the array's closing `]}`); nil
    /// when none did. A value is open when the scan of a record start ran to the end with no
    /// error (NUL bytes that end the stream left out, `finish`), a record start inside damage
    /// right after a value's end ran to the end, an over-long record was skipped to the end
    /// with brackets still open, or the stream ends inside a CloudWatch line's time stamp,
    /// before its `{`. When no record comes after that item, the stream ended inside its last
    /// record (a record's pieces that parse, an inner object, are no record); when one does, it
    /// was a broken record's value that took in the next (`{"a": ` and a line break).
    public private(set) var openValueNumber: Int?
    /// A CloudWatch Logs line's timestamp was seen (`envelopeStart`): a stream that ends inside
    /// the next one's was cut there.
    private var sawTimestampLine = false

    /// The item that `recordCount + 1` will number holds a value the end left open.
    private func valueRanToEnd() { if !inRecordsArray { openValueNumber = recordCount + 1 } }

    /// Where buffer index `index` lies in the whole stream (bytes from its start).
    public func streamOffset(_ index: Int) -> Int { origin + index }

    /// Whether the stream is inside a CloudTrail file's `Records` array: between two items
    /// there, the framer passes over only whitespace and commas (anything else is an item of
    /// its own), so a piece of a broken element that comes right after the item before it is
    /// more of the same damage, wherever the reads that brought the bytes ended.
    public var isInRecordsArray: Bool { inRecordsArray }

    private func reserve(_ minimum: Int) {
        if position > 0 {
            origin += position
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

    /// How many bytes to buffer before a scan that needed more is tried again: twice as many
    /// as it had (a long record is scanned a bounded number of times), but no more than a
    /// scan needs to find a record too long (`scanRecord`). Without that bound a record near
    /// 64 MiB was buffered to 128 MiB before it was found too long, in a buffer of 256 MiB:
    /// one such record took ~295 MB, two workers ~540 MB (a review, 2026-12-06).
    @inline(__always)
    private func waitFor(_ tried: Int) -> Int { min(2 * tried, maxRecordBytes + Self.scanLookahead + 1) }

    /// Whether a scan tried with `tried` bytes waits for more, `buffered` being in now: until
    /// `waitFor(tried)` are, or, settling (every byte is in, `nextBeforeEndNULs`), until any more are.
    @inline(__always)
    private func waits(_ tried: Int, buffered: Int) -> Bool { settling ? tried >= buffered : buffered < waitFor(tried) }

    /// The next record, or nil when more input is needed (or, after `finish`, at the end).
    public func next() -> Item? {
        if let start = endNULs { return nextBeforeEndNULs(start) }
        return nextItem()
    }

    private func nextItem() -> Item? {
        while true {
            switch pending {
            case .skipping(var boundary, let length, var prefix):
                let result = boundary.scan(base, recordStart: position, filled: filled, atEOF: atEOF)
                switch result {
                case .end(let end):
                    pending = .none
                    let total = length + (end - position)
                    if total <= maxRecordBytes {
                        assert(length == 0)
                        // A line break and `{` ended it (`RecordBoundary`) before the limit: the
                        // scan that failed past the limit had run on into the next record. A
                        // broken record, then, not an over-long one (its bytes are all buffered:
                        // the skip starts with more than the limit in).
                        return damaged(end: end, reason: .json(at: streamOffset(end), text: ""), dropped: 0, prefix: [])
                    }
                    if atEOF && end == filled && boundary.depth > 0 { valueRanToEnd() }
                    keep(&prefix, position..<end)
                    position = end
                    recordCount += 1
                    return .oversize(prefix: prefix, number: recordCount, length: total)
                case .needMore:
                    let consumed = boundary.scanned
                    boundary.scanned = 0
                    keep(&prefix, position..<position + consumed)
                    position += consumed
                    pending = .skipping(boundary, length: length + consumed, prefix: prefix)
                    return nil
                }
            case .padding(let length):
                var i = position
                while i < filled && base[i] == 0 { i += 1 }
                let total = length + (i - position)
                position = i
                if i == filled && !atEOF {
                    pending = .padding(length: total)
                    return nil
                }
                pending = .none
                return .padding(length: total)
            case .waiting(let tried):
                if !atEOF && waits(tried, buffered: filled - position) { return nil }
                pending = .none
                if let item = scanRecord() { return item }
            case .resyncing(let searchFrom, let reason, let dropped, let prefix, let tried):
                if tried > 0 && !atEOF && waits(tried, buffered: filled - (position + searchFrom)) { return nil }
                if let item = resync(searchFrom: searchFrom, reason: reason, dropped: dropped, prefix: prefix) {
                    return item
                }
                if case .resyncing = pending { return nil }
            case .none:
                while position < filled {
                    let c = base[position]
                    if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 } else { break }
                }
                guard position < filled else {
                    guard atEOF && trailingNULs > 0 else { return nil }
                    defer { trailingNULs = 0 }
                    return .padding(length: trailingNULs)
                }
                if atStreamStart {
                    // A UTF-8 byte order mark before the first record is not data.
                    if filled - position < 3 && !atEOF { return nil }
                    atStreamStart = false
                    if filled - position >= 3 && base[position] == 0xEF && base[position + 1] == 0xBB
                        && base[position + 2] == 0xBF
                    {
                        position += 3
                        continue
                    }
                }
                if base[position] == 0 {
                    pending = .padding(length: 0)
                    continue
                }
                if inRecordsArray {
                    switch base[position] {
                    case UInt8(ascii: ","):
                        position += 1
                        continue
                    case UInt8(ascii: "]"):
                        guard let closes = closesRecordsArray(at: position) else { return nil }
                        guard closes else {
                            // The end of an array inside a damaged element (whose inner object
                            // passed as a record, `resync`): the element's bytes, damage. Taken
                            // as the end of `Records`, it made every comma after it a reject.
                            pending = .resyncing(searchFrom: 1, reason: .junk, dropped: 0, prefix: [])
                            continue
                        }
                        // The end of the array; the envelope's closing brace goes with it.
                        var next = position + 1
                        while next < filled, Self.isWhitespace(base[next]) { next += 1 }
                        if next >= filled && !atEOF { return nil }
                        inRecordsArray = false
                        let braced = next < filled && base[next] == UInt8(ascii: "}")
                        // A `]` that ends the stream without the envelope's `}` after it may close
                        // an array inside a cut element: the file was cut short either way.
                        // So may NUL bytes after it (a file written to a preallocated size).
                        if !braced && (next >= filled || base[next] == 0) { envelopeCut = true }
                        position = braced ? next + 1 : position + 1
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
                    pending = .resyncing(searchFrom: 1, reason: .junk, dropped: 0, prefix: [])
                    continue
                }
                if let item = scanRecord() { return item }
            }
        }
    }

    /// Scans the record that starts at `position`: emits it, waits for more bytes, or starts
    /// looking for where the damage ends.
    private func scanRecord() -> Item? {
        switch scanner.pointee.scan(buffer, from: position) {
        case .complete(let end):
            // A record longer than the limit is passed over by bracket depth however it came,
            // whole or in pieces: read in pieces, its scan ran past the limit before its end
            // was in, and the pass may end it sooner than its value (a line break and `{`).
            if end - position > maxRecordBytes {
                pending = .skipping(RecordBoundary(), length: 0, prefix: [])
                return nil
            }
            return emit(end: end)
        case .incomplete:
            // A record whose scan runs past the limit (here, or in a whole stream at a bad byte
            // beyond it) is skipped by bracket depth, however the stream was cut.
            if filled - position > maxRecordBytes + Self.scanLookahead {
                pending = .skipping(RecordBoundary(), length: 0, prefix: [])
            } else if atEOF {
                valueRanToEnd()
                // A JSON array is no record (`RecordDecoder`): a cut one is one reject to the
                // end, as a whole one is, not its elements read as records.
                if base[position] == UInt8(ascii: "[") {
                    return damaged(end: filled, reason: .endOfStream, dropped: 0, prefix: [])
                }
                pending = .resyncing(searchFrom: 1, reason: .endOfStream, dropped: 0, prefix: [])
            } else {
                pending = .waiting(tried: filled - position)
            }
        case .invalid(let offset, let reason):
            if offset - position > maxRecordBytes {
                // Past the limit, whatever comes next: read in pieces, the scan may fail there
                // before NUL bytes after it are in.
                pending = .skipping(RecordBoundary(), length: 0, prefix: [])
            } else if !atEOF && filled - position <= maxRecordBytes + Self.scanLookahead,
                let nuls = nulTail(after: offset), nuls - position <= maxRecordBytes
            {
                // NUL bytes from the failure to the end of what is buffered, starting within the
                // limit: the end of the stream may come next (a cut record, then zeros: `finish`)
                // or more bytes, which decide as before. Rescanned once twice as many bytes are
                // in, as a record that runs on is. (NULs that start past the limit make the
                // record over-long whether they are in yet or not.)
                pending = .waiting(tried: filled - position)
            } else {
                pending = .resyncing(searchFrom: 1, reason: .json(at: streamOffset(offset), text: reason), dropped: 0, prefix: [])
            }
        }
        return nil
    }

    /// Looks for the end of the damage that starts at `position`: the first `{` after it
    /// from which a whole JSON object parses and that is not followed by what would continue
    /// an enclosing object (`,"`, `}` or `:`). That is where the next record starts, whether
    /// the records are back to back, one per line, or elements of a `Records` array; the
    /// damaged bytes before it are one reject. A `{` inside the damaged record may pass too
    /// (an element of an array it held): that fragment is then a reject of its own, never an
    /// event, and no record after the damage is lost.
    ///
    /// Each candidate is scanned once; scans fail at the first bad byte, and nesting is
    /// bounded (`JSONScanner.maximumDepth`), so the search costs about the damage's length.
    private func resync(searchFrom: Int, reason: Reason, dropped: Int, prefix: [UInt8]) -> Item? {
        var from = position + searchFrom
        var dropped = dropped
        var prefix = prefix
        var tried = 0
        while true {
            let candidate = nextBrace(from)
            // Junk that does not start like a record is read line by line, as text is; so is a
            // broken record from its first bad byte on (one-per-line exports end it there).
            var lineFrom: Int?
            switch reason {
            case .junk: lineFrom = from
            case .json(let at, _): lineFrom = max(from, at - origin)
            default: break
            }
            if let lineFrom, let lineEnd = nextByte(0x0A, lineFrom, before: candidate ?? filled) {
                return damaged(end: lineEnd, reason: reason, dropped: dropped, prefix: prefix)
            }
            guard let candidate else {
                if atEOF { return damaged(end: filled, reason: reason, dropped: dropped, prefix: prefix) }
                from = filled
                break
            }
            // A candidate whose scan runs further than a record may be long ends the damage
            // (the record is then skipped by bracket depth, `scanRecord`): memory stays bounded,
            // and whole and cut streams decide alike, since any scan past the limit is one.
            let outcome = scanner.pointee.scan(buffer, from: candidate)
            switch outcome {
            case .complete(let end) where end - candidate > maxRecordBytes:
                return damaged(end: candidate, reason: reason, dropped: dropped, prefix: prefix)
            case .invalid(let offset, _) where offset - candidate > maxRecordBytes:
                return damaged(end: candidate, reason: reason, dropped: dropped, prefix: prefix)
            case .incomplete where filled - candidate > maxRecordBytes + Self.scanLookahead:
                return damaged(end: candidate, reason: reason, dropped: dropped, prefix: prefix)
            default: break
            }
            switch outcome {
            case .complete(let end):
                var after = end
                skipWhitespace(&after)
                guard after < filled || atEOF else {
                    from = candidate  // decide once the next bytes are in
                    break
                }
                if after < filled {
                    guard let continues = continuesEnclosingValue(at: after) else {
                        from = candidate  // decide once the next bytes are in
                        break
                    }
                    if continues {
                        from = candidate + 1
                        continue
                    }
                }
                return damaged(end: candidate, reason: reason, dropped: dropped, prefix: prefix)
            case .invalid:
                from = candidate + 1
                continue
            case .incomplete:
                if atEOF {
                    // A record start inside the damage, right after a value's end, that the end
                    // leaves open: the stream was cut inside it (a broken record, then on its line
                    // a record cut short). Not a `{` in a string or after a key (`"s": "{"`).
                    if followsValueEnd(candidate) { valueRanToEnd() }
                    from = candidate + 1
                    continue
                }
                from = candidate
                tried = filled - candidate
            }
            break
        }
        // More bytes are needed. Damage longer than a record may be is passed over as it
        // goes (only its first bytes are kept), so memory never holds more than one record.
        // Trailing whitespace (and in a `Records` array, commas) stays: `damaged` decides what
        // of it belongs to the damage once the next record is found. So do NUL bytes at the end
        // of what is buffered, up to the limit: the end of the stream may come next, and they
        // are then padding after the damage (`finish`), as in a stream read whole.
        var until = from
        var nuls = until
        while nuls > position && base[nuls - 1] == 0 { nuls -= 1 }
        if until - nuls <= maxRecordBytes { until = nuls }
        while until > position
            && (Self.isWhitespace(base[until - 1]) || (inRecordsArray && base[until - 1] == UInt8(ascii: ",")))
        {
            until -= 1
        }
        if until - position > maxRecordBytes {
            keep(&prefix, position..<until)
            droppedEnd = Self.lastNonWhitespace(2, of: base, position..<until, after: droppedEnd)
            dropped += until - position
            position = until
        }
        pending = .resyncing(searchFrom: from - position, reason: reason, dropped: dropped, prefix: prefix, tried: tried)
        return nil
    }

    /// The last bytes other than white space of damage passed over as it came (`resync`), at
    /// most two: what `damaged` needs to see whether the damage ended with the `Records` array's
    /// closing `]}`. Empty but while the damage being framed has `dropped` bytes (`damaged`
    /// empties it).
    private var droppedEnd: [UInt8] = []

    /// The last `count` bytes other than white space of `earlier` followed by `bytes[range]`.
    private static func lastNonWhitespace(_ count: Int, of bytes: UnsafePointer<UInt8>, _ range: Range<Int>, after earlier: [UInt8]) -> [UInt8] {
        var found: [UInt8] = []
        var i = range.upperBound
        while i > range.lowerBound && found.count < count {
            i -= 1
            if !isWhitespace(bytes[i]) { found.append(bytes[i]) }
        }
        return Array((earlier + found.reversed()).suffix(count))
    }

    /// Adds the buffered bytes at `range` (the next ones of an over-long record) to its kept
    /// first bytes, up to `rejectPrefixBytes`: the same prefix however the stream was cut.
    private func keep(_ prefix: inout [UInt8], _ range: Range<Int>) {
        let count = min(Self.rejectPrefixBytes - prefix.count, range.count)
        if count > 0 { prefix += UnsafeRawBufferPointer(start: storage + range.lowerBound, count: count) }
    }

    /// Where the NUL bytes that end the buffered bytes start, if they come after `index`, where
    /// the scan of the record at `position` failed (at the first NUL, or at the start of the
    /// literal, number, escape or UTF-8 sequence they cut), with no structural byte, quote or
    /// space in between: what a file written to a preallocated size and cut holds after its last
    /// byte. Nil otherwise (a record broken before that, `{"a": bad}`, then NUL bytes, is a
    /// broken record).
    private func nulTail(after index: Int) -> Int? {
        guard index >= position && index < filled && base[filled - 1] == 0 else { return nil }
        var i = index
        while i < filled && base[i] != 0 {
            switch base[i] {
            case UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "\""): return nil
            case let c where Self.isWhitespace(c): return nil
            default: i += 1
            }
        }
        let start = i
        while i < filled && base[i] == 0 { i += 1 }
        return i == filled ? start : nil
    }

    /// Whether the last byte before `index` other than white space ends a value (`}` or `]`),
    /// inside the damage at `position`: where a record written back to back would start.
    private func followsValueEnd(_ index: Int) -> Bool {
        let i = trimmingWhitespace(index)
        // Nothing before it buffered: the damage's end was passed over already (`droppedEnd`).
        let last = i > position ? base[i - 1] : droppedEnd.last
        return last == UInt8(ascii: "}") || last == UInt8(ascii: "]")
    }

    /// The next `{` at or after `from` in the buffered bytes.
    private func nextBrace(_ from: Int) -> Int? { nextByte(UInt8(ascii: "{"), from, before: filled) }

    /// The first `byte` in `from..<end`.
    private func nextByte(_ byte: UInt8, _ from: Int, before end: Int) -> Int? {
        guard from < end else { return nil }
        guard let found = memchr(storage + from, Int32(byte), end - from) else { return nil }
        return found - storage
    }

    /// Whether the bytes at `i` (not whitespace) continue an object around the value before
    /// them: `}`, `:`, or `,` and the next key's quote. (After a record come the next record,
    /// junk, or in a `Records` array `,` and the next element.)
    /// Nil when the bytes buffered so far cannot tell.
    private func continuesEnclosingValue(at i: Int) -> Bool? {
        switch base[i] {
        case UInt8(ascii: "}"), UInt8(ascii: ":"): return true
        case UInt8(ascii: "]"): return closesRecordsArray(at: i).map { !$0 }
        case UInt8(ascii: ","):
            var j = i + 1
            while j < filled, Self.isWhitespace(base[j]) { j += 1 }
            if j == filled { return atEOF ? false : nil }
            return base[j] == UInt8(ascii: "\"")
        default: return false
        }
    }

    /// Whether the `]` at `i` can close a `Records` array: the envelope's `}` (or nothing) and
    /// then the end of the stream or the next record. A `]` followed by `,` or `]`, or by `}`
    /// and then `,`, `]` or `}`, closes an array inside an element (`"resources":[{…}],`).
    /// Nil when the bytes buffered so far cannot tell.
    private func closesRecordsArray(at i: Int) -> Bool? {
        var j = i + 1
        skipWhitespace(&j)
        guard j < filled else { return atEOF ? true : nil }
        if base[j] == UInt8(ascii: ",") || base[j] == UInt8(ascii: "]") { return false }
        guard base[j] == UInt8(ascii: "}") else { return true }
        j += 1
        skipWhitespace(&j)
        guard j < filled else { return atEOF ? true : nil }
        return base[j] != UInt8(ascii: ",") && base[j] != UInt8(ascii: "]") && base[j] != UInt8(ascii: "}")
    }

    /// The damaged bytes from `position` to `end` (trailing whitespace left out) as one item.
    private func damaged(end: Int, reason: Reason, dropped: Int, prefix: [UInt8]) -> Item {
        pending = .none
        var last = trimmingWhitespace(end)
        // In a `Records` array, the comma before the next element is a separator, not damage.
        if inRecordsArray && (last > position + 1 || (dropped > 0 && last > position)) && base[last - 1] == UInt8(ascii: ",") {
            last = trimmingWhitespace(last - 1)
        }
        // Damage that runs to the end of a `Records` file and ends `]}` took in the array's
        // closing: the file is whole (not cut short, `endedInsideRecordsArray`). Its end may
        // have been passed over already (`droppedEnd`), however the stream was cut into reads.
        if inRecordsArray && atEOF && end == filled
            && Self.lastNonWhitespace(2, of: base, position..<last, after: droppedEnd) == [0x5D, 0x7D]
        {
            inRecordsArray = false
        }
        droppedEnd = []
        let start = position
        position = end
        recordCount += 1
        if dropped > 0 || last - start > maxRecordBytes {
            var kept = prefix
            keep(&kept, start..<last)
            return .oversize(prefix: kept, number: recordCount, length: dropped + (last - start))
        }
        return .invalid(range: start..<last, number: recordCount, reason: describe(reason, start: start, end: last))
    }

    /// A reason that names what was seen.
    private func describe(_ reason: Reason, start: Int, end: Int) -> String {
        let length = end - start
        switch reason {
        case .json(let at, let text):
            let offset = at - streamOffset(start)
            if offset < length { return "invalid JSON at byte \(offset): \(text)" }
            return "truncated record: its JSON value breaks off after \(length) bytes, where the next record starts"
        case .endOfStream:
            return "truncated record: the stream ends \(length) bytes into it, before its JSON value does"
        case .junk:
            return "not a record: " + Self.describeJunk(UnsafeRawBufferPointer(start: storage + start, count: length))
        }
    }

    /// `text` in double quotes, escaped as names are (`DisplayPath`: `\x1b`, where Swift's
    /// `debugDescription` wrote `\u{1B}`), and its own quotes as `\"`.
    static func quoted(_ text: String) -> String { inQuotes(DisplayPath.text(text)) }

    /// The first 40 bytes of `bytes` as `quoted` writes text, a byte that is not UTF-8 as
    /// `\xNN` (decoded as a `String` first, each became U+FFFD: a review, 2026-12-07); cut
    /// where a character starts, not inside one (its first bytes would read as bytes that are
    /// not UTF-8).
    static func quoted(bytes: UnsafeRawBufferPointer) -> String {
        var end = min(bytes.count, 40)
        while end < bytes.count && end > 37 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return inQuotes(DisplayPath.text(bytes[..<end]))
    }

    private static func inQuotes(_ shown: String) -> String { "\"" + shown.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }

    /// What bytes between records are: a JSON value that is not an object, a byte order
    /// mark, a stray separator, or text that is not JSON.
    static func describeJunk(_ bytes: UnsafeRawBufferPointer) -> String {
        let sample = quoted(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return "a UTF-8 byte order mark (EF BB BF) between records" }
        if bytes.count == 1 {
            let c = bytes[0]
            if c == UInt8(ascii: ",") || c == UInt8(ascii: "]") || c == UInt8(ascii: "}") {
                return "a stray '\(Character(Unicode.Scalar(c)))' between records"
            }
        }
        // A space after it, so that a number at the very end scans as whole.
        var probe = JSONScanner(schema: FieldSchema([]))
        let spaced = Array(bytes) + [0x20]
        if case .complete(let end) = spaced.withUnsafeBytes({ probe.scan($0, from: 0) }), end == bytes.count {
            switch bytes[0] {
            case UInt8(ascii: "\""): return "a JSON string (\(sample)), not an object"
            case UInt8(ascii: "n"): return "a JSON null, not an object"
            case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a JSON boolean (\(sample)), not an object"
            default: return "a JSON number (\(sample)), not an object"
            }
        }
        return "not JSON: \(sample) where a record should start"
    }

    /// A record that parsed whole, within the limit.
    private func emit(end: Int) -> Item {
        let start = position
        position = end
        recordCount += 1
        return .record(range: start..<end, number: recordCount)
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
                guard i < filled else { return atEOF ? cutTimestamp(at: i) : nil }
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
            guard i + 1 < filled else { return atEOF ? cutTimestamp(at: i) : nil }
            guard base[i] == 0x20 && base[i + 1] == UInt8(ascii: "{") else { return false }
            sawTimestampLine = true
            position = i + 1
            return true
        }
        return false
    }

    /// The stream ended at `end`, inside what starts like a CloudWatch line's timestamp (the
    /// `{` not reached): cut there if such lines came before or its date is whole (a stray
    /// number at the end, `7`, is junk, as `null` is). False: the bytes are no envelope.
    private func cutTimestamp(at end: Int) -> Bool {
        if sawTimestampLine || end - position >= Self.timestampShape.count { valueRanToEnd() }
        return false
    }

    /// `{"Records"` (the start of a CloudTrail file) and the shape of a CloudWatch timestamp
    /// (`d` a digit): made once, not per record.
    private static let recordsEnvelope: [UInt8] = Array("{\"Records\"".utf8)
    private static let timestampShape: [UInt8] = Array("dddd-dd-ddT".utf8)

    @inline(__always)
    private static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }

    /// `end` moved back over white space, no further than `position`.
    private func trimmingWhitespace(_ end: Int) -> Int {
        var i = end
        while i > position && Self.isWhitespace(base[i - 1]) { i -= 1 }
        return i
    }

    private func skipWhitespace(_ i: inout Int) {
        while i < filled, Self.isWhitespace(base[i]) { i += 1 }
    }
}
