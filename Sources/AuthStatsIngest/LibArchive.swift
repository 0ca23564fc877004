import CArchive

/// Small helpers around the libarchive C API: handle setup and error text.
enum LibArchive {
    /// A reader with every filter and only the formats authstats accepts.
    static func newReader() -> OpaquePointer {
        guard let archive = archive_read_new() else { fatalError("archive_read_new: out of memory") }
        archive_read_support_filter_all(archive)
        archive_read_support_format_tar(archive)
        archive_read_support_format_zip(archive)
        archive_read_support_format_raw(archive)
        archive_read_support_format_empty(archive)
        return archive
    }

    /// `archive_error_string`, or a generic text when libarchive gives none.
    static func errorText(_ archive: OpaquePointer) -> String {
        if let text = archive_error_string(archive) { return String(cString: text) }
        return "read error (libarchive status \(archive_errno(archive)))"
    }

    /// The archive's compression filters, outermost first, joined by `+`; `none` if none.
    static func filterNames(_ archive: OpaquePointer) -> String {
        let count = archive_filter_count(archive)
        var names: [String] = []
        var index: Int32 = 0
        while index < count {
            if archive_filter_code(archive, index) != ARCHIVE_FILTER_NONE, let name = archive_filter_name(archive, index) {
                names.append(String(cString: name))
            }
            index += 1
        }
        return names.isEmpty ? "none" : names.reversed().joined(separator: "+")
    }
}
