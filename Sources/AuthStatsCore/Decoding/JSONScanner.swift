/// A validating, key-directed JSON scanner over raw bytes.
///
/// It reads one JSON value (a record) and, in the same pass, notes where the values of the
/// schema's paths lie, as byte ranges (`JSONField`); no Swift `String` or dictionary is built
/// for the rest of the record. Everything it passes over is still validated against RFC 8259
/// (strings, escapes, UTF-8, numbers, literals, nesting), so a record that is not JSON is
/// rejected with the offset and reason, never guessed at.
///
/// Why not `JSONDecoder`: it is about 20× slower on these records (`docs/performance.md`
/// "What each stage costs").
///
/// Given a `ShapeMemory` (as every stream of records is), a record is first replayed against
/// the shapes of earlier records: the bytes between its values compared, only its values
/// scanned. It falls back to the full scan below whenever the record does not follow a known
/// shape to its end, so the answers are the same (`docs/performance.md` "Records replayed
/// against their shapes").
public struct JSONScanner: Sendable {
    public let schema: FieldSchema
    /// The extracted fields of the last scan, indexed by slot. Offsets are into the buffer.
    public private(set) var fields: [JSONField]
    /// Deeper nesting than this is rejected rather than risking the stack.
    public static let maximumDepth = 512

    public enum Outcome: Sendable, Equatable {
        /// A whole value ends just before `end`.
        case complete(end: Int)
        /// Not JSON: the first bad byte is at `offset` (absolute), for `reason`.
        case invalid(offset: Int, reason: String)
        /// The buffer ended before the value did.
        case incomplete
    }

    let view: SchemaView
    /// What the keys of the last records were, place by place (`KeyMemory`).
    private var memory: KeyMemory

    /// The shapes of the last records (`ShapeMemory`), when the scanner replays them.
    private var shapes: ShapeMemory?
    /// Whether `shapes` are this scanner's own (`remembersShapes`), taken anew by a copy at its
    /// first scan as the key memory is; not when they are an analysis's, shared by its streams.
    private var ownsShapes = false

    public init(schema: FieldSchema) {
        self.init(schema: schema, memory: KeyMemory(nodes: schema.nodeCount))
    }

    private init(schema: FieldSchema, memory: KeyMemory) {
        self.schema = schema
        view = SchemaView(schema)
        fields = Array(repeating: .absent, count: schema.slotCount)
        self.memory = memory
    }

    /// A scanner with shapes of its own when `remembersShapes` (for fuzzing and tests outside
    /// this module). A copy of it takes shapes of its own at its first scan, as it takes its
    /// own key memory, so copies may scan on different threads.
    public init(schema: FieldSchema, remembersShapes: Bool) {
        if remembersShapes {
            self.init(schema: schema, shapes: ShapeMemory(schema: schema))
            ownsShapes = true
        } else {
            self.init(schema: schema)
        }
    }

    /// A scanner that replays records against the shapes of earlier ones (`ShapeMemory`), for
    /// streams of records of a few shapes; the answers are the same as without. `shapes` is
    /// shared by every scanner given it, which must then scan on one thread at a time (an
    /// analysis's streams: `Analysis.recordShapes`), and made for `schema`. The key memory is
    /// then the shapes' too (`ShapeMemory.keys`): a stream's own was 77 KB set up for each of
    /// 5,109 small files, when most records are replayed and few scanned.
    init(schema: FieldSchema, shapes: ShapeMemory) {
        precondition(shapes.schema === schema, "shapes are made for one schema: their slots are its")
        self.init(schema: schema, memory: shapes.keys)
        self.shapes = shapes
        shapes.beginStream()
    }

    /// Records replayed and scanned in full, and whether records are still replayed (for tests).
    var shapeCounts: (hits: Int, misses: Int, replaying: Bool, steps: Int)? {
        shapes.map { ($0.hits, $0.misses, $0.replaying, $0.stepCount) }
    }

