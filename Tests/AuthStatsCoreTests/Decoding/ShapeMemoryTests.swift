import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

/// A scanner that replays records against the shapes of earlier ones (`ShapeMemory`) against
/// one that scans every record in full: the same outcome (offset and reason of an error too) and
/// the same fields, record by record.
@Suite("JSONScanner replaying known record shapes")
struct ShapeMemoryTests {
    typealias Rng = SeededRandom

    /// Scans `texts` in order with a replaying scanner and with a full-scan one; every outcome
    /// and field must agree. Returns the replaying scanner's counts.
    @discardableResult
    func compare(_ texts: [[UInt8]], schema: FieldSchema, sourceLocation: SourceLocation = #_sourceLocation)
        -> (hits: Int, misses: Int, replaying: Bool, steps: Int)
    {
        var replaying = JSONScanner(schema: schema, shapes: ShapeMemory(schema: schema))
        var full = JSONScanner(schema: schema)
        for bytes in texts {
            bytes.withUnsafeBytes { raw in
                let expected = full.scan(raw)
                let outcome = replaying.scan(raw)
                #expect(outcome == expected, "\(String(decoding: bytes, as: UTF8.self).debugDescription)", sourceLocation: sourceLocation)
                if case .complete = expected {
                    #expect(replaying.fields == full.fields, "\(String(decoding: bytes, as: UTF8.self).debugDescription)", sourceLocation: sourceLocation)
                }
            }
        }
        return replaying.shapeCounts!
    }

    /// `text` (valid JSON) with every scalar value (not key) replaced by a random one.
    static func revalued(_ text: [UInt8], _ rng: inout Rng) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        func scalar() -> [UInt8] {
            switch rng.below(4) {
            case 0: return Array(ScannerDifferentialTests.numberLiteral(&rng).utf8)
            case 1: return Array(["null", "true", "false"][rng.below(3)].utf8)
            default: return Array(ScannerDifferentialTests.stringLiteral(&rng).utf8)
            }
        }
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: "\"") {
                var j = i + 1
                while text[j] != UInt8(ascii: "\"") { j += text[j] == UInt8(ascii: "\\") ? 2 : 1 }
                var k = j + 1
                while k < text.count, [0x20, 0x0A, 0x0D, 0x09].contains(text[k]) { k += 1 }
                let isKey = k < text.count && text[k] == UInt8(ascii: ":")
                out += isKey ? Array(text[i...j]) : scalar()
                i = j + 1
            } else if c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "t") || c == UInt8(ascii: "f")
                || c == UInt8(ascii: "n")
            {
                var j = i
                while j < text.count, !Array(",}] \n\r\t".utf8).contains(text[j]) { j += 1 }
                out += scalar()
                i = j
            } else {
                out.append(c)
                i += 1
            }
        }
        return out
    }

    @Test("records of a few shapes with other values replay to the same fields as a full scan")
    func replayedValues() {
        var rng = Rng(seed: 2026_12_04)
        let bases = (0..<12).map { _ in Array(ScannerDifferentialTests.record(&rng).utf8) }
        var texts: [[UInt8]] = []
        for _ in 0..<600 { texts.append(Self.revalued(bases[rng.below(bases.count)], &rng)) }
        let counts = compare(texts, schema: ScannerDifferentialTests.schema)
        #expect(counts.replaying)
        #expect(counts.hits > 500, "\(counts)")
    }

    @Test("mutated and cut records of known shapes: the same outcome, error and fields as a full scan")
    func mutatedRecords() {
        var rng = Rng(seed: 41)
        let alphabet: [UInt8] = Array("{}[]\":,\\ tfn0-.eu9".utf8) + [0x00, 0x0A, 0xC3, 0xFF]
        let bases = (0..<6).map { _ in Array(ScannerDifferentialTests.record(&rng).utf8) }
        var texts: [[UInt8]] = []
        for _ in 0..<300 {
            // Records of the known shapes between the mutants keep the scanner replaying (a
            // mutant that is still JSON is a shape not seen before).
            for _ in 0..<15 { texts.append(Self.revalued(bases[rng.below(bases.count)], &rng)) }
            var bytes = Self.revalued(bases[rng.below(bases.count)], &rng)
            switch rng.below(4) {
            case 0: bytes.removeLast(rng.below(bytes.count))  // cut anywhere
            default:
                for _ in 0..<(1 + rng.below(2)) {
                    let at = rng.below(bytes.count)
                    switch rng.below(3) {
                    case 0: bytes.remove(at: at)
                    case 1: bytes.insert(alphabet[rng.below(alphabet.count)], at: at)
                    default: bytes[at] = alphabet[rng.below(alphabet.count)]
                    }
                }
            }
            texts.append(bytes)
        }
        let counts = compare(texts, schema: ScannerDifferentialTests.schema)
        #expect(counts.replaying)
        #expect(counts.hits > 4000, "\(counts)")
    }

    let schema = FieldSchema(["a", "b", "b.c", "b.d.e", "list", "list.1", "n"])

    func bytes(_ texts: [String]) -> [[UInt8]] { texts.map { Array($0.utf8) } }

    @Test("a slot's object or array range, a scalar where an object was, and the other way round")
    func slotsAndSiblings() {
        let texts = bytes([
            #"{"a":"1","b":{"c":"2","d":{"e":3}},"list":[0,"x",{}],"n":4}"#,
            #"{"a":"5","b":{"c":"66","d":{"e":77}},"list":[10,"yy",{}],"n":8}"#,
            #"{"a":"5","b":null,"list":"no","n":8}"#,
            #"{"a":"5","b":{"c":"66","d":{"e":77}},"list":[10,"yy",{}],"n":8}"#,
            #"{"a":"5","b":{"c":"66","d":"e"},"list":[10,["yy"],{}],"n":8}"#,
            #"{"a":"5","b":null,"list":"no","n":8}"#,
            #"{"a":{"x":1},"b":{"c":"\u00e9\\","d":{"e":-1.5e3}},"list":[true,false,null],"n":"\ud83d\ude00"}"#,
            #"{"a":{"x":2},"b":{"c":"é","d":{"e":0}},"list":[false,"\"",null],"n":"😀"}"#,
            #"  {"a":"1"}"#,
            #"{"a":"2"}"#,
            #""just a string""#,
            #""another""#,
            #"12"#,
        ])
        let counts = compare(texts + texts, schema: schema)
        #expect(counts.hits >= 13, "\(counts)")
    }

    @Test("a record with a followed object written twice is not learnt: the last one wins whole, as in a full scan")
    func duplicatedKeys() {
        let texts = bytes([
            #"{"b":{"c":"1","d":{"e":2}},"b":{"d":{"e":3}}}"#,
            #"{"b":{"c":"1","d":{"e":2}},"b":{"d":{"e":3}}}"#,
            #"{"b":{"c":"9","d":{"e":9}},"b":{"d":{"e":9}}}"#,
            #"{"a":"1","a":"2","b":{"c":"x"}}"#,  // a leaf written twice: the last, either way
            #"{"a":"3","a":"4","b":{"c":"y"}}"#,
        ])
        let counts = compare(texts, schema: schema)
        #expect(counts.hits == 1, "only the leaf-twice record replays: \(counts)")
    }

    @Test("records of ever new shapes stop being replayed; the answers stay the same")
    func manyShapes() {
        let texts = (0..<400).map { Array(#"{"k\#($0)":1,"a":"\#($0)"}"#.utf8) }
        let counts = compare(texts, schema: schema)
        #expect(!counts.replaying)
        #expect(counts.misses <= ShapeMemory.warmUp + 1, "\(counts)")
    }

    @Test("the trie is bounded: once full, no shape is learnt, and known ones still replay")
    func bounded() {
        // Long distinct records: each needs many steps.
        let members = (0..<200).map { #""m\#($0)":\#($0)"# }.joined(separator: ",")
        var texts: [[UInt8]] = []
        for round in 0..<10 {
            for shape in 0..<12 { texts.append(Array(#"{"s\#(shape)":0,\#(members),"a":"\#(round)"}"#.utf8)) }
        }
        let counts = compare(texts, schema: schema)
        // 203 steps a shape (a scalar each, the end): ten fit in 2,048, the eleventh does not,
        // and learning stops there. The first ten replay in the nine later rounds, the last two
        // never.
        #expect(counts.steps == 10 * 203, "\(counts)")
        #expect(counts.hits == 9 * 10 && counts.misses == 12 + 9 * 2, "\(counts)")
    }

    @Test("records side by side in one buffer, scanned from their offsets, the last one cut")
    func recordsInOneBuffer() {
        var rng = Rng(seed: 77)
        let bases = (0..<4).map { _ in Array(ScannerDifferentialTests.record(&rng).utf8) }
        var buffer: [UInt8] = []
        var starts: [Int] = []
        for i in 0..<200 {
            starts.append(buffer.count)
            buffer += Self.revalued(bases[rng.below(bases.count)], &rng)
            buffer += Array([" ", "\n", "", "\r\n "][i % 4].utf8)
        }
        buffer.removeLast(25)  // the last record cut
        let sharedSchema = ScannerDifferentialTests.schema
        var replaying = JSONScanner(schema: sharedSchema, shapes: ShapeMemory(schema: sharedSchema))
        var full = JSONScanner(schema: sharedSchema)
        buffer.withUnsafeBytes { raw in
            for start in starts {
                let expected = full.scan(raw, from: start)
                #expect(replaying.scan(raw, from: start) == expected, "record at \(start)")
                if case .complete = expected { #expect(replaying.fields == full.fields, "record at \(start)") }
            }
        }
        #expect(replaying.shapeCounts!.hits > 150, "\(replaying.shapeCounts!)")
    }

    @Test("a stream that stopped replaying does not stop the next stream's scanner")
    func nextStreamReplays() {
        let shapes = ShapeMemory(schema: schema)
        var first = JSONScanner(schema: schema, shapes: shapes)
        for i in 0..<100 { _ = Array(#"{"k\#(i)":1,"a":"\#(i)"}"#.utf8).withUnsafeBytes { first.scan($0) } }
        #expect(!first.shapeCounts!.replaying)
        var next = JSONScanner(schema: schema, shapes: shapes)
        let known = bytes([#"{"k3":2,"a":"x"}"#, #"{"k4":5,"a":"y"}"#])
        for text in known { _ = text.withUnsafeBytes { next.scan($0) } }
        #expect(next.shapeCounts!.replaying && next.shapeCounts!.hits == 2, "\(next.shapeCounts!)")
    }

    @Test("copies of a scanner that owns its shapes take their own at their first scan")
    func copiesTakeTheirOwn() {
        var original = JSONScanner(schema: schema, remembersShapes: true)
        let text = Array(#"{"a":"1","n":2}"#.utf8)
        _ = text.withUnsafeBytes { original.scan($0) }
        var copy = original
        _ = text.withUnsafeBytes { copy.scan($0) }
        #expect(copy.shapeCounts!.hits == 0 && copy.shapeCounts!.misses == 1, "a copy starts with no shapes: \(copy.shapeCounts!)")
        _ = text.withUnsafeBytes { original.scan($0) }
        #expect(original.shapeCounts!.hits == 1, "the original keeps its own: \(original.shapeCounts!)")
    }
}
