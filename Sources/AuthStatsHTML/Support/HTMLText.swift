/// Escaping for text and quoted attribute values, of the page's every value: the template's
/// `{{value}}` (its escaping, `HTMLReport.Escaping`) and what the page's code writes as bytes
/// (`HTMLBytes`). The same five characters as swift-mustache's own escaping (`&`, `<`, `>`,
/// `"`, `'`), replaced by the same entities, but byte by byte, so that one is escaped even when
/// a combining mark follows it (swift-mustache's escapes whole `Character`s, and `"` followed
/// by U+0301 is one `Character` that it leaves as it is). Control characters but tab, line feed
/// and carriage return (C0, DEL and the C1 range U+0080–U+009F) become U+FFFD.
enum HTMLText {
    /// The entity that replaces `byte`, or nil when it stays as it is. The five are ASCII, so
    /// never part of a longer scalar: the bytes between them are whole scalars.
    @inline(__always)
    private static func entity(_ byte: UInt8) -> StaticString? {
        switch byte {
        case UInt8(ascii: "&"): "&amp;"
        case UInt8(ascii: "<"): "&lt;"
        case UInt8(ascii: ">"): "&gt;"
        case UInt8(ascii: "\""): "&quot;"
        case UInt8(ascii: "'"): "&#39;"
        // Control characters other than tab, line feed and carriage return (a NUL or an ESC
        // in a value or a rejected record's text) are errors in HTML, and an ESC would
        // reach a terminal that shows the file: U+FFFD REPLACEMENT CHARACTER stands in.
        case 0x00...0x08, 0x0B, 0x0C, 0x0E...0x1F, 0x7F: "\u{FFFD}"
        default: nil
        }
    }

    /// Appends the UTF-8 of `text` to `out`, escaped (`HTMLBytes`: a `String` append was ~100
    /// instructions, and a day of a breakdown chart made hundreds).
    static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            var at = 0
            while at < bytes.count {
                let byte = bytes[at]
                // C1 controls (U+0080–U+009F, `C2 80`–`C2 9F`): U+FFFD as the C0 ones.
                if byte == 0xC2 && at + 1 < bytes.count && bytes[at + 1] >= 0x80 && bytes[at + 1] <= 0x9F {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<at]))
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    at += 2
                    start = at
                    continue
                }
                at += 1
                guard let entity = entity(byte) else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<at - 1]))
                entity.withUTF8Buffer { out.append(contentsOf: $0) }
                start = at
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
    }

    /// `text`, escaped (itself when it has nothing to escape: the template escapes every
    /// `{{value}}` through here).
    static func escaped(_ text: String) -> String {
        var text = text
        guard needsEscaping(&text) else { return text }
        var bytes: [UInt8] = []
        append(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `text` holds one of the five characters, or a control character.
    private static func needsEscaping(_ text: inout String) -> Bool {
        text.withUTF8 { bytes in bytes.contains { entity($0) != nil || $0 == 0xC2 } }
    }
}

/// Markup that the page's own code writes as bytes rather than through the template (the
/// charts' legends, axes and marks, the retention rows, the inputs listed): constant markup
/// as it is, every value escaped by `HTMLText`, as the template's `{{value}}` is.
/// (swift-mustache spent ~20,000 instructions on each value it placed: a night's page made
/// ~3,000 of them.)
struct HTMLBytes {
    private(set) var bytes: [UInt8] = []

    /// Constant markup.
    mutating func put(_ markup: StaticString) { markup.withUTF8Buffer { bytes.append(contentsOf: $0) } }

    /// A value, escaped.
    mutating func text(_ value: String) { HTMLText.append(value, to: &bytes) }

    /// ` name="value"`, the value escaped.
    mutating func attribute(_ name: StaticString, _ value: String) {
        put(" ")
        put(name)
        put("=\"")
        text(value)
        put("\"")
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