    /// Scans one JSON value that starts at `start` (after optional whitespace).
    public mutating func scan(_ bytes: UnsafeRawBufferPointer, from start: Int = 0) -> Outcome {
        // A copy of this scanner shares the memories until one of them scans: then it takes its
        // own (not shapes given by an analysis, which its streams share on one thread).
        if shapes == nil {
            if !isKnownUniquelyReferenced(&memory) { memory = KeyMemory(nodes: schema.nodeCount) }
        } else if ownsShapes && !isKnownUniquelyReferenced(&shapes!) {
            shapes = ShapeMemory(schema: schema)
            memory = shapes!.keys
        }
        let shapes = self.shapes
        // The schema and the memories are held by this scanner, which is borrowed (inout) for
        // the whole scan: the view and the entries stay valid without retaining them again.
        let view = self.view
        let entries = memory.entries
        let met = memory.met
        let scan = memory.nextScan()
        return fields.withUnsafeMutableBufferPointer { out in
            out.update(repeating: .absent)
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return .incomplete }
            var parser = JSONParser(
                base: base, index: start, end: bytes.count, schema: view, fields: out, memory: entries, met: met, scan: scan)
            parser.skipWhitespace()
            let from = parser.index
            if let shapes, shapes.replaying {
                if parser.replay(shapes) {
                    shapes.hit()
                    return .complete(end: parser.index)
                }
                // Scanned in full, from a clean start.
                out.update(repeating: .absent)
                parser.index = from
            }
            do throws(JSONScanError) {
                try parser.value(node: 0, depth: 0)
                if let shapes, shapes.replaying {
                    shapes.missed()
                    shapes.learn(base, from: from, end: parser.index)
                }
                return .complete(end: parser.index)
            } catch {
                switch error {
                case .incomplete: return .incomplete
                case .invalid(let offset, let reason): return .invalid(offset: offset, reason: reason)
                }
            }
        }
    }
}

extension JSONScanner {
    /// The offset of the first byte at or after `start` that is neither JSON white space
    /// (RFC 8259: space, tab, line feed, carriage return) nor a UTF-8 byte order mark (which
    /// Windows editors write at a file's start); `bytes.count` if there is none. For files of
    /// JSON values (plans, configuration files), not records (`RecordFramer` names a mark
    /// between records).
    public static func skipSpace(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var at = start
        while at < bytes.count {
            switch bytes[at] {
            case 0x20, 0x0A, 0x0D, 0x09: at += 1
            case 0xEF where at + 2 < bytes.count && bytes[at + 1] == 0xBB && bytes[at + 2] == 0xBF: at += 3
            default: return at
            }
        }
        return at
    }
}

enum JSONScanError: Error {
    case incomplete
    case invalid(Int, String)
}

/// The keys a scanner met in the last records, by tracked object node and place in the
/// object: each key of up to 16 bytes as its length and first and last 8 bytes, with the
/// schema child it named (or -1). Records of one export write their keys in the same order,
/// so the key at a place is nearly always the one met there before: recognised by two word
/// compares, with no hash and no probe of the schema's table (whose lookups wait on memory).
/// A miss looks the key up in the schema and remembers it.
///
/// Unchecked Sendable: a scanner scans on one thread at a time, and a copy of a scanner takes
/// its own memory at its first scan (`isKnownUniquelyReferenced`), so no two threads write
/// one memory; except the memory of an analysis's shapes (`ShapeMemory.keys`), which its
/// streams share and scan with on its worker's thread only.
final class KeyMemory: @unchecked Sendable {
    struct Entry {
        var head: UInt64 = 0
        var tail: UInt64 = 0
        /// The key's length; -1: nothing remembered.
        var count: Int32 = -1
        var child: Int32 = -1
    }

    /// Places remembered per object (later keys are looked up each time).
    static let places = 32
    let entries: UnsafeMutablePointer<Entry>
    private var size: Int { nodes * Self.places }
    /// The scan in which each node with children was last met (`JSONParser.object`): one met
    /// again in the same scan (a key written twice) has its subtree's fields cleared; one met
    /// first needs none, since a scan starts with every field cleared. (Clearing each subtree
    /// as it was met was ~1.7% of a small-records run.)
    let met: UnsafeMutablePointer<UInt32>
    private let nodes: Int
    private var scans: UInt32 = 0

    init(nodes: Int) {
        self.nodes = max(nodes, 1)
        let size = self.nodes * Self.places
        entries = .allocate(capacity: size)
        entries.initialize(repeating: Entry(), count: size)
        met = .allocate(capacity: self.nodes)
        met.initialize(repeating: 0, count: self.nodes)
    }

