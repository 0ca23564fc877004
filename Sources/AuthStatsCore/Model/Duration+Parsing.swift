/// Durations written as on the command line: `90s`, `45m`, `2h`, `1h30m`, `500ms`, `2d`.
public enum Duration {
    /// Milliseconds of `text`; nil unless it is one or more `<number><unit>` parts.
    public static func parseMillis(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        var total: Int64 = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let (unit, factor) = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) }) else {
                return nil
            }
            rest = rest.dropFirst(unit.count)
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            // The sum too (`9223372036854775807ms1ms` stopped the process, a review found).
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return nil }
            total = sum
        }
        return total
    }

    /// `millis` (more than 0) as written on the command line, the inverse of `parseMillis`:
    /// `30m`, `1h30m5s`, `250ms`.
    public static func text(millis: Int64) -> String {
        precondition(millis > 0, "a duration is positive")
        var parts: [String] = []
        var rest = millis
        for (unit, size) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1_000), ("ms", 1)] where rest >= size {
            parts.append("\(rest / size)\(unit)")
            rest %= size
        }
        return parts.joined()
    }
}

import Foundation
