import AuthStatsCore
import Foundation

extension ShardPlan {
    /// The plan file: one input a line, keys in a fixed order, so the same plan is the same
    /// bytes.
    ///
    /// ```
    /// {
    ///   "schema": "authstats.plan/1",
    ///   "id": "<32 hex digits>",
    ///   "shards": 2,
    ///   "inputs": [
    ///     {"path": "exports/a.gz", "size": 1204, "archive": false, "shard": 0, "index": 0},
    ///     …
    ///   ]
    /// }
    /// ```
    public func json() -> String {
        var text = "{\n  \"schema\": \(JSONText.quote(Self.schema)),\n  \"id\": \(JSONText.quote(id)),\n  \"shards\": \(shards),\n  \"inputs\": ["
        for (n, input) in inputs.enumerated() {
            text += n == 0 ? "\n" : ",\n"
            text += "    {\"path\": \(JSONText.quote(input.path)), \"size\": \(input.size), \"archive\": \(input.archive), "
            text += "\"shard\": \(input.shard), \"index\": \(input.index)}"
        }
        text += inputs.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return text
    }

    /// Reads and checks a plan file.
    ///
    /// The id is not recomputed: it names the original listing, and a driver may hand a shard
    /// a copy whose paths point at local copies of the same objects (`deploy/spark`), with the
    /// same id, shards and indexes.
    ///
    /// - Throws: `ShardPlanError.badPlan`: not readable, not JSON, another schema, or not a
    ///   plan (indexes not 0…n-1, a shard out of range, a path twice).
    public static func load(path: String) throws(ShardPlanError) -> ShardPlan {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .badPlan(file: path, reason: OSError.text(Self.errno(of: error)))
        }
        return try parse(data, name: path)
    }

    /// A plan from the plan file's bytes (`load(path:)` without the file).
    public static func parse(_ data: Data, name: String) throws(ShardPlanError) -> ShardPlan {
        let read = data.withUnsafeBytes { raw in Result { () throws(PlanFile.Problem) in try PlanFile(raw) } }
        let file: PlanFile
        switch read {
        case .success(let read): file = read
        case .failure(.notJSON): throw .badPlan(file: name, reason: "not JSON")
        case .failure(.schema(let schema)):
            throw .badPlan(file: name, reason: "schema '\(schema)' is not \(Self.schema); make the plan again with this authstats")
        case .failure(.notPlan(let reason)): throw .badPlan(file: name, reason: "not an authstats plan (\(reason))")
        }
        guard file.id.count == 32, file.id.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw .badPlan(file: name, reason: "id '\(file.id)' is not 32 lower-case hex digits")
        }
        guard (1...maxShards).contains(file.shards) else {
            throw .badPlan(file: name, reason: "shards \(file.shards) is not from 1 to \(maxShards)")
        }
        var inputs = [Input?](repeating: nil, count: file.inputs.count)
        var paths = Set<ExactText>()  // by bytes (`ShardPlan.make`)
        for entry in file.inputs {
            guard inputs.indices.contains(entry.index), inputs[entry.index] == nil else {
                throw .badPlan(file: name, reason: "input \(JSONText.quote(entry.path)) has index \(entry.index); the indexes must be 0 to \(file.inputs.count - 1), each once")
            }
            guard (0..<file.shards).contains(entry.shard) else {
                throw .badPlan(file: name, reason: "input \(JSONText.quote(entry.path)) is in shard \(entry.shard), not 0 to \(file.shards - 1)")
            }
            guard entry.size >= 0 else { throw .badPlan(file: name, reason: "input \(JSONText.quote(entry.path)) has size \(entry.size)") }
            guard paths.insert(ExactText(entry.path)).inserted else { throw .badPlan(file: name, reason: "input \(JSONText.quote(entry.path)) is listed twice") }
            inputs[entry.index] = entry
        }
        return ShardPlan(id: file.id, shards: file.shards, inputs: inputs.map { $0! })
    }

    /// The plan file's fields, read with `JSONScanner`: every shard reads the whole plan, one
    /// entry for each input of the reprocessing, and `JSONDecoder` took 30 ms for a plan of
    /// 4,400 inputs (each shard's, before it could read a byte); the scanner, with the checks
    /// below, about 7 (both under `perf`).
    /// Any JSON with these fields is a plan (the Spark driver writes it with Python's `json`);
    /// other keys are read past.
    private struct PlanFile {
        var schema: String
        var id: String
        var shards: Int
        var inputs: [Input]

        enum Problem: Error {
            /// Not one JSON value (RFC 8259), alone but for white space.
            case notJSON
            /// A plan of another schema: named before anything else is checked.
            case schema(String)
            /// JSON, not a plan: where and why ("inputs[3].size: expected a number").
            case notPlan(String)
        }

        private static let top = FieldSchema(["schema", "id", "shards", "inputs"])
        private static let entry = FieldSchema(["path", "size", "archive", "shard", "index"])

        init(_ bytes: UnsafeRawBufferPointer) throws(Problem) {
            // White space and a UTF-8 byte order mark (JSONDecoder passed over one too).
            func skipSpace(_ at: Int) -> Int { JSONScanner.skipSpace(bytes, from: at) }
            var scanner = JSONScanner(schema: Self.top)
            let start = skipSpace(0)
            guard case .complete(let end) = scanner.scan(bytes, from: start), skipSpace(end) == bytes.count else { throw .notJSON }
            let fields = Fields(bytes: bytes, fields: scanner.fields, keys: Self.top.paths, entry: nil)
            guard bytes[start] == UInt8(ascii: "{") else { throw .notPlan("expected an object") }
            schema = try fields.string(0)
            guard schema == ShardPlan.schema else { throw .schema(schema) }
            id = try fields.string(1)
            shards = try fields.integer(2)
            let list = try fields.field(3, .array, "an array")
            // The array is valid JSON (scanned whole above): elements and separators only.
            var entries = JSONScanner(schema: Self.entry)
            inputs = []
            var at = skipSpace(list.start + 1)
            while bytes[at] != UInt8(ascii: "]") {
                if !inputs.isEmpty { at = skipSpace(at + 1) }  // past the comma
                guard bytes[at] == UInt8(ascii: "{"), case .complete(let next) = entries.scan(bytes, from: at) else {
                    throw .notPlan("inputs[\(inputs.count)]: expected an object")
                }
                let entry = Fields(bytes: bytes, fields: entries.fields, keys: Self.entry.paths, entry: inputs.count)
                inputs.append(Input(
                    path: try entry.string(0), size: Int64(try entry.integer(1)), archive: try entry.bool(2),
                    shard: try entry.integer(3), index: try entry.integer(4)))
                at = skipSpace(next)
            }
        }

        /// One object's fields as the scanner found them, read as the plan's types.
        private struct Fields {
            let bytes: UnsafeRawBufferPointer
            let fields: [JSONField]
            let keys: [String]
            /// Which of `inputs` (nil: the plan's own fields), named only in a message.
            let entry: Int?

            /// "inputs[3].size", or "shards".
            func name(_ slot: Int) -> String { entry.map { "inputs[\($0)].\(keys[slot])" } ?? keys[slot] }

            func field(_ slot: Int, _ type: JSONValueType, _ what: String) throws(Problem) -> JSONField {
                let field = fields[slot]
                guard field.type != .absent else { throw .notPlan("\(entry.map { "inputs[\($0)]: " } ?? "")missing \"\(keys[slot])\"") }
                guard field.type == type else { throw .notPlan("\(name(slot)): expected \(what)") }
                return field
            }

            func string(_ slot: Int) throws(Problem) -> String { try field(slot, .string, "a string").string(in: bytes)! }
            func bool(_ slot: Int) throws(Problem) -> Bool { bytes[try field(slot, .bool, "true or false").start] == UInt8(ascii: "t") }
            func integer(_ slot: Int) throws(Problem) -> Int {
                guard let value = try field(slot, .number, "a number").integer(in: bytes) else {
                    throw .notPlan("\(name(slot)): expected a whole number")
                }
                return Int(value)
            }
        }
    }

    private static func errno(of error: any Error) -> Int32 {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return Int32(underlying.code)
        }
        return ns.code == NSFileReadNoSuchFileError ? ENOENT : EIO
    }
}