    /// The number of the scan that begins (never 0, which no node was met in). When the count
    /// comes round, the marks are cleared: a node marked 2^32 scans ago reads as unmet.
    func nextScan() -> UInt32 {
        scans &+= 1
        if scans == 0 {
            met.update(repeating: 0, count: nodes)
            scans = 1
        }
        return scans
    }

    deinit {
        entries.deinitialize(count: size)
        entries.deallocate()
        met.deallocate()
    }
}

/// The recursive-descent core of `JSONScanner`; `index` is the next unread byte.
struct JSONParser {
    let base: UnsafePointer<UInt8>
    var index: Int
    let end: Int
    let schema: SchemaView
    let fields: UnsafeMutableBufferPointer<JSONField>
    let memory: UnsafeMutablePointer<KeyMemory.Entry>
    /// `KeyMemory.met`, and the number of this scan.
    let met: UnsafeMutablePointer<UInt32>
    let scan: UInt32

    @inline(__always)
    func peek() throws(JSONScanError) -> UInt8 {
        guard index < end else { throw .incomplete }
        return base[index]
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < end {
            let c = base[index]
            // White space is at most a space (0x20): any byte above it ends the run at once.
            if c > 0x20 { return }
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            index += 1
            // Indentation (list-users output, pretty-printed: 12 to 20 spaces a line) 8 spaces
            // at a time, tried only after white space (records have next to none): a million
            // users' list-users.json, the walk's scan 0.58 -> 0.43 s of CPU (perf); the bench
            // set's tenth 5,731.7 -> 5,731.3 M instructions (callgrind).
            while index + 8 <= end && UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) == 0x2020_2020_2020_2020 { index += 8 }
        }
    }

    /// Inlined, as `string` is, into its callers: a value's dispatch is a few instructions, its
    /// call as many (400 files at `--jobs 1`: 17.82 → 17.21 G instructions; in a release build
    /// a level of nesting then takes one frame, `object`'s or `array`'s, ~220 bytes of stack).
    @inline(__always)
    mutating func value(node: Int, depth: Int) throws(JSONScanError) {
        let c = try peek()
        let start = index
        let type: JSONValueType
        var escaped = false
        switch c {
        case UInt8(ascii: "{"):
            try object(node: node, depth: depth + 1)
            type = .object
        case UInt8(ascii: "["):
            try array(node: node, depth: depth + 1)
            type = .array
        default:
            guard let scalar = try scalar() else { throw .invalid(index, "expected a value, found \(Self.describe(c))") }
            (type, escaped) = scalar
        }
        if node >= 0, case let slot = Int(schema.slotOf[node]), slot >= 0 { store(slot, type, from: start, escaped: escaped) }
    }

    /// Passes over the scalar (string, number, `true`, `false` or `null`) that starts at
    /// `index`: its type, and whether it is a string with escapes; nil, with `index` where it
    /// was, when no scalar starts there. (`value` and `replay` read scalars alike through it.)
    @inline(__always)
    mutating func scalar() throws(JSONScanError) -> (type: JSONValueType, escaped: Bool)? {
        switch base[index] {
        case UInt8(ascii: "\""):
            return (.string, try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return (.bool, false)
        case UInt8(ascii: "f"):
            try literal("false")
            return (.bool, false)
        case UInt8(ascii: "n"):
            try literal("null")
            return (.null, false)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
            return (.number, false)
        default:
            return nil
        }
    }

    /// Writes the field of the value of `type` from `start` to `index` into `slot`: a string's
    /// without its quotes.
    @inline(__always)
    func store(_ slot: Int, _ type: JSONValueType, from start: Int, escaped: Bool) {
        fields[slot] = type == .string
            ? JSONField(type: type, start: start + 1, end: index - 1, hasEscapes: escaped)
            : JSONField(type: type, start: start, end: index, hasEscapes: false)
    }

    mutating func object(node: Int, depth: Int) throws(JSONScanError) {
        guard depth <= JSONScanner.maximumDepth else {
            throw .invalid(index, "nesting deeper than \(JSONScanner.maximumDepth) levels")
        }
        index += 1
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        let tracked = node >= 0 && schema.hasChildren(node)
        // The key memory's places of this object, the next one and the end of them (none for
        // an object the schema does not follow): worked out once, not for each key.
        let places = tracked ? memory + node * KeyMemory.places : memory
        let placesEnd = tracked ? places + KeyMemory.places : memory
        var place = places
        while true {
            guard try peek() == UInt8(ascii: "\"") else {
                throw .invalid(index, "expected '\"' to begin an object key, found \(Self.describe(base[index]))")
            }
            let keyStart = index + 1
            var child = -1
            var recalled = false
            let remembered = place < placesEnd ? place : nil
            if let remembered {
                // The key met at this place in the last record, recognised by its bytes and the
                // quote after them, not scanned: the scan ends where a key's length says, a
                // branch that varies from key to key. The remembered key was scanned when first
                // met (a whole string, no escape, valid UTF-8), so equal bytes are as valid, and
                // the quote after them closes the string. (Written here, not called: the call
                // was not inlined, 2% of the instructions of small records.)
                let count = Int(remembered.pointee.count)
                if count >= 0, keyStart + count < end, base[keyStart + count] == UInt8(ascii: "\"") {
                    let (head, tail) = Self.words(base + keyStart, count)
                    if head == remembered.pointee.head && tail == remembered.pointee.tail {
                        index = keyStart + count + 1
                        child = Int(remembered.pointee.child)
                        recalled = true
                    }
                }
            }
            if !recalled {
                let keyEscaped = try string()
                if tracked {
                    let count = index - 1 - keyStart
                    if let remembered, count <= 16 && !keyEscaped {
                        let (head, tail) = Self.words(base + keyStart, count)
                        child = schema.child(of: node, key: base + keyStart, count: count)
                        remembered.pointee = KeyMemory.Entry(head: head, tail: tail, count: Int32(count), child: Int32(child))
                    } else {
                        child = schema.child(of: node, key: base + keyStart, count: index - 1 - keyStart, escaped: keyEscaped)
                    }
                }
            }
            if place < placesEnd { place += 1 }
            // The colon straight after the key (as exports write it), else after white space.
            if index < end && base[index] == UInt8(ascii: ":") {
                index += 1
            } else {
                skipWhitespace()
                guard try peek() == UInt8(ascii: ":") else {
                    throw .invalid(index, "expected ':' after object key")
                }
                index += 1
            }
            skipWhitespace()
            // A leaf's own slot is written by `value`, whatever the value; a subtree's slots
            // below it need clearing only when it was met before in this scan (a key written
            // twice in one object: the last wins whole).
            if child >= 0 && schema.hasChildren(child) {
                if met[child] == scan { clearSubtree(child) } else { met[child] = scan }
            }
            try value(node: child, depth: depth)
            // The comma or brace straight after the value (as exports write it), else after
            // white space.
            var c = index < end ? base[index] : 0
            if c != UInt8(ascii: ",") && c != UInt8(ascii: "}") {
                skipWhitespace()
                c = try peek()
            }
            if c == UInt8(ascii: ",") {
                index += 1
                // The next key's quote straight after the comma needs no white-space step.
                if index < end && base[index] == UInt8(ascii: "\"") { continue }
                skipWhitespace()
            } else if c == UInt8(ascii: "}") {
                index += 1
                return
            } else {
                throw .invalid(index, "expected ',' or '}' after an object member, found \(Self.describe(c))")
            }
        }
    }

    /// A key's first and last 8 bytes as little-endian words (the same word twice overlapping
    /// for 8 to 16 bytes), read only inside the key: a shorter key as overlapping 4-byte
    /// halves (or its bytes), zero above; the tail word is 0 then.
    @inline(__always)
    static func words(_ key: UnsafePointer<UInt8>, _ count: Int) -> (UInt64, UInt64) {
        let raw = UnsafeRawPointer(key)
        if count >= 8 {
            return (
                UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)),
                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
            )
        }
        if count >= 4 {
            let low = UInt64(UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))
            let high = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)))
            return (low | high << UInt64(8 * (count - 4)), 0)
        }
        guard count > 0 else { return (0, 0) }
        return (UInt64(key[0]) | UInt64(key[count >> 1]) << UInt64(8 * (count >> 1)) | UInt64(key[count - 1]) << UInt64(8 * (count - 1)), 0)
    }

    @inline(__always)
    func clearSubtree(_ node: Int) {
        let first = Int(schema.subtreeStart[node])
        for i in first..<first + Int(schema.subtreeCount[node]) { fields[Int(schema.subtreeIndex[i])] = .absent }
    }


    mutating func array(node: Int, depth: Int) throws(JSONScanError) {
        guard depth <= JSONScanner.maximumDepth else {
            throw .invalid(index, "nesting deeper than \(JSONScanner.maximumDepth) levels")
        }
        index += 1
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        let tracked = node >= 0 && schema.hasChildren(node)
        var element = 0
        while true {
            var child = -1
            if tracked {
                let name = Array(String(element).utf8)
                child = name.withUnsafeBufferPointer { schema.child(of: node, key: $0.baseAddress!, count: $0.count) }
                if child >= 0 { clearSubtree(child) }
            }
            try value(node: child, depth: depth)
            element += 1
            skipWhitespace()
            let c = try peek()
            if c == UInt8(ascii: ",") {
                index += 1
                skipWhitespace()
            } else if c == UInt8(ascii: "]") {
                index += 1
                return
            } else {
                throw .invalid(index, "expected ',' or ']' after an array element, found \(Self.describe(c))")
            }
        }
    }

    /// Passes over a string starting at its opening quote; returns whether it has escapes.
    /// Inlined into its callers (with `value`, into `object`, `array` and `scan`): most strings
    /// are a few bytes, and the call cost as much as their scan (the bench set's first 400
    /// files at `--jobs 1`: 18.77 → 17.82 G instructions).
    @inline(__always)
    mutating func string() throws(JSONScanError) -> Bool {
        index += 1
        var escaped = false
        while true {
            skipPlain()
            let c = try peek()
            if c == 0x22 {
                index += 1
                return escaped
            } else if c == 0x5C {
                escaped = true
                try escape()
            } else if c < 0x20 {
                throw .invalid(index, "control character \(Self.describe(c)) inside a string")
            } else {
                try utf8Sequence()
            }
        }
    }

    /// Moves `index` to the string's next quote, backslash, control or non-ASCII byte (or the
    /// buffer's end). Plain ASCII runs are the common case: 16 bytes at a time (SIMD: a signed
    /// compare flags both the control and the non-ASCII bytes, two more the quote and the
    /// backslash; the lanes read as two words give the first flagged byte), then 8 (SWAR),
    /// then byte by byte.
    @inline(__always)
    mutating func skipPlain() {
        // (The vector operands are spelled out: with a scalar one, `v .< 0x20`, the compares
        // ran lane by lane.)
        let quote = SIMD16<Int8>(repeating: 0x22), backslash = SIMD16<Int8>(repeating: 0x5C)
        let space = SIMD16<Int8>(repeating: 0x20)
        while end &- index >= 16 {
            let v = UnsafeRawPointer(base + index).loadUnaligned(as: SIMD16<Int8>.self)
            let flagged = (v .< space) .| (v .== quote) .| (v .== backslash)
            // Each lane all ones or zeros; the lowest lane is the low byte of a little-endian word.
            let lanes = unsafeBitCast(flagged, to: SIMD2<UInt64>.self)
            let low = UInt64(littleEndian: lanes[0]), high = UInt64(littleEndian: lanes[1])
            if low != 0 {
                index &+= low.trailingZeroBitCount &>> 3
                return
            }
            if high != 0 {
                index &+= 8 &+ high.trailingZeroBitCount &>> 3
                return
            }
            index &+= 16
        }
        while end &- index >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let special = JSONParser.specialBytes(word)
            if special != 0 {
                // The lowest flagged byte is always a real one (a false flag needs a borrow
                // from a real one below it): jump straight to it.
                index &+= special.trailingZeroBitCount &>> 3
                return
            }
            index &+= 8
        }
        while index < end {
            let c = base[index]
            if c == 0x22 || c == 0x5C || c < 0x20 || c >= 0x80 { return }
            index &+= 1
        }
    }

    mutating func escape() throws(JSONScanError) {
        let at = index
        index += 1
        let e = try peek()
        switch e {
        case 0x22, 0x5C, 0x2F, UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"),
            UInt8(ascii: "t"):
            index += 1
        case UInt8(ascii: "u"):
            index += 1
            let unit = try hex4(escapeAt: at)
            if unit >= 0xDC00 && unit <= 0xDFFF {
                throw .invalid(at, "unpaired low surrogate \\u\(String(unit, radix: 16)) in string")
            }
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard try peek() == 0x5C else { throw .invalid(at, "unpaired high surrogate in string") }
                index += 1
                guard try peek() == UInt8(ascii: "u") else { throw .invalid(at, "unpaired high surrogate in string") }
                index += 1
                let low = try hex4(escapeAt: at)
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw .invalid(at, "unpaired high surrogate in string")
                }
            }
        default:
            throw .invalid(at, "invalid escape '\\\(Self.printable(e))' in string")
        }
    }

    mutating func hex4(escapeAt: Int) throws(JSONScanError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = try peek()
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: throw .invalid(escapeAt, "invalid \\u escape in string")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// Validates one multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates).
    mutating func utf8Sequence() throws(JSONScanError) {
        let at = index
        let c0 = base[index]
        var need: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch c0 {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; high = 0x9F
        case 0xF0: need = 3; low = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; high = 0x8F
        default: throw .invalid(at, "invalid UTF-8 \(Self.describe(c0)) in string")
        }
        index += 1
        while need > 0 {
            let c = try peek()
            guard c >= low && c <= high else { throw .invalid(at, "invalid UTF-8 sequence in string") }
            low = 0x80
            high = 0xBF
            index += 1
            need -= 1
        }
    }

    mutating func number() throws(JSONScanError) {
        let start = index
        if base[index] == UInt8(ascii: "-") { index += 1 }
        let first = try peek()
        if first == UInt8(ascii: "0") {
            index += 1
        } else if first >= 0x31 && first <= 0x39 {
            try digits()
        } else {
            throw .invalid(start, "invalid number: expected a digit")
        }
        if index < end && base[index] == UInt8(ascii: ".") {
            index += 1
            guard try isDigit(peek()) else { throw .invalid(start, "invalid number: expected a digit after '.'") }
            try digits()
        }
        if index < end && (base[index] | 0x20) == UInt8(ascii: "e") {
            index += 1
            let sign = try peek()
            if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
            guard try isDigit(peek()) else { throw .invalid(start, "invalid number: expected a digit in the exponent") }
            try digits()
        }
        // A number that runs to the end of the buffer may continue in the next chunk.
        if index >= end { throw .incomplete }
        if isDigit(base[index]) { throw .invalid(start, "invalid number: leading zero") }
    }

    @inline(__always)
    func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    @inline(__always)
    mutating func digits() throws(JSONScanError) {
        // A word at a time, the run's end found in the word where it ends (a timestamp's 13
        // digits: two steps, where the last five were a loop of bytes).
        while end - index >= 8 {
            let run = EightDigits.leadingDigits(EightDigits.load(base + index))
            index += run
            if run < 8 { return }
        }
        while index < end && isDigit(base[index]) { index += 1 }
    }

    mutating func literal(_ word: StaticString) throws(JSONScanError) {
        let start = index
        let count = word.utf8CodeUnitCount
        let text = word.utf8Start
        // `true`, `null` (four bytes) or `false` (five) whole in the buffer: its first four
        // bytes as one word, and the fifth (a byte loop was ~300 instructions a literal on
        // CloudTrail records, 1.5% of a trail-and-activity run).
        if count >= 4 && index + count <= end {
            let head = UnsafeRawPointer(base + index).loadUnaligned(as: UInt32.self)
            if head == UnsafeRawPointer(text).loadUnaligned(as: UInt32.self) && (count == 4 || count == 5 && base[index + 4] == text[4]) {
                index += count
                return
            }
        }
        for k in 0..<count {
            guard index < end else { throw .incomplete }
            guard base[index] == text[k] else {
                throw .invalid(start, "expected a value, found \(Self.describe(base[start]))")
            }
            index += 1
        }
    }

    /// The high bit of each byte of `word` that is `"`, `\\`, below 0x20 or 0x80 and above
    /// (bytes above a flagged one may be flagged falsely, through a borrow; the lowest is exact).
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        func zeroByte(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & high }
        let quote = zeroByte(word ^ (ones &* 0x22))
        let backslash = zeroByte(word ^ (ones &* 0x5C))
        let control = (word &- ones &* 0x20) & ~word & high  // a byte below 0x20 (or borrows, caught below)
        return quote | backslash | control | (word & high)
    }

    static func describe(_ c: UInt8) -> String {
        if c >= 0x20 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        return "byte 0x" + (c < 16 ? "0" : "") + String(c, radix: 16, uppercase: true)
    }

    static func printable(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(Character(Unicode.Scalar(c))) : describe(c)
    }
}
