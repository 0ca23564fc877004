import CArchive

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libarchive, opened the first time an input needs it (a tar or zip archive, or a compression
/// authstats does not decode itself), and small helpers around its C API.
///
/// The library is not linked: loaded with the program it cost every run ~1.3 ms of its start
/// (libarchive brings libxml2, ICU, nettle, acl and lz4 with it), and most runs read only
/// gzip, zstd, xz or bzip2 objects, which authstats decodes itself. Its functions are bound by
/// name into `authstats_libarchive` (CArchive's shim.h, whose members take their types from
/// archive.h); the handles and entries the readers below make are used only through its functions.
enum LibArchive {
    /// The library's file name: its soname, the major version whose API shim.h declares.
    #if canImport(Darwin)
    static let libraryNames = ["libarchive.2.dylib"]
    #else
    static let libraryNames = ["libarchive.so.13"]
    #endif

    /// The bound functions, or why the library could not be opened: decided once, at first use.
    static let loaded: Result<authstats_libarchive, InputDamage> = load(libraryNames)

    /// The C type of `archive_read_callback`, as `ArchiveFeed` implements it.
    typealias ReadCallback = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int

    /// Opens the first of `names` that loads and binds every function authstats calls.
    /// - Returns: the functions, or the damage an input that needs them reports: each name's
    ///   reason, and what to install.
    static func load(_ names: [String]) -> Result<authstats_libarchive, InputDamage> {
        var reasons: [String] = []
        for name in names {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                reasons.append(dlerror().map { String(cString: $0) } ?? "\(name): could not be opened")
                continue
            }
            var functions = authstats_libarchive()
            var missing: [String] = []
            func bind<Function>(_ member: inout Function?, _ symbol: String) {
                guard let address = dlsym(handle, symbol) else { return missing.append(symbol) }
                member = unsafeBitCast(address, to: Function.self)
            }
            bind(&functions.read_new, "archive_read_new")
            bind(&functions.read_support_format_tar, "archive_read_support_format_tar")
            bind(&functions.read_support_format_zip_streamable, "archive_read_support_format_zip_streamable")
            bind(&functions.read_support_filter_all, "archive_read_support_filter_all")
            bind(&functions.read_support_format_raw, "archive_read_support_format_raw")
            bind(&functions.read_support_format_empty, "archive_read_support_format_empty")
            bind(&functions.read_open, "archive_read_open")
            bind(&functions.read_next_header, "archive_read_next_header")
            bind(&functions.read_data_block, "archive_read_data_block")
            bind(&functions.read_free, "archive_read_free")
            bind(&functions.error_string, "archive_error_string")
            bind(&functions.errno_of, "archive_errno")
            bind(&functions.filter_count, "archive_filter_count")
            bind(&functions.filter_code, "archive_filter_code")
            bind(&functions.filter_bytes, "archive_filter_bytes")
            bind(&functions.filter_name, "archive_filter_name")
            bind(&functions.entry_filetype, "archive_entry_filetype")
            bind(&functions.entry_pathname, "archive_entry_pathname")
            bind(&functions.entry_size, "archive_entry_size")
            bind(&functions.entry_size_is_set, "archive_entry_size_is_set")
            if missing.isEmpty { return .success(functions) }
            dlclose(handle)
            reasons.append("\(name) has no \(missing.joined(separator: ", "))")
        }
        return .failure(InputDamage(
            message: "reading this input needs libarchive (tar and zip archives; lz4, lzip, compress and the other streams only it decodes), "
                + "which could not be loaded (\(reasons.joined(separator: "; "))): install it (Debian: the libarchive13 package, libarchive13t64 from Debian 13 on)"))
    }

    /// The bound functions; only once `newArchiveReader` or `newFilterReader` gave a handle.
    private static var functions: authstats_libarchive {
        guard case .success(let functions) = loaded else { preconditionFailure("libarchive used before it was loaded") }
        return functions
    }

    /// A reader of the archive formats authstats accepts, tar and zip, over bytes that are
    /// already decompressed (`StreamOpener` decodes the layers itself).
    ///
    /// Zip is read by its local headers (`zip_streamable`), as the bytes arrive: the
    /// central directory at the end is never needed, so a zip whose directory is damaged
    /// still gives its members, and a zip can come through a pipe or inside another archive.
    /// - Throws: why libarchive could not be loaded.
    static func newArchiveReader(_ library: Result<authstats_libarchive, InputDamage> = loaded) throws(InputDamage) -> OpaquePointer {
        try newReader(library, supporting: [\.read_support_format_tar, \.read_support_format_zip_streamable])
    }

    /// A reader that only undoes a compression filter (for those authstats does not decode
    /// itself: lz4, lzip, compress, …); the result is one raw stream.
    ///
    /// Only raw and empty formats: with `format_all`, libarchive took a gzipped JSON-lines
    /// file for an mtree spec ("Missing type keyword in mtree specification") when tried.
    /// - Throws: why libarchive could not be loaded.
    static func newFilterReader(_ library: Result<authstats_libarchive, InputDamage> = loaded) throws(InputDamage) -> OpaquePointer {
        try newReader(library, supporting: [\.read_support_filter_all, \.read_support_format_raw, \.read_support_format_empty])
    }

    /// One of libarchive's `archive_read_support_*` functions.
    typealias Support = @convention(c) (OpaquePointer?) -> Int32

    /// A new reader of `library`, with each of `supporting` called on it.
    private static func newReader(
        _ library: Result<authstats_libarchive, InputDamage>, supporting: [KeyPath<authstats_libarchive, Support?>]
    ) throws(InputDamage) -> OpaquePointer {
        let functions = try library.get()
        guard let archive = functions.read_new!() else { fatalError("archive_read_new: out of memory") }
        for support in supporting { _ = functions[keyPath: support]!(archive) }
        return archive
    }

    // The C functions, for the handles the two readers above made (`archive_read_open`, …).

    /// `archive_read_open` with only a read callback.
    static func readOpen(_ archive: OpaquePointer, _ context: UnsafeMutableRawPointer?, _ read: @escaping ReadCallback) -> Int32 {
        functions.read_open!(archive, context, nil, read, nil)
    }

    static func readNextHeader(_ archive: OpaquePointer, _ entry: inout OpaquePointer?) -> Int32 {
        functions.read_next_header!(archive, &entry)
    }

    static func readDataBlock(
        _ archive: OpaquePointer, _ block: inout UnsafeRawPointer?, _ size: inout Int, _ offset: inout la_int64_t
    ) -> Int32 {
        functions.read_data_block!(archive, &block, &size, &offset)
    }

    static func readFree(_ archive: OpaquePointer) { _ = functions.read_free!(archive) }

    static func entryFileType(_ entry: OpaquePointer) -> UInt32 { UInt32(functions.entry_filetype!(entry)) }

    static func entryPathname(_ entry: OpaquePointer) -> UnsafePointer<CChar>? { functions.entry_pathname!(entry) }

    /// The entry's size when its header gives one (`archive_entry_size_is_set`) that is not
    /// negative, else nil.
    static func entrySize(_ entry: OpaquePointer) -> Int? {
        guard functions.entry_size_is_set!(entry) != 0, case let size = functions.entry_size!(entry), size >= 0 else { return nil }
        return Int(size)
    }

    /// `archive_error_string` (without the line break some of its texts end in), else the OS
    /// reason of `archive_errno`, else a plain "read error": never a bare status number.
    static func errorText(_ archive: OpaquePointer) -> String {
        errorReason(archive) ?? "read error (libarchive gave no reason)"
    }

    /// As `errorText`, nil when libarchive gives neither a text nor an OS reason.
    static func errorReason(_ archive: OpaquePointer) -> String? {
        if let text = functions.error_string!(archive) {
            let trimmed = String(cString: text).trimmingSuffix(while: { $0 == "\n" || $0 == "\r" || $0 == " " })
            if !trimmed.isEmpty { return trimmed }
        }
        let code = functions.errno_of!(archive)
        return code > 0 ? "read error: \(OSError.text(code))" : nil
    }

    /// The archive's compression filters, outermost first, joined by `+`; empty if none.
    /// The bytes libarchive's filters consumed of what the reader was given (`archive_filter_bytes`
    /// of the last filter, the one that reads the client's bytes): where the compressed data
    /// ended, once the entry's data has.
    static func consumedBytes(_ archive: OpaquePointer) -> Int64 { Int64(functions.filter_bytes!(archive, -1)) }

    static func filterNames(_ archive: OpaquePointer) -> [String] {
        let count = functions.filter_count!(archive)
        var names: [String] = []
        var index: Int32 = 0
        while index < count {
            if functions.filter_code!(archive, index) != ARCHIVE_FILTER_NONE, let name = functions.filter_name!(archive, index) {
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
