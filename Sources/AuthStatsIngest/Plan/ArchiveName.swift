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
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map { $0.lowercased() } ?? ""
        return extensions.contains { name.hasSuffix($0) && name.count > $0.count }
    }
}
