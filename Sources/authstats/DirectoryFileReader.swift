import AuthStatsCore
import AuthStatsIngest

/// Reads a `--users` file into the user directory a chunk at a time, decompressed like any
/// input (gzip, bzip2, xz, zstd or none): `AuthStatsIngest.DecompressedFile.Reader` feeding
/// `UserDirectory.load`, so that the file is never whole in memory.
enum DirectoryFileReader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Decompressed bytes read at most: a directory is a few hundred bytes a user, so this is
    /// millions of users; a file that inflates past it is cut there, with a warning.
    static let limit = 4 << 30

    /// Loads `path` into `directory`.
    /// - Returns: why the file stopped early (the users before are kept), or nil; and the
    ///   directory's problems with its entries.
    /// - Throws: when nothing of it can be read (it does not exist, cannot be opened, or is
    ///   damaged before its first byte), naming the file and the reason; or the directory's
    ///   `Failure` when it is neither list-users JSON nor a user CSV.
    static func load(_ path: String, into directory: inout UserDirectory) throws -> (damage: String?, problems: [String]) {
        let reader = DecompressedFile.Reader(path: path, limit: limit)
        let problems: [String]
        do {
            problems = try directory.load(name: path) { reader.read(into: $0) }
        } catch {
            // Nothing decoded: the reason to read nothing comes first.
            if let damage = reader.error, reader.count == 0 { throw Failure(description: "Unable to read the user directory \(path): \(damage)") }
            throw error
        }
        return (reader.error, problems)
    }
}
