import Foundation

/// The JSON values of a configuration file: one, or several back to back (what
/// `aws … > file` gives when several commands append to one file), parsed with Foundation's
/// `JSONSerialization`.
///
/// `JSONSerialization` reads one value only, so each value's end is found first with the
/// `JSONScanner` the record framer uses; the files are small (kilobytes), so parsing them
/// into dictionaries costs nothing that matters.
enum JSONDocuments {
    /// Where and why reading stopped.
    struct Damage: Sendable, Equatable {
        /// 0-based byte offset.
        var offset: Int
        var reason: String
    }

    /// The values in file order and, when the file is not JSON from some point on, where;
    /// the values before the damage are kept.
    static func read(_ data: [UInt8]) -> (values: [Any], damage: Damage?) {
        var scanner = JSONScanner(schema: FieldSchema([]))
        var values: [Any] = []
        var index = 0
        while true {
            index = data.withUnsafeBytes { JSONScanner.skipSpace($0, from: index) }
            guard index < data.count else { return (values, nil) }
            let start = index
            switch data.withUnsafeBytes({ scanner.scan($0, from: start) }) {
            case .complete(let end):
                do {
                    values.append(try JSONSerialization.jsonObject(with: Data(data[start..<end]), options: [.fragmentsAllowed]))
                } catch {
                    // The scanner validates RFC 8259; Foundation may still refuse a value
                    // (a number out of its range): say so at the value's start.
                    return (values, Damage(offset: start, reason: "not JSON Foundation can read (\(error.localizedDescription))"))
                }
                index = end
            case .invalid(let offset, let reason):
                return (values, Damage(offset: offset, reason: reason))
            case .incomplete:
                return (values, Damage(offset: data.count, reason: "the file ends inside a JSON value"))
            }
        }
    }
}

/// Reading a member of a parsed JSON object the way configuration files need it.
extension Dictionary where Key == String, Value == Any {
    /// A string member; a number, boolean, object or array as its JSON text (so that a
    /// mistyped value still fails the check of its field with what was written: `true`, not
    /// `1`; `{"id":"x"}`, not Swift's `["id": "x"]`, until 2026-12-05); nil when absent or `null`.
    func stringMember(_ key: String) -> String? {
        switch self[key] {
        case let text as String: text
        case nil, is NSNull: nil
        case let number as NSNumber where !JSONDocuments.isBoolean(number): number.description
        case let other?:
            (try? JSONSerialization.data(withJSONObject: other, options: [.sortedKeys, .fragmentsAllowed]))
                .map { String(decoding: $0, as: UTF8.self) } ?? String(describing: other)
        }
    }
}

extension JSONDocuments {
    /// Whether a parsed value is JSON's `true` or `false` (Foundation gives them as `NSNumber`s,
    /// which `as? Bool` takes for any 0 or 1 too).
    static func isBoolean(_ value: Any) -> Bool { boolean(value) != nil }

    /// A parsed value's `true` or `false`; nil for any other value (`1` included).
    static func boolean(_ value: Any?) -> Bool? {
        guard let number = value as? NSNumber, String(cString: number.objCType) == "c" else { return nil }
        return number.boolValue
    }
}

extension ConfigurationFinding {
    /// A file that stops being JSON at `damage`, after `documentsBefore` documents (read).
    static func invalidJSON(_ damage: JSONDocuments.Damage, file: String, documentsBefore: Int) -> ConfigurationFinding {
        ConfigurationFinding(
            .invalidJSON, file: file,
            message: "not JSON at byte \(damage.offset) (\(damage.reason)); \(documentsBefore) document(s) before it read")
    }
}
