/// Finds where a record ends without parsing it: used for a record too long to keep
/// (`--max-record-bytes`), which is passed over as it streams. (Broken records end where the
/// next record starts: `RecordFramer.resync`.)
///
/// It follows only strings and bracket depth, with two rules that keep a broken record from
/// swallowing the next good one:
/// - a raw line break inside a string ends the record (JSON forbids one there);
/// - a line break at depth > 0 that is followed by `{` at the start of the next line ends it
///   (newline-delimited exports start every record there; pretty-printed JSON indents).
struct RecordBoundary: Sendable {
    enum Result: Equatable {
        /// The record ends just before this absolute offset.
        case end(Int)
        case needMore
    }

    var depth = 0
    var inString = false
    var escaped = false
    /// How far the scan has got, relative to the record start.
    var scanned = 0

    mutating func scan(_ base: UnsafePointer<UInt8>, recordStart: Int, filled: Int, atEOF: Bool) -> Result {
        var i = recordStart + scanned
        while i < filled {
            let c = base[i]
            if inString {
                if escaped {
                    escaped = false
                } else if c == 0x5C {
                    escaped = true
                } else if c == 0x22 {
                    inString = false
                } else if c == 0x0A {
                    return .end(i)
                }
            } else {
                switch c {
                case 0x22: inString = true
                case 0x7B, 0x5B: depth += 1
                case 0x7D, 0x5D:
                    depth -= 1
                    if depth <= 0 { return .end(i + 1) }
                case 0x0A:
                    if i + 1 < filled {
                        if base[i + 1] == 0x7B { return .end(i) }
                    } else if !atEOF {
                        scanned = i - recordStart
                        return .needMore
                    }
                default: break
                }
            }
            i += 1
        }
        scanned = i - recordStart
        return atEOF ? .end(filled) : .needMore
    }
}
