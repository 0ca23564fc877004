/// Whether a file name is a tar or zip archive's, by its extension alone.
///
/// `report` recognises archives by content (`ContentSniffer`), which needs the file; a plan is
/// made from a listing (S3 objects, not downloaded), so it goes by name. The flag is
/// information for the plan's reader (an archive is read whole by one shard, whatever its
/// size), not a decision: the shard still reads every file by content.
public enum ArchiveName {
    /// Extensions, lower case, longest first where one ends another.
    static let extensions = [
        ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar.zstd", ".tar", ".tgz", ".tbz", ".tbz2", ".txz", ".tzst", ".zip",
    ]

    /// True when `path`'s name ends in a tar or zip extension (any case).
    public static func isArchive(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { isArchive(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// `isArchive` of a path's bytes. The name (after the last `/`) is compared as bytes, ASCII
    /// letters in either case: every extension is ASCII. (Splitting the path into `String`s
    /// and lower-casing the name took ~51,000 instructions a path: 1.8% of a run over 5,000
    /// small objects, when the reader asks it of every input.)
    public static func isArchive(bytes path: UnsafeRawBufferPointer) -> Bool {
        let start = (path.lastIndex(of: UInt8(ascii: "/")) ?? -1) + 1
        let name = UnsafeRawBufferPointer(rebasing: path[start...])
        return extensionBytes.contains { ext in
            name.count > ext.count && zip(name.suffix(ext.count), ext).allSatisfy { byte, e in
                // A letter in either case; anything else as it is.
                (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == e
            }
        }
    }

    /// `extensions` as bytes.
    static let extensionBytes = extensions.map { Array($0.utf8) }
}
