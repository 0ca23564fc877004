import CArchive
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A whole file, decompressed whatever its compression, into memory (for the `--users`
/// files: a compressed user directory is read like any input).
///
/// A stand-in with the same interface as the ingest rework's `DecompressedFile` (issue 11),
/// which replaces it: this one reads through libarchive (all filters, raw format).
public enum DecompressedFile {
    /// The file's decoded bytes, at most `limit` of them, and why reading stopped early, if it
    /// did: the bytes decoded before damage are kept, and `error` says what broke (the bare
    /// OS reason when the file cannot be opened: callers name the file).
    public static func read(path: String, limit: Int) -> (bytes: [UInt8], error: String?) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return ([], String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let archive = archive_read_new()!
        defer { archive_read_free(archive) }
        archive_read_support_filter_all(archive)
        archive_read_support_format_raw(archive)
        archive_read_support_format_empty(archive)
        guard archive_read_open_fd(archive, descriptor, 1 << 16) == ARCHIVE_OK else { return ([], errorText(archive)) }
        var entry: OpaquePointer?
        let header = archive_read_next_header(archive, &entry)
        if header == ARCHIVE_EOF { return ([], nil) }
        guard header >= ARCHIVE_WARN else { return ([], errorText(archive)) }
        var bytes: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            // Small reads: what a damaged stream decoded before the damage is handed out.
            let n = block.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, $0.count) }
            if n < 0 { return (bytes, errorText(archive)) }
            if n == 0 { return (bytes, nil) }
            guard bytes.count + n <= limit else {
                bytes += block[0..<(limit - bytes.count)]
                return (bytes, "larger than \(limit) bytes once decompressed; read to that size")
            }
            bytes += block[0..<n]
        }
    }

    /// libarchive's error text, without its trailing newline; errno's text when it has none.
    static func errorText(_ archive: OpaquePointer) -> String {
        if let text = archive_error_string(archive) {
            return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return String(cString: strerror(archive_errno(archive)))
    }
}
