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
    /// - Returns: the file's problems with its entries, and, when it was read only in part
    ///   (its bytes broke, or a list-users file stopped at malformed JSON), the warning that
    ///   says so: the users before are kept, and the run's exit status is 1.
    /// - Throws: when nothing of it can be read (it does not exist, cannot be opened, or is
    ///   damaged before its first byte), naming the file and the reason; or the directory's
    ///   `Failure` when it is neither list-users JSON nor a user CSV.
    static func load(_ path: String, into directory: inout UserDirectory) throws -> (problems: [String], partial: String?) {
        let reader = DecompressedFile.Reader(path: path, limit: limit)
        var problems: [String]
        do {
            problems = try directory.load(name: path) { reader.read(into: $0) }
        } catch {
            // Nothing decoded: the reason to read nothing comes first.
            if let damage = reader.error, reader.count == 0 { throw Failure(description: "Unable to read the user directory \(path): \(damage)") }
            throw error
        }
        if let damage = reader.error { return (problems, "\(DisplayPath.text(path)): \(damage); the users before the damage are kept") }
        // A list-users file that stops at malformed JSON says so last.
        if directory.stoppedEarly.contains(path), let stop = problems.popLast() { return (problems, stop) }
        return (problems, nil)
    }
}
