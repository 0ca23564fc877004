import Foundation

/// The file name of a segment's report, `segments/<file name>.csv`, from the segment's name.
///
/// The rule (`docs/segments.md` "File names"):
/// - Kept as they are: ASCII letters and digits, `-`, `_`, `.`, `,`, `+`, `=`, `@`, `~`, `!`,
///   `#`, `$`, `&`, `'`, `(`, `)`, `[`, `]`, `{`, `}`, `^`, `;`, `` ` ``, the space, and every
///   non-ASCII letter, digit or mark (`Café`, `Größe`, `日本` stay readable).
/// - Every other byte of the name's UTF-8 becomes `%XX` (two upper-case hex digits): `%`
///   itself, `/`, `\`, `<`, `>`, `:`, `"`, `|`, `?`, `*`, control characters, and non-ASCII
///   characters that are not letters, digits or marks (spaces, format characters such as
///   U+202E, symbols).
/// - So are a leading `.` or space, a trailing `.` or space (Windows drops them), and the first
///   letter of a name Windows reserves for a device (`CON`, `PRN`, `AUX`, `NUL`, `COM1`…`COM9`,
///   `LPT1`…`LPT9`, in any case, alone or before a `.`): `CON` → `%43ON`.
/// - An empty name is `%` (no encoded name is a lone `%`).
/// - An encoding longer than 200 bytes is cut to its first 182 bytes or fewer (never inside a
///   `%XX` or a character), followed by `%~` and 16 hex digits of a 64-bit hash of the whole
///   name (`Hash64`): 200 bytes at most.
///
/// Decoding `%XX` back to bytes gives the name again, so two different names never get the
/// same file name, except two names over 200 bytes encoded whose hashes and first bytes agree.
/// Names that differ only in letter case, or only in Unicode normalization, would get file
/// names that a case-insensitive (or normalization-insensitive) file system, macOS's and
/// Windows's by default, takes for one: of the segments of one run (`fileNames(for:)`), each
/// whose file name is one of an earlier segment's but for case and normalization gets the hash
/// suffix too (`Pro`, then `pro`: `Pro`, `pro%~<hash>`).
public enum SegmentFileName {
    /// The longest file name returned, in bytes, without `.csv`.
    public static let maxBytes = 200

    /// The file names of a run's segments, in their order: `fileName(for:)`, except that a name
    /// whose file name an earlier one's equals when letter case and Unicode normalization are
    /// ignored gets the hash suffix (`withSuffix`), so that no two share a file on any file
    /// system. Every place that names a segment's file asks this, with all the names.
    public static func fileNames(for segmentNames: [String]) -> [String] {
        var taken = Set<String>()
        return segmentNames.map { name in
            var file = fileName(for: name)
            if !taken.insert(folded(file)).inserted {
                file = withSuffix(pieces(of: name), name)
                taken.insert(folded(file))
            }
            return file
        }
    }

    /// A file name as a case- and normalization-insensitive file system compares it: folded,
    /// and upper-cased first as NTFS compares names (`ı`, dotless, is `I` there, which case
    /// folding leaves apart: `Big` and `Bıg` were two files, a review found, 2026-12-07).
    static func folded(_ file: String) -> String {
        file.uppercased().decomposedStringWithCanonicalMapping.folding(options: [.caseInsensitive], locale: nil)
    }

    /// A safe file name (without `.csv`) for the segment called `segmentName`.
    public static func fileName(for segmentName: String) -> String {
        if segmentName.isEmpty { return "%" }
        let pieces = pieces(of: segmentName)
        let whole = pieces.joined()
        guard whole.utf8.count > maxBytes else { return whole }
        return withSuffix(pieces, segmentName)
    }

    /// The encoding of a (non-empty) name, one piece per scalar, so that a long one is cut
    /// between pieces.
    private static func pieces(of segmentName: String) -> [String] {
        let scalars = Array(segmentName.unicodeScalars)
        var pieces: [String] = []
        pieces.reserveCapacity(scalars.count)
        for (i, scalar) in scalars.enumerated() {
            let edge = i == 0 || i == scalars.count - 1
            if edge && (scalar == "." || scalar == " ") || (i == 0 && isReservedDevice(segmentName)) {
                pieces.append(encoded(scalar))
            } else if isKept(scalar) {
                pieces.append(String(scalar))
            } else {
                pieces.append(encoded(scalar))
            }
        }
        return pieces
    }

    /// The pieces, cut to leave room, then `%~` and 16 hex digits of a hash of the whole name.
    private static func withSuffix(_ pieces: [String], _ segmentName: String) -> String {
        var hash = segmentName
        let digest = hash.withUTF8 { Hash64.hash(UnsafeRawBufferPointer($0)) }
        let hex = String(digest, radix: 16, uppercase: true)
        let suffix = "%~" + String(repeating: "0", count: 16 - hex.count) + hex
        var prefix = ""
        var bytes = 0
        for piece in pieces {
            let size = piece.utf8.count
            if bytes + size > maxBytes - suffix.utf8.count { break }
            prefix += piece
            bytes += size
        }
        // A prefix ending in `.` or space is fine: the suffix follows it.
        return prefix + suffix
    }

    private static let keptASCII = Set("-_.,+=@~!#$&'()[]{}^;` ".unicodeScalars)

    private static func isKept(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || keptASCII.contains(scalar)
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    private static func encoded(_ scalar: Unicode.Scalar) -> String {
        var result = ""
        for byte in String(scalar).utf8 {
            result += "%"
            result += String(byte >> 4, radix: 16, uppercase: true)
            result += String(byte & 0xF, radix: 16, uppercase: true)
        }
        return result
    }

    /// `CON`, `com1.backup`, …: names Windows keeps for devices, whatever follows a dot.
    private static func isReservedDevice(_ name: String) -> Bool {
        // Windows also ignores spaces before the dot (`CON .csv` is `CON`).
        var stem = name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0].uppercased()
        while stem.hasSuffix(" ") { stem.removeLast() }
        // `CONIN$` and `CONOUT$` are the console's too (a review, 2026-12-07).
        if ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"].contains(stem) { return true }
        // The digits 1 to 9, and the superscripts ¹ ² ³ that Windows reserves too (a review found
        // `COM¹.csv` written as it was).
        if stem.count == 4, stem.hasPrefix("COM") || stem.hasPrefix("LPT"), let digit = stem.last,
            ("1"..."9").contains(digit) || "\u{B9}\u{B2}\u{B3}".contains(digit)
        {
            return true
        }
        return false
    }
}
