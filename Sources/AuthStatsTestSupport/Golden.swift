import Foundation

/// Golden files: compare produced text with a stored copy; `RECORD_GOLDEN=1` rewrites the
/// copy (the check still fails after recording, so a recording run is never a green run).
public enum Golden {
    public static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" }

    /// Nil when `actual` matches the file; otherwise a message with a line diff.
    public static func check(_ actual: String, file: URL) -> String? {
        let expected = try? String(contentsOf: file, encoding: .utf8)
        if expected == actual { return nil }
        if recording {
            try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? actual.write(to: file, atomically: true, encoding: .utf8)
            return "recorded \(file.lastPathComponent); run again without RECORD_GOLDEN"
        }
        guard let expected else {
            return "missing golden file \(file.path); record it with `make record-golden`"
        }
        return "\(file.lastPathComponent) differs from the golden file:\n" + diff(expected, actual)
    }

    /// A small line diff: the first differing lines with context.
    public static func diff(_ expected: String, _ actual: String, limit: Int = 20) -> String {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var out: [String] = []
        for i in 0..<max(a.count, b.count) where out.count < limit {
            let x = i < a.count ? String(a[i]) : nil
            let y = i < b.count ? String(b[i]) : nil
            if x != y {
                if let x { out.append("-\(i + 1): \(x)") }
                if let y { out.append("+\(i + 1): \(y)") }
            }
        }
        return out.joined(separator: "\n")
    }
}
