import CArchive

#if canImport(Glibc)
import Glibc
#endif

/// Small helpers around the libarchive C API: handle setup and error text.
enum LibArchive {
    /// A reader of the archive formats authstats accepts, tar and zip, over bytes that are
    /// already decompressed (`StreamOpener` decodes the layers itself).
    ///
    /// Zip is read by its local headers (`zip_streamable`), as the bytes arrive: the
    /// central directory at the end is never needed, so a zip whose directory is damaged
    /// still gives its members, and a zip can come through a pipe or inside another archive.
    static func newArchiveReader() -> OpaquePointer {
        guard let archive = archive_read_new() else { fatalError("archive_read_new: out of memory") }
        archive_read_support_format_tar(archive)
        archive_read_support_format_zip_streamable(archive)
        return archive
    }

    /// A reader that only undoes a compression filter (for those authstats does not decode
    /// itself: lz4, lzip, compress, …); the result is one raw stream.
    ///
    /// Only raw and empty formats: with `format_all`, libarchive took a gzipped JSON-lines
    /// file for an mtree spec ("Missing type keyword in mtree specification") when tried.
    static func newFilterReader() -> OpaquePointer {
        guard let archive = archive_read_new() else { fatalError("archive_read_new: out of memory") }
        archive_read_support_filter_all(archive)
        archive_read_support_format_raw(archive)
        archive_read_support_format_empty(archive)
        return archive
    }

    /// `archive_error_string` (without the line break some of its texts end in), else the OS
    /// reason of `archive_errno`, else a plain "read error": never a bare status number.
    static func errorText(_ archive: OpaquePointer) -> String {
        if let text = archive_error_string(archive) {
            let trimmed = String(cString: text).trimmingSuffix(while: { $0 == "\n" || $0 == "\r" || $0 == " " })
            if !trimmed.isEmpty { return trimmed }
        }
        let code = archive_errno(archive)
        return code > 0 ? "read error: \(OSError.text(code))" : "read error (libarchive gave no reason)"
    }

    /// The archive's compression filters, outermost first, joined by `+`; empty if none.
    static func filterNames(_ archive: OpaquePointer) -> [String] {
        let count = archive_filter_count(archive)
        var names: [String] = []
        var index: Int32 = 0
        while index < count {
            if archive_filter_code(archive, index) != ARCHIVE_FILTER_NONE, let name = archive_filter_name(archive, index) {
                names.append(String(cString: name))
            }
            index += 1
        }
        return names.reversed()
    }
}

extension String {
    /// The string without its trailing characters that match `drop`.
    fileprivate func trimmingSuffix(while drop: (Character) -> Bool) -> String {
        var end = endIndex
        while end > startIndex, drop(self[index(before: end)]) { end = index(before: end) }
        return String(self[..<end])
    }
}
