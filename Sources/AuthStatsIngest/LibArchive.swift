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
            // Not every libarchive has every filter, or these two (an older one has no zstd
            // filter): each is used where it is bound, and a missing one is no reason to fail
            // every archive.
            func bindIfThere<Function>(_ member: inout Function?, _ symbol: String) {
                if let address = dlsym(handle, symbol) { member = unsafeBitCast(address, to: Function.self) }
            }
            for name in filters { bindIfThere(&functions[keyPath: filterSupport(name)], "archive_read_support_filter_" + (name == "uuencode" ? "uu" : name)) }
            bindIfThere(&functions.read_set_options, "archive_read_set_options")
            bindIfThere(&functions.entry_pathname_utf8, "archive_entry_pathname_utf8")
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

    /// libarchive's compression filters authstats asks for, by the name a sniffed magic number
    /// gives (`ContentSniffer.otherFilterMagics`). grzip and lrzip are not among them:
    /// libarchive reads those only by running the `grzip` or `lrzip` program.
    static let filters = ["bzip2", "compress", "gzip", "lz4", "lzip", "lzma", "lzop", "rpm", "uuencode", "xz", "zstd"]

    /// The `archive_read_support_filter_*` function of a name of `filters`.
    static func filterSupport(_ name: String) -> WritableKeyPath<authstats_libarchive, Support?> {
        switch name {
        case "bzip2": return \.read_support_filter_bzip2
        case "compress": return \.read_support_filter_compress
        case "gzip": return \.read_support_filter_gzip
        case "lz4": return \.read_support_filter_lz4
        case "lzip": return \.read_support_filter_lzip
        case "lzma": return \.read_support_filter_lzma
        case "lzop": return \.read_support_filter_lzop
        case "rpm": return \.read_support_filter_rpm
        case "uuencode": return \.read_support_filter_uu
        case "xz": return \.read_support_filter_xz
        default: precondition(name == "zstd", "no libarchive filter \(name)"); return \.read_support_filter_zstd
        }
    }

    /// The filters of `filters` this libarchive decodes in its own code. Each is tried on a
    /// reader made for the test: one that would run a program instead (lz4 or lzop in a build
    /// without liblz4 or liblzo2) answers `ARCHIVE_WARN`, and is never asked for, so that no
    /// byte of a log reaches a program (until 2026-12-05 `read_support_filter_all` was: a file
    /// starting `LRZI` ran whatever `lrzip` was on PATH).
    static let builtInFilters: [String] = {
        guard case .success(let functions) = loaded, let probe = functions.read_new!() else { return [] }
        defer { _ = functions.read_free!(probe) }
        return filters.filter { functions[keyPath: filterSupport($0)]?(probe) == ARCHIVE_OK }
    }()

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
    ///
    /// Tar archives concatenated (`cat day1.tar day2.tar`, or the members of a `.tar.gz` of
    /// several) are read whole: past an end-of-archive mark, and past a zeroed block, reading
    /// goes on to the next header (libarchive's `read_concatenated_archives`, GNU tar's
    /// `--ignore-zeros`); until 2026-12-05 everything after the first mark was dropped unseen.
    static func newArchiveReader(_ library: Result<authstats_libarchive, InputDamage> = loaded) throws(InputDamage) -> OpaquePointer {
        let archive = try newReader(library, supporting: [\.read_support_format_tar, \.read_support_format_zip_streamable])
        _ = try library.get().read_set_options?(archive, "tar:read_concatenated_archives")
        if let utf8Locale { uselocale(utf8Locale) }
        return archive
    }

    /// libarchive gives member names in the character set of the thread's locale, and a Swift
    /// program runs in the C locale (ASCII) whatever LANG says: a zip member's name marked
    /// UTF-8 (`données.json`) could not be converted, and came back as none. The threads that
    /// read archives use C.UTF-8 for their character set (`uselocale`: that thread only).
    private nonisolated(unsafe) static let utf8Locale: locale_t? = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil)

    /// A reader that only undoes a compression filter (for those authstats does not decode
    /// itself: lz4, lzip, compress, …); the result is one raw stream.
    ///
    /// Only raw and empty formats: with `format_all`, libarchive took a gzipped JSON-lines
    /// file for an mtree spec ("Missing type keyword in mtree specification") when tried.
    /// - Throws: why libarchive could not be loaded.
    static func newFilterReader(_ library: Result<authstats_libarchive, InputDamage> = loaded) throws(InputDamage) -> OpaquePointer {
        try newReader(library, supporting: builtInFilters.map(filterSupport) + [\.read_support_format_raw, \.read_support_format_empty])
    }

    /// One of libarchive's `archive_read_support_*` functions.
    typealias Support = @convention(c) (OpaquePointer?) -> Int32

    /// A new reader of `library`, with each of `supporting` called on it.
    private static func newReader(
        _ library: Result<authstats_libarchive, InputDamage>, supporting: [WritableKeyPath<authstats_libarchive, Support?>]
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

    /// The entry's name as UTF-8, else as the archive gives it. (`archive_entry_pathname`
    /// alone converts to the locale's character set, and in the C locale a zip member's name
    /// marked UTF-8, `données.json`, had none: it was read as `(unnamed)`, and a hidden folder
    /// of such a name was not skipped.)
    static func entryPathname(_ entry: OpaquePointer) -> UnsafePointer<CChar>? {
        functions.entry_pathname_utf8?(entry) ?? functions.entry_pathname!(entry)
    }

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
