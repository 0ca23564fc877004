/// File and member names as messages, `summary.json` and `rejects.ndjson` print them: control
/// characters and bytes that are not UTF-8 escaped, so a name can neither move a terminal's
/// cursor nor be mistaken for another.
///
/// `\n`, `\r`, `\t` and `\\` are written as such; other C0 controls, DEL and invalid UTF-8
/// bytes as `\xNN` (lower-case hex); C1 controls and the bidirectional overrides as `\u{NNNN}`.
/// A name without any of these is returned unchanged.
public enum DisplayPath {
    /// The display form of a name given as raw bytes (as the file system stores it).
    public static func text<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        // Printable ASCII without a backslash, nearly every name: as it is. (The general path
        // below, byte by byte, was 8% of a run over 5,000 small files.)
        let plain: String?? = bytes.withContiguousStorageIfAvailable { plainText($0) }
        if let plain = plain ?? plainText(bytes) { return plain }
        var out = ""
        var index = bytes.startIndex
        var pending: [UInt8] = []
        func flushValid() {
            guard !pending.isEmpty else { return }
            out += escape(String(decoding: pending, as: UTF8.self))
            pending.removeAll(keepingCapacity: true)
        }
        while index != bytes.endIndex {
            let byte = bytes[index]
            let length = sequenceLength(bytes, at: index)
            if length == 0 {
                flushValid()
                out += hex(byte)
                index = bytes.index(after: index)
                continue
            }
            for _ in 0..<length {
                pending.append(bytes[index])
                index = bytes.index(after: index)
            }
        }
        flushValid()
        return out
    }

    /// The display form of a name already held as a `String`.
    public static func text(_ name: String) -> String {
        guard name.unicodeScalars.contains(where: needsEscape) else { return name }
        return escape(name)
    }

    @inline(__always)
    private static func isPlain(_ byte: UInt8) -> Bool { byte >= 0x20 && byte < 0x7F && byte != 0x5C }

    /// `bytes` as text when each is plain (`isPlain`); nil otherwise.
    private static func plainText(_ bytes: some Collection<UInt8>) -> String? {
        bytes.allSatisfy(isPlain) ? String(decoding: bytes, as: UTF8.self) : nil
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || v == 0x7F || v == 0x5C || (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v)
            || (0x2066...0x2069).contains(v)
    }

    private static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            default:
                out += scalar.value < 0x80 ? hex(UInt8(scalar.value)) : "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        return out
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return "\\x\(digits[Int(byte >> 4)])\(digits[Int(byte & 0xF)])"
    }

    /// The length of the valid UTF-8 sequence starting at `index` (0 if the byte there does
    /// not start one): the well-formed ranges of Unicode's table 3-7.
    private static func sequenceLength<Bytes: Collection<UInt8>>(_ bytes: Bytes, at index: Bytes.Index) -> Int {
        let first = bytes[index]
        let (length, second): (Int, ClosedRange<UInt8>)
        switch first {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
        case 0xE0: (length, second) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, second) = (3, 0x80...0xBF)
        case 0xED: (length, second) = (3, 0x80...0x9F)
        case 0xF0: (length, second) = (4, 0x90...0xBF)
        case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
        case 0xF4: (length, second) = (4, 0x80...0x8F)
        default: return 0
        }
        var i = bytes.index(after: index)
        for position in 1..<length {
            guard i != bytes.endIndex else { return 0 }
            let byte = bytes[i]
            guard position == 1 ? second.contains(byte) : (0x80...0xBF).contains(byte) else { return 0 }
            i = bytes.index(after: i)
        }
        return length
    }
}
