/// Escaping for text and quoted attribute values written by the page's own code rather than
/// by the template (`ChartView.marks`): the same five characters as the template's `{{value}}`
/// (`&`, `<`, `>`, `"`, `'`), replaced by the same entities, but byte by byte, so that one is
/// escaped even when a combining mark follows it (the template escapes whole `Character`s, and
/// `"` followed by U+0301 is one `Character` that it leaves as it is).
enum HTMLText {
    /// Appends `text` to `out`, escaped.
    static func append(_ text: String, to out: inout String) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for (at, byte) in bytes.enumerated() {
                let entity: StaticString
                switch byte {
                case UInt8(ascii: "&"): entity = "&amp;"
                case UInt8(ascii: "<"): entity = "&lt;"
                case UInt8(ascii: ">"): entity = "&gt;"
                case UInt8(ascii: "\""): entity = "&quot;"
                case UInt8(ascii: "'"): entity = "&#39;"
                default: continue
                }
                // The bytes before it are whole scalars: the five are ASCII, never inside one.
                out += String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
                out += entity.description
                start = at + 1
            }
            out += String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self)
        }
    }

    /// `text`, escaped.
    static func escaped(_ text: String) -> String {
        var out = ""
        append(text, to: &out)
        return out
    }
}
