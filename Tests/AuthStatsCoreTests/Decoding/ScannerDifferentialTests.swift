import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsCore

/// The byte scanner against Foundation's `JSONSerialization` and `JSONDecoder` (Codable), on
/// thousands of generated records: the same values at every schema path, and the same
/// verdict on what is JSON.
@Suite("JSONScanner against JSONSerialization and JSONDecoder (differential)")
struct ScannerDifferentialTests {
    typealias Rng = SeededRandom

    static let schema = RecordDecoder.schema

    /// A random JSON string literal with escapes, surrogate pairs and raw UTF-8.
    static func stringLiteral(_ rng: inout Rng) -> String {
        let pieces = ["a", "Z", "0", " ", "é", "😀", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9", "\\ud83d\\ude00", "\\u0041", "{", "}", "[", ":", ","]
        return "\"" + (0..<rng.below(8)).map { _ in pieces[rng.below(pieces.count)] }.joined() + "\""
    }

    static func numberLiteral(_ rng: inout Rng) -> String {
        ["0", "-0", "1643673911400", "-12", "1.5", "1.6436739114e12", "12E+2", "3e-2", "1643673911400.0", "9007199254740993"][rng.below(10)]
    }

    static func ws(_ rng: inout Rng) -> String { ["", "", "", " ", "\n", "\t ", "\r\n  "][rng.below(7)] }

    /// A random value: mostly strings at leaf paths, sometimes numbers, null, objects with decoys.
    static func value(_ rng: inout Rng, depth: Int) -> String {
        switch rng.below(depth > 3 ? 4 : 7) {
        case 0, 1: return stringLiteral(&rng)
        case 2: return numberLiteral(&rng)
        case 3: return ["null", "true", "false"][rng.below(3)]
        case 4: return object(&rng, depth: depth + 1, keys: decoyKeys)
        case 5: return "[" + (0..<rng.below(3)).map { _ in ws(&rng) + value(&rng, depth: depth + 1) }.joined(separator: ",") + "]"
        default: return object(&rng, depth: depth + 1, keys: decoyKeys)
        }
    }

    /// Keys that also occur at schema paths, so that decoys sit at other depths.
    static let decoyKeys = ["event_type", "event_timestamp", "client", "client_id", "session", "session_id", "User", "UserId",
                            "device", "platform", "name", "eventTime", "message", "eventType", "x", "y"]

    static func object(_ rng: inout Rng, depth: Int, keys: [String]) -> String {
        var members: [String] = []
        var used = Set<String>()
        for _ in 0..<rng.below(4) {
            let key = keys[rng.below(keys.count)]
            guard used.insert(key).inserted else { continue }
            members.append(ws(&rng) + "\"\(key)\"" + ws(&rng) + ":" + ws(&rng) + value(&rng, depth: depth))
        }
        return "{" + members.joined(separator: ",") + ws(&rng) + "}"
    }

    /// A record that sets some schema paths (with random values) among decoys.
    static func record(_ rng: inout Rng) -> String {
        var tree: [String: Any] = [:]
        for path in schema.paths where rng.chance(0.5) {
            var node = tree
            let parts = path.split(separator: ".").map(String.init)
            func insert(_ dict: inout [String: Any], _ parts: ArraySlice<String>) {
                let key = parts.first!
                if parts.count == 1 {
                    dict[key] = key == "0" ? nil : RawValue(text: rng.chance(0.7) ? stringLiteral(&rng) : value(&rng, depth: 3))
                } else {
                    var child = dict[key] as? [String: Any] ?? [:]
                    insert(&child, parts.dropFirst())
                    dict[key] = child
                }
            }
            insert(&node, parts[...])
            tree = node
        }
        return render(tree, &rng)
    }

    struct RawValue { var text: String }

    static func render(_ tree: [String: Any], _ rng: inout Rng) -> String {
        var members: [String] = []
        for key in tree.keys.sorted() {
            let v = tree[key]!
            let text = (v as? RawValue)?.text ?? render(v as! [String: Any], &rng)
            members.append(ws(&rng) + "\"\(key)\"" + ws(&rng) + ":" + ws(&rng) + text)
        }
        if rng.chance(0.5) {  // a decoy member holding schema keys one level down
            members.insert(ws(&rng) + "\"attributes\":" + object(&rng, depth: 1, keys: decoyKeys), at: rng.below(members.count + 1))
        }
        return "{" + members.joined(separator: ",") + ws(&rng) + "}"
    }

    /// What Foundation finds at `path` (array elements by index).
    static func lookup(_ object: Any, _ path: String) -> Any?? {
        var node: Any = object
        for part in path.split(separator: ".") {
            if let dict = node as? [String: Any] {
                guard let next = dict[String(part)] else { return .none }
                node = next
            } else if let list = node as? [Any], let i = Int(part) {
                guard i < list.count else { return .none }
                node = list[i]
            } else {
                return .none
            }
        }
        return .some(node)
    }

    /// Any JSON value, decoded through `Codable` (`JSONDecoder`), as the Foundation objects
    /// `JSONSerialization` would give (so that one comparison serves both).
    enum CodableValue: Decodable {
        case value(Any)

        init(from decoder: any Decoder) throws {
            if var list = try? decoder.unkeyedContainer() {
                var items: [Any] = []
                while !list.isAtEnd { items.append(try list.decode(CodableValue.self).any) }
                self = .value(items)
                return
            }
            if let object = try? decoder.container(keyedBy: AnyKey.self) {
                var members: [String: Any] = [:]
                for key in object.allKeys { members[key.stringValue] = try object.decode(CodableValue.self, forKey: key).any }
                self = .value(members)
                return
            }
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                self = .value(NSNull())
            } else if let bool = try? single.decode(Bool.self) {
                self = .value(NSNumber(value: bool))
            } else if let text = try? single.decode(String.self) {
                self = .value(text)
            } else {
                self = .value(NSNumber(value: try single.decode(Double.self)))
            }
        }

        var any: Any {
            switch self { case .value(let v): return v }
        }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    @Test("the same value at every schema path, on 4,000 generated records (JSONSerialization)")
    func extraction() throws {
        try compare(records: 4000, seed: 20_261_127) { try JSONSerialization.jsonObject(with: $0) }
    }

    @Test("the same value at every schema path, on 2,000 generated records (JSONDecoder, Codable)")
    func extractionCodable() throws {
        try compare(records: 2000, seed: 5_2026) { try JSONDecoder().decode(CodableValue.self, from: $0).any }
    }

    /// Scans `records` generated records and compares every schema path with what `parse`
    /// (a Foundation parser) finds there.
    func compare(records: Int, seed: UInt64, parse: (Data) throws -> Any) throws {
        var rng = Rng(seed: seed)
        var compared = 0
        for _ in 0..<records {
            let text = Self.record(&rng)
            let bytes = Array(text.utf8)
            let reference = try parse(Data(bytes))
            var scanner = JSONScanner(schema: Self.schema)
            bytes.withUnsafeBytes { raw in
                #expect(scanner.scan(raw) == .complete(end: bytes.count), "\(text)")
                for (slot, path) in Self.schema.paths.enumerated() {
                    let field = scanner.fields[slot]
                    switch Self.lookup(reference, path) {
                    case .none:
                        #expect(field.type == .absent, "\(path) in \(text)")
                    case .some(let value):
                        compared += 1
                        switch value {
                        case let s as String:
                            #expect(field.string(in: raw) == s, "\(path) in \(text)")
                        case is NSNull:
                            #expect(field.type == .null, "\(path) in \(text)")
                        case let n as NSNumber where field.type == .number:
                            #expect(Double(field.text(in: raw)) == n.doubleValue, "\(path) in \(text)")
                            if let exact = field.integer(in: raw) { #expect(Double(exact) == n.doubleValue) }
                        case is NSNumber:
                            #expect(field.type == .bool, "\(path) in \(text)")
                        case is [Any]:
                            #expect(field.type == .array, "\(path) in \(text)")
                        case is [String: Any]:
                            #expect(field.type == .object, "\(path) in \(text)")
                        default:
                            Issue.record("unexpected value at \(path)")
                        }
                    }
                }
            }
        }
        #expect(compared > records * 2)
    }

    /// Whether `text` holds a number whose value overflows a Double (`9e0071992`).
    static func hasHugeNumber(_ text: String) -> Bool {
        let pattern = try! NSRegularExpression(pattern: "-?[0-9]+(\\.[0-9]+)?[eE][+-]?[0-9]+")
        let range = NSRange(text.startIndex..., in: text)
        return pattern.matches(in: text, range: range).contains { match in
            Double(String(text[Range(match.range, in: text)!]))?.isInfinite ?? false
        }
    }

    @Test("mutated records: the scanner accepts exactly what is JSON")
    func mutations() throws {
        var rng = Rng(seed: 7)
        let alphabet: [UInt8] = Array("{}[]\":,\\ tfn0-.eu".utf8) + [0x00, 0x0A, 0xC3, 0xFF]
        var rejected = 0
        for _ in 0..<4000 {
            var bytes = Array(Self.record(&rng).utf8)
            for _ in 0..<(1 + rng.below(2)) where !bytes.isEmpty {
                let at = rng.below(bytes.count)
                switch rng.below(3) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(alphabet[rng.below(alphabet.count)], at: at)
                default: bytes[at] = alphabet[rng.below(alphabet.count)]
                }
            }
            let foundation = (try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)) != nil
            var scanner = JSONScanner(schema: Self.schema)
            let outcome = bytes.withUnsafeBytes { scanner.scan($0) }
            var whole = false
            if case .complete(let end) = outcome {
                whole = bytes[end...].allSatisfy { [0x20, 0x0A, 0x0D, 0x09].contains($0) }
            }
            if foundation && !whole, case .invalid(_, let reason) = outcome,
                reason == "expected a value, found ']'" || reason == "expected '\"' to begin an object key, found '}'"
            {
                continue  // Foundation accepts a trailing comma (`[1,]`, `{"a":1,}`); RFC 8259 does not
            }
            if whole && !foundation && Self.hasHugeNumber(String(decoding: bytes, as: UTF8.self)) {
                continue  // valid JSON, but past Double's range: Foundation refuses it, RFC 8259 allows that
            }
            #expect(whole == foundation, "\(String(decoding: bytes, as: UTF8.self).debugDescription): scanner \(outcome)")
            if !foundation { rejected += 1 }
        }
        #expect(rejected > 1000)
    }
}
