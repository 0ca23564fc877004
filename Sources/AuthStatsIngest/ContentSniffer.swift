/// Tells what a stream holds from its first bytes: a compression, an archive, NUL padding, or
/// records. Everything is recognised by content, never by name.
enum ContentSniffer {
    enum Kind: Equatable {
        case gzip, xz, bzip2, zstd
        /// Another compression libarchive knows (lz4, lzip, compress, lzop, uuencode, …), by
        /// its name (`otherFilterMagics`).
        case otherFilter(String)
        case tar, zip
        /// A format authstats does not read (7-Zip, RAR, ar, cpio, cabinet archives; Snappy's
        /// framing; Parquet): what the input's failure says (`unreadMagics`).
        case unread(String)
        /// NUL bytes (what `copytruncate` leaves at the start of a log).
        case nul
        /// Anything else: the records themselves (or the bytes of an empty stream).
        case records
    }

    /// The bytes `kind(of:)` needs to decide (a tar header is 512 bytes).
    static let headBytes = 512

    static func kind(of head: ArraySlice<UInt8>) -> Kind {
        let bytes = Array(head.prefix(headBytes))
        func starts(_ magic: [UInt8]) -> Bool { bytes.starts(with: magic) }
        if starts([0x1F, 0x8B]) { return .gzip }
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .xz }
        if starts([0x42, 0x5A, 0x68]), bytes.count > 3, (0x31...0x39).contains(bytes[3]) { return .bzip2 }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
        // A zstd skippable frame (magic 0x184D2A5?, little-endian) may come first.
        if bytes.count >= 4, bytes[0] & 0xF0 == 0x50, bytes[1...3] == [0x2A, 0x4D, 0x18] { return .zstd }
        if let filter = otherFilterMagics.first(where: { starts($0.magic) }) { return .otherFilter(filter.name) }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) || starts([0x50, 0x4B, 0x07, 0x08]) {
            return .zip
        }
        if isTarHeader(bytes) { return .tar }
        if let unread = unreadMagics.first(where: { starts($0.magic) }) { return .unread(unread.message) }
        if bytes.first == 0 { return .nul }
        return .records
    }

    /// Magic numbers of libarchive's other filters: lz4 (frame, legacy), lzip, compress (.Z),
    /// lzop, lrzip, grzip, uuencode, rpm, and lzma-alone (`]` + `00 00`: libarchive checks the
    /// rest of its header; if it declines, the bytes come back unchanged).
    static let otherFilterMagics: [(name: String, magic: [UInt8])] = [
        ("lz4", [0x04, 0x22, 0x4D, 0x18]), ("lz4", [0x02, 0x21, 0x4C, 0x18]), ("lzip", Array("LZIP".utf8)), ("compress", [0x1F, 0x9D]),
        ("lzop", [0x89, 0x4C, 0x5A, 0x4F, 0x00, 0x0D, 0x0A, 0x1A, 0x0A]), ("lrzip", Array("LRZI".utf8)), ("grzip", Array("GRZipII".utf8)),
        ("uuencode", Array("begin ".utf8)), ("uuencode", Array("begin-base64 ".utf8)), ("rpm", [0xED, 0xAB, 0xEE, 0xDB]),
        ("lzma", [0x5D, 0x00, 0x00]),
    ]

    /// Formats read as records until 2026-12-07, each line a "not JSON" reject, the input
    /// `ok` (reviews): such a file fails, naming its format and what to do, as an lzop file
    /// does. (Firehose's HADOOP_SNAPPY has no magic number; ORC's three letters are too short
    /// to tell from text.)
    static let unreadMagics: [(message: String, magic: [UInt8])] = {
        func archive(_ name: String) -> String {
            "\(name) archive, which authstats does not read (it reads tar and zip archives): extract it first, or pack its files as .tar or .zip"
        }
        return [
            (archive("a 7-Zip"), [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]), (archive("a RAR"), Array("Rar!\u{1A}\u{07}".utf8)),
            (archive("an ar"), Array("!<arch>\n".utf8)), (archive("a cpio"), Array("070701".utf8)), (archive("a cpio"), Array("070702".utf8)),
            (archive("a cpio"), Array("070707".utf8)), (archive("a cabinet"), [0x4D, 0x53, 0x43, 0x46, 0, 0, 0, 0]),
            ("compressed with Snappy (framed), which authstats does not decode: have Firehose write GZIP or no compression, "
                + "or decompress it first (python-snappy: python3 -m snappy -d)", [0xFF, 0x06, 0x00, 0x00] + Array("sNaPpY".utf8)),
            ("a Parquet file (Firehose's record format conversion), which authstats does not read: keep Firehose's JSON objects, "
                + "or write the file's rows as JSON lines first (DuckDB: COPY (FROM 'file.parquet') TO 'file.json')", Array("PAR1".utf8)),
        ]
    }()

    /// The filters of `otherFilterMagics` whose magic number no text starts with: bytes that
    /// begin so and that libarchive declines are that stream, damaged.
    static let binaryFilters: Set<String> = ["lz4", "lzip", "compress", "lzop", "rpm"]

    /// A tar header block: its checksum field (octal, bytes 148–155) equals the sum of the
    /// block's bytes with that field taken as spaces (unsigned, or signed as old tars wrote it).
    /// An all-NUL block is the end-of-archive mark, not a header.
    static func isTarHeader(_ block: [UInt8]) -> Bool {
        guard block.count >= 512, block[0] != 0 else { return false }
        var stored = 0
        var digits = 0
        for byte in block[148..<156] {
            if byte >= 0x30 && byte <= 0x37 {
                stored = stored * 8 + Int(byte - 0x30)
                digits += 1
            } else if byte == 0x20 && digits == 0 {
                continue  // leading spaces
            } else if byte == 0x20 || byte == 0 {
                break
            } else {
                return false
            }
        }
        guard digits > 0 else { return false }
        var unsigned = 0
        var signed = 0
        for (i, byte) in block[0..<512].enumerated() {
            let value = (148..<156).contains(i) ? 0x20 : byte
            unsigned += Int(value)
            signed += Int(Int8(bitPattern: value))
        }
        return stored == unsigned || stored == signed
    }
}
