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
        let file: PlanFile
        do {
            file = try JSONDecoder().decode(PlanFile.self, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw .badPlan(file: name, reason: "not JSON")
        } catch {
            // A plan of another version would fail here too: name the schema first.
            if let schema = (try? JSONDecoder().decode(SchemaOnly.self, from: data))?.schema, schema != Self.schema {
                throw .badPlan(file: name, reason: "schema '\(schema)' is not \(Self.schema); make the plan again with this authstats")
            }
            throw .badPlan(file: name, reason: "not an authstats plan (\(Self.describe(error)))")
        }
        guard file.schema == Self.schema else {
            throw .badPlan(file: name, reason: "schema '\(file.schema)' is not \(Self.schema); make the plan again with this authstats")
        }
        guard file.id.count == 32, file.id.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw .badPlan(file: name, reason: "id '\(file.id)' is not 32 lower-case hex digits")
        }
        guard (1...maxShards).contains(file.shards) else {
            throw .badPlan(file: name, reason: "shards \(file.shards) is not from 1 to \(maxShards)")
        }
        var inputs = [Input?](repeating: nil, count: file.inputs.count)
        var paths = Set<String>()
        for entry in file.inputs {
            guard inputs.indices.contains(entry.index), inputs[entry.index] == nil else {
                throw .badPlan(file: name, reason: "input \(JSONText.quote(entry.path)) has index \(entry.index); the indexes must be 0 to \(file.inputs.count - 1), each once")
            }
            guard (0..<file.shards).contains(entry.shard) else {
                throw .badPlan(file: name, reason: "input \(JSONText.quote(entry.path)) is in shard \(entry.shard), not 0 to \(file.shards - 1)")
            }
            guard entry.size >= 0 else { throw .badPlan(file: name, reason: "input \(JSONText.quote(entry.path)) has size \(entry.size)") }
            guard paths.insert(entry.path).inserted else { throw .badPlan(file: name, reason: "input \(JSONText.quote(entry.path)) is listed twice") }
            inputs[entry.index] = Input(path: entry.path, size: entry.size, archive: entry.archive, shard: entry.shard, index: entry.index)
        }
        return ShardPlan(id: file.id, shards: file.shards, inputs: inputs.map { $0! })
    }

    private struct PlanFile: Decodable {
        var schema: String
        var id: String
        var shards: Int
        var inputs: [Entry]

        struct Entry: Decodable {
            var path: String
            var size: Int64
            var archive: Bool
            var shard: Int
            var index: Int
        }
    }

    private struct SchemaOnly: Decodable { var schema: String }

    /// "inputs[3].size: expected a number", from a decoding error.
    private static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            let at = path(context.codingPath)
            return "\(at.isEmpty ? "" : at + ": ")missing \"\(key.stringValue)\""
        case .typeMismatch(let type, let context)?, .valueNotFound(let type, let context)?:
            return "\(path(context.codingPath)): expected \(type == String.self ? "a string" : type == Bool.self ? "true or false" : "a number")"
        case .dataCorrupted(let context)?:
            return "\(path(context.codingPath)): \(context.debugDescription)"
        default:
            return "\(error)"
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
