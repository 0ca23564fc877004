/// The number of entries a zip archive's central directory lists, read from its end record
/// (and the zip64 end record when the count does not fit in 16 bits), given the archive's last
/// bytes: what a reader that reads the entries front to back (libarchive's streamable zip
/// reader, which authstats uses so that a zip can come from a pipe or from inside another
/// archive) can check its count against. That reader passes over a member whose local header
/// is damaged, looking for the next header, and says nothing (APPNOTE.TXT 4.3.16, 4.3.14).
enum ZipEndRecord {
    /// The end record (22 bytes), a comment of up to 65,535 bytes after it, and the zip64 end
    /// record (56 bytes) and its locator (20) before it.
    static let tailBytes = 22 + 65_535 + 56 + 20

    /// The end record that ends `tail` exactly (its comment reaching the last byte): its entry
    /// count, and whether its central directory ends where the record that states it begins in
    /// a stream of `length` bytes (not so for a zip with bytes before it, such as two zips end
    /// to end, whose record counts the last one's entries only); nil when no end record ends
    /// the bytes.
    static func end(tail: [UInt8], length: Int) -> (entries: UInt64, inPlace: Bool)? {
        guard let (entries, directoryEnd, recordStart) = record(tail: tail) else { return nil }
        return (entries, directoryEnd == UInt64(length - (tail.count - recordStart)))
    }

    /// The entry count to check the entries read against: the end's, when it is in place.
    static func entryCount(tail: [UInt8], length: Int) -> UInt64? {
        end(tail: tail, length: length).flatMap { $0.inPlace ? $0.entries : nil }
    }

    /// Why a zip read to the end of its bytes is not whole, judged by its `end`: no end record
    /// ends the bytes (cut short, or bytes after it: junk, or a second zip), or the one that
    /// does places its central directory elsewhere (bytes before that zip: a first zip); nil
    /// when the end record is where it says. libarchive's reader, front to back, stops at the
    /// first central directory and says nothing of what follows (a review, 2026-12-07:
    /// `cat a.zip b.zip` read a.zip alone, exit status 0).
    static func problem(_ end: (entries: UInt64, inPlace: Bool)?) -> String? {
        guard let end else {
            return "damaged archive: the zip does not end with its end record: it is cut short, or bytes follow it "
                + "(junk, or another zip: cat a.zip b.zip); what follows is not read"
        }
        return end.inPlace
            ? nil
            : "damaged archive: the zip's end record does not match where it lies: bytes come before the zip it ends "
                + "(another zip: cat a.zip b.zip); that zip's entries are not read"
    }

    /// `problem` of the end of `tail`.
    static func problem(tail: [UInt8], length: Int) -> String? { problem(end(tail: tail, length: length)) }

    /// The entry count, where the central directory ends (its offset plus its size, as the
    /// record states them), and where in `tail` the record that states them begins.
    private static func record(tail: [UInt8]) -> (entries: UInt64, directoryEnd: UInt64, at: Int)? {
        let count = tail.count
        guard count >= 22 else { return nil }
        func u16(_ at: Int) -> UInt64 { UInt64(tail[at]) | UInt64(tail[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt64 { u16(at) | u16(at + 2) << 16 }
        func u64(_ at: Int) -> UInt64 { u32(at) | u32(at + 4) << 32 }
        // From the last place an end record fits, back over comments of every length.
        var at = count - 22
        let lowest = max(0, count - 22 - 65_535)
        while at >= lowest {
            if u32(at) == 0x0605_4B50 && at + 22 + Int(u16(at + 20)) == count {
                // Zip64: a locator right before, the zip64 end record right before it (56 bytes,
                // or more with extensible data, as its size field says). Its values count,
                // whether or not the end record's are saturated: Info-ZIP writing a stream and
                // bsdtar write both records with real values in each, and the central
                // directory ends where the zip64 record begins (a review, 2026-12-07).
                let locator = at - 20
                if locator >= 56, u32(locator) == 0x0706_4B50 {
                    // (`&+`: the fields are the file's, and forged ones must not stop the run.)
                    var record = locator - 56
                    while record >= 0
                        && !(u32(record) == 0x0606_4B50 && (record == locator - 56 || UInt64(record) &+ 12 &+ u64(record + 4) == UInt64(locator)))
                    {
                        record -= 1
                    }
                    if record >= 0 { return (u64(record + 32), u64(record + 48) &+ u64(record + 40), record) }
                }
                // Without one, the end record's values are the values, also a count of 0xFFFF
                // (Python's zipfile writes zip64 only past it).
                return (u16(at + 10), u32(at + 16) + u32(at + 12), at)
            }
            at -= 1
        }
        return nil
    }
}
