/// The shapes of the records a scanner met: what lies between their values, byte for byte.
///
/// Records of one export are written by the same code, so the bytes between their scalar values
/// (keys, colons, commas, braces, empty objects) repeat from record to record: a small-records
/// file of 13,663 records had 6 shapes, a file of the bench set 12 (`docs/performance.md`). A
/// shape is a list of steps, each some literal bytes and then what follows them: a scalar value
/// (its slot, or -1), the start or end of an object or array whose range is a slot, or the end
/// of the record. The shapes are kept as a trie (shapes that begin alike share their first
/// steps), and a record is replayed against it: each step's bytes compared a word at a time,
/// each scalar read and validated exactly as the full scan does (`JSONParser.string`, `number`,
/// `literal`), its field written to the slot the step names. The keys are then neither scanned
/// nor looked up, and the structure's bytes are checked by compares.
///
/// Why this is exact: a step's literal bytes are whole tokens of a record that the full scan
/// accepted (keys, punctuation, white space; never a scalar, which is a step of its own), and
/// each scalar of a replayed record is a whole token too, followed by the next literal's
/// delimiter. So a record that replays to the end is valid JSON with the same structure as the
/// record the shape was learnt from, the same keys at the same places, and so the same fields.
/// Anything else (a byte that differs from every known step, a scalar that is not valid, the
/// buffer's end) makes the replay give up, and the record is scanned in full, which gives the
/// answer (and the error message) the scan always gave. A record whose shape is learnt never has
/// a key written twice for an object the schema follows (the full scan clears such an object's
/// fields when it meets it again, which a replay would not).
///
/// The trie is bounded (`maximumSteps`, `maximumLiteralBytes`): when a shape's new steps do not
/// fit, no shape is learnt any more. A stream whose records keep missing the known shapes (more
/// than one in eight after `warmUp` misses) stops replaying until the next stream's scanner
/// (`beginStream`), so exports of many shapes pay the full scan only.
///
/// An analysis keeps one for its streams (`Analysis.recordShapes`), so a worker learns the
/// shapes in its first files and replays them in the rest (600 small files learnt their shapes
/// anew each, 6,702 times, 10% of a trail-and-activity run).
///
/// Unchecked Sendable: the scanners that share one scan on one thread at a time (an analysis's
/// streams are read by its worker; a scanner that owns its shapes gives a copy of itself new
/// ones, `JSONScanner.scan`).
final class ShapeMemory: @unchecked Sendable {
    enum Action: UInt8 {
        /// The record ends after the literal.
        case end
        /// A scalar value (string, number, true, false, null) follows the literal.
        case scalar
        /// An object or array whose range is a slot begins after the literal.
        case open
        /// That object (or array) ends with the literal's last byte.
        case closeObject, closeArray
    }

    struct Step {
        var literalStart: Int32
        var literalCount: Int32
        var slot: Int32
        var action: Action
        /// The first step that may come after this one, or -1.
        var next: Int32 = -1
        /// Another step that may come instead of this one, or -1.
        var sibling: Int32 = -1
    }

    static let maximumSteps = 2048
    static let maximumLiteralBytes = 1 << 16
    /// The longest record, in steps, that is learnt.
    static let maximumStepsPerShape = 512
    /// Misses allowed before the miss rate decides whether replaying goes on.
    static let warmUp = 32

    /// The schema whose slots the steps name.
    let schema: FieldSchema
    /// Allocated at the first shape learnt: a scanner that never learns one holds none.
    private(set) var steps: UnsafeMutablePointer<Step>?
    /// Each step's literal bytes, with 8 bytes to spare after the last, so that a literal's
    /// last word can be read whole.
    private(set) var literals: UnsafeMutablePointer<UInt8>?
    private(set) var stepCount = 0
    private var literalCount = 0
    /// The first step of every shape, or -1.
    var first: Int32 { stepCount > 0 ? 0 : -1 }
    /// The stream's replayed records, and its records that were not (scanned in full after a
    /// replay gave up).
    private(set) var hits = 0
    private(set) var misses = 0
    /// Whether the stream's records are replayed (see the type's note).
    private(set) var replaying = true
    private var learning = true

    /// The key memory of the scanners that share these shapes, for the records they scan in
    /// full.
    let keys: KeyMemory

    init(schema: FieldSchema) {
        self.schema = schema
        keys = KeyMemory(nodes: schema.nodeCount)
    }

    /// A new stream's scanner starts replaying again, whatever the last stream's records were.
    func beginStream() {
        (hits, misses, replaying) = (0, 0, true)
    }

    deinit {
        steps?.deallocate()
        literals?.deallocate()
    }

    func hit() { hits += 1 }

    /// A record was scanned in full after its replay gave up; `learn` is called next if it was
    /// valid.
    func missed() {
        misses += 1
        if misses > Self.warmUp && misses * 8 > hits + misses { replaying = false }
    }

