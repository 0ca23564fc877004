import AuthStatsIngest
import AuthStatsTestSupport
import Foundation

@testable import AuthStatsGenerator

/// What a generator run wrote: each `.gz` file's path (relative to the folder) and text.
struct GeneratedFiles {
    let folder: URL
    let files: [String: String]

    /// Runs the generator with `options` (its `out` set to a new temporary folder).
    init(_ configure: (inout ExportGenerator.Options) -> Void) throws {
        folder = CLI.temporaryFolder("generated")
        var options = ExportGenerator.Options(out: folder.path)
        configure(&options)
        _ = try ExportGenerator.run(options)
        var files: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder.path)!
        while let path = enumerator.nextObject() as? String {
            guard path.hasSuffix(".gz") else { continue }
            let read = DecompressedFile.read(path: folder.appendingPathComponent(path).path, limit: 1 << 30)
            files[path] = String(decoding: read.bytes, as: UTF8.self)
        }
        self.files = files
    }

    /// The Pinpoint objects (under `YYYY/`), by path.
    var pinpoint: [String: String] { files.filter { $0.key.hasPrefix("20") } }

    /// The lines of every newline-delimited Pinpoint object.
    var pinpointLines: [String] { pinpoint.values.flatMap { $0.split(separator: "\n").map(String.init) } }

    /// The CloudTrail log files (not digests), by path.
    var cloudTrail: [String: String] { files.filter { $0.key.contains("/CloudTrail/") } }

    /// The JSON objects of a newline-delimited text.
    static func objects(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    /// The integer after `"name":` in a record.
    static func number(_ name: String, in record: String) -> Int64? {
        guard let range = record.range(of: "\"\(name)\":") else { return nil }
        return Int64(record[range.upperBound...].prefix(while: \.isNumber))
    }

    /// `(event_type, event_timestamp, client_id)` of Pinpoint records: one event, whatever its shape.
    static func eventKeys(_ lines: [String]) -> Set<String> {
        Set(lines.map { line in
            let type = line.range(of: "\"event_type\":\"").map { line[$0.upperBound...].prefix { $0 != "\"" } } ?? ""
            let client = line.range(of: "\"client_id\":\"").map { line[$0.upperBound...].prefix { $0 != "\"" } } ?? ""
            return "\(type) \(number("event_timestamp", in: line) ?? 0) \(client)"
        })
    }
}
