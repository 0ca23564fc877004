import AuthStatsIngest

/// Reads a `--users` file whole, decompressed like any input (gzip, bzip2, xz, zstd or
/// none): a thin call to `AuthStatsIngest.DecompressedFile`.
enum DirectoryFileReader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Decompressed bytes read at most: a directory is a few hundred bytes a user, so this is
    /// millions of users; a file that inflates past it is cut there, with a warning.
    static let limit = 4 << 30

    /// - Returns: the file's bytes, and why it stopped early (the users before are kept), or nil.
    /// - Throws: when nothing of it can be read (it does not exist, cannot be opened, or is
    ///   damaged before its first byte), naming the file and the reason.
    static func read(_ path: String) throws -> (bytes: [UInt8], damage: String?) {
        let (bytes, error) = DecompressedFile.read(path: path, limit: limit)
        if let error, bytes.isEmpty { throw Failure(description: "Unable to read the user directory \(path): \(error)") }
        return (bytes, error)
    }
}