    /// Learns the shape of the valid record `base[from..<end]` (from its first byte that is not
    /// white space), as the full scan read it with `schema`.
    func learn(_ base: UnsafePointer<UInt8>, from: Int, end: Int) {
        guard learning && replaying else { return }
        var learner = ShapeLearner(base: base, index: from, end: end, schema: schema)
        guard learner.learn() else { return }
        if steps == nil {
            steps = .allocate(capacity: Self.maximumSteps)
            literals = .allocate(capacity: Self.maximumLiteralBytes + 8)
            literals!.initialize(repeating: 0, count: Self.maximumLiteralBytes + 8)
        }
        insert(learner.steps, base)
    }

    /// Adds the steps of a shape that are not in the trie yet; when they do not fit, none, and
    /// learning stops.
    private func insert(_ shape: [ShapeLearner.Found], _ base: UnsafePointer<UInt8>) {
        guard let steps, let literals else { return }
        var parent: Int32 = -1
        var index = 0
        // Down the steps the trie has already.
        while index < shape.count {
            let step = shape[index]
            var at: Int32 = parent < 0 ? first : steps[Int(parent)].next
            var found: Int32 = -1
            while at >= 0 {
                let known = steps[Int(at)]
                if known.action == step.action && Int(known.slot) == step.slot && Int(known.literalCount) == step.count
                    && (0..<step.count).allSatisfy({ literals[Int(known.literalStart) + $0] == base[step.start + $0] })
                {
                    found = at
                    break
                }
                at = known.sibling
            }
            guard found >= 0 else { break }
            parent = found
            index += 1
        }
        let bytes = shape[index...].reduce(0) { $0 + $1.count }
        guard stepCount + shape.count - index <= Self.maximumSteps && literalCount + bytes <= Self.maximumLiteralBytes else {
            learning = false
            return
        }
        // The rest as new steps, the first of them the last sibling where the trie parted.
        while index < shape.count {
            let step = shape[index]
            let new = Int32(stepCount)
            (literals + literalCount).update(from: base + step.start, count: step.count)
            (steps + stepCount).initialize(
                to: Step(literalStart: Int32(literalCount), literalCount: Int32(step.count), slot: Int32(step.slot), action: step.action))
            literalCount += step.count
            stepCount += 1
            if parent < 0 {
                if new != 0 { lastSibling(from: 0).pointee.sibling = new }
            } else if steps[Int(parent)].next < 0 {
                steps[Int(parent)].next = new
            } else {
                lastSibling(from: steps[Int(parent)].next).pointee.sibling = new
            }
            parent = new
            index += 1
        }
    }

    private func lastSibling(from start: Int32) -> UnsafeMutablePointer<Step> {
        var at = Int(start)
        while steps![at].sibling >= 0 { at = Int(steps![at].sibling) }
        return steps! + at
    }
}

/// Walks a record the full scan accepted (so its JSON is not checked again) and lists its
/// steps: the literal bytes before each scalar, each slot's object or array start and end, and
/// the record's end; with the slot of each, found through the schema as the full scan finds it.
struct ShapeLearner {
    struct Found {
        var start: Int
        var count: Int
        var slot: Int
        var action: ShapeMemory.Action
    }

    let base: UnsafePointer<UInt8>
    var index: Int
    let end: Int
    let schema: SchemaView
    /// Nodes with children met so far (one met twice: the record is not learnt).
    var met: [Bool]
    var steps: [Found] = []
    /// Where the literal bytes of the next step begin.
    private var literalStart = 0

    init(base: UnsafePointer<UInt8>, index: Int, end: Int, schema: FieldSchema) {
        self.base = base
        self.index = index
        self.end = end
        self.schema = SchemaView(schema)
        met = Array(repeating: false, count: max(schema.nodeCount, 1))
    }

    /// False when the record is not to be learnt (a followed object's key written twice, or
    /// too many steps).
    mutating func learn() -> Bool {
        skipWhitespace()
        literalStart = index
        guard value(node: 0) else { return false }
        emit(.end, slot: -1)
        return index == end && steps.count <= ShapeMemory.maximumStepsPerShape
    }

    private mutating func emit(_ action: ShapeMemory.Action, slot: Int) {
        steps.append(Found(start: literalStart, count: index - literalStart, slot: slot, action: action))
        literalStart = index
    }

    private mutating func skipWhitespace() {
        while index < end, base[index] == 0x20 || base[index] == 0x0A || base[index] == 0x0D || base[index] == 0x09 { index += 1 }
    }

    private mutating func value(node: Int) -> Bool {
        guard steps.count <= ShapeMemory.maximumStepsPerShape else { return false }
        let slot = node >= 0 ? Int(schema.slotOf[node]) : -1
        switch base[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = base[index] == UInt8(ascii: "{")
            if slot >= 0 { emit(.open, slot: slot) }
            guard isObject ? object(node: node) : array(node: node) else { return false }
            if slot >= 0 { emit(isObject ? .closeObject : .closeArray, slot: slot) }
        default:
            emit(.scalar, slot: slot)
            skipScalar()
            literalStart = index
        }
        return true
    }

