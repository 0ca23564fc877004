import CArchive
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A whole file read into memory and decompressed (gzip, bzip2, xz, zstd, … or none,
/// recognised by content), for files that are read whole, such as `--users` directories.
public enum DecompressedFile {
    /// The file could not be opened at all.
    public struct Failure: Error, CustomStringConvertible {
        public var path: String
        /// The OS's or libarchive's reason.
        public var reason: String
        public var description: String { "Unable to open \(path): \(reason)" }
    }

    /// Reads and decompresses the file at `path`, keeping at most `limit` bytes.
    ///
    /// - Returns: the bytes decoded, and why the stream stopped early (damage, or `limit`
    ///   reached), or nil when it was read to its end. The bytes decoded before damage are
    ///   kept.
    /// - Throws: `Failure`, with the OS reason, when the file cannot be opened or is not a
    ///   readable stream at all.
    public static func read(path: String, limit: Int) throws(Failure) -> (bytes: [UInt8], error: String?) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let archive = archive_read_new()!
        defer { archive_read_free(archive) }
        archive_read_support_filter_all(archive)
        archive_read_support_format_raw(archive)
        archive_read_support_format_empty(archive)
        guard archive_read_open_fd(archive, descriptor, 1 << 16) == ARCHIVE_OK else {
            throw Failure(path: path, reason: errorText(archive))
        }
        var entry: OpaquePointer?
        let header = archive_read_next_header(archive, &entry)
        if header == ARCHIVE_EOF { return ([], nil) }
        guard header >= ARCHIVE_WARN else { throw Failure(path: path, reason: errorText(archive)) }
        var bytes: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            // Small reads: what a damaged stream decoded before the damage is handed out.
            let n = block.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, $0.count) }
            if n < 0 { return (bytes, errorText(archive)) }
            if n == 0 { return (bytes, nil) }
            guard bytes.count + n <= limit else {
                bytes += block[0..<(limit - bytes.count)]
                return (bytes, "longer than \(limit) bytes decompressed; read up to there")
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