    private mutating func skipScalar() {
        if base[index] == UInt8(ascii: "\"") {
            skipString()
            return
        }
        // A number or literal: up to the delimiter after it.
        while index < end {
            switch base[index] {
            case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09: return
            default: index += 1
            }
        }
    }

    /// Past a string from its opening quote; whether it has escapes.
    @discardableResult
    private mutating func skipString() -> Bool {
        index += 1
        var escaped = false
        while base[index] != UInt8(ascii: "\"") {
            if base[index] == UInt8(ascii: "\\") {
                escaped = true
                index += 1
            }
            index += 1
        }
        index += 1
        return escaped
    }

    private mutating func object(node: Int) -> Bool {
        let tracked = node >= 0 && schema.hasChildren(node)
        index += 1
        skipWhitespace()
        if base[index] == UInt8(ascii: "}") {
            index += 1
            return true
        }
        while true {
            let keyStart = index + 1
            let escaped = skipString()
            var child = -1
            if tracked { child = schema.child(of: node, key: base + keyStart, count: index - 1 - keyStart, escaped: escaped) }
            if child >= 0 && schema.hasChildren(child) {
                if met[child] { return false }
                met[child] = true
            }
            skipWhitespace()
            index += 1  // the colon
            skipWhitespace()
            guard value(node: child) else { return false }
            skipWhitespace()
            let c = base[index]
            index += 1
            if c == UInt8(ascii: "}") { return true }
            skipWhitespace()  // after the comma
        }
    }

    private mutating func array(node: Int) -> Bool {
        let tracked = node >= 0 && schema.hasChildren(node)
        index += 1
        skipWhitespace()
        if base[index] == UInt8(ascii: "]") {
            index += 1
            return true
        }
        var element = 0
        while true {
            var child = -1
            if tracked {
                let name = Array(String(element).utf8)
                child = name.withUnsafeBufferPointer { schema.child(of: node, key: $0.baseAddress!, count: $0.count) }
            }
            guard value(node: child) else { return false }
            element += 1
            skipWhitespace()
            let c = base[index]
            index += 1
            if c == UInt8(ascii: "]") { return true }
            skipWhitespace()
        }
    }
}

extension JSONParser {
    /// Replays the record at `index` (white space skipped) against the known shapes, writing
    /// its fields; false, with the fields partly written, when it does not follow one to its end.
    mutating func replay(_ shapes: ShapeMemory) -> Bool {
        guard let steps = shapes.steps, let literals = shapes.literals else { return false }
        var at = shapes.first
        while at >= 0 {
            let step = steps[Int(at)]
            let count = Int(step.literalCount)
            guard follows(literals + Int(step.literalStart), count) else {
                at = step.sibling
                continue
            }
            let after = index + count
            let slot = Int(step.slot)
            switch step.action {
            case .scalar:
                guard after < end else { return false }
                index = after
                let scalar: (type: JSONValueType, escaped: Bool)?
                do throws(JSONScanError) { scalar = try self.scalar() } catch { return false }
                guard let scalar else {
                    // Not a scalar here: another step with the same bytes may fit.
                    index = after - count
                    at = step.sibling
                    continue
                }
                if slot >= 0 { store(slot, scalar.type, from: after, escaped: scalar.escaped) }
            case .open:
                guard after < end, base[after] == UInt8(ascii: "{") || base[after] == UInt8(ascii: "[") else {
                    at = step.sibling
                    continue
                }
                index = after
                fields[slot].start = after
            case .closeObject, .closeArray:
                index = after
                fields[slot] = JSONField(
                    type: step.action == .closeObject ? .object : .array, start: fields[slot].start, end: after, hasEscapes: false)
            case .end:
                index = after
                return true
            }
            at = step.next
        }
        return false
    }

    /// Whether the `count` bytes at `index` are those at `literal` (which has 8 bytes to spare
    /// after them), compared a word at a time.
    @inline(__always)
    func follows(_ literal: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        guard end - index >= count else { return false }
        let record = UnsafeRawPointer(base + index), known = UnsafeRawPointer(literal)
        if count >= 8 {
            var k = 0
            while k < count - 8 {
                if record.loadUnaligned(fromByteOffset: k, as: UInt64.self) != known.loadUnaligned(fromByteOffset: k, as: UInt64.self) {
                    return false
                }
                k += 8
            }
            return record.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                == known.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        }
        if end - index >= 8 {
            // The low `count` bytes of a little-endian word.
            let mask: UInt64 = count == 0 ? 0 : ~0 >> UInt64(64 - 8 * count)
            let a = UInt64(littleEndian: record.loadUnaligned(as: UInt64.self))
            let b = UInt64(littleEndian: known.loadUnaligned(as: UInt64.self))
            return (a ^ b) & mask == 0
        }
        for k in 0..<count where base[index + k] != literal[k] { return false }
        return true
    }
}
