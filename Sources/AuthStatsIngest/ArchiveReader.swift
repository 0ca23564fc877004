import AuthStatsCore
import CArchive

/// Reads one input file through libarchive and feeds each decompressed stream to the
/// analysis (stage 1b).
///
/// Everything is recognised by content, not by name: gzip, bzip2, xz, zstd, … (all of
/// libarchive's filters), tar and zip containers, and bare streams (libarchive's `raw`
/// format). A member of a container is opened again the same way, so a `.gz` object inside a
/// `.tar.gz` bundle is decompressed too (up to `maximumNesting` levels).
///
/// Only tar, zip, raw and empty are enabled: with `format_all`, libarchive can take a gzipped
/// JSON-lines file for an mtree spec (`STYLE.md` §6).
///
/// Damage (a truncated or corrupt stream) ends that stream with its libarchive error: records
/// already read are kept and the input is marked `partial`; the run goes on.
public struct ArchiveReader {
    public static let maximumNesting = 4
    static let blockSize = 1 << 20

    let analysis: Analysis
    /// Inflate gzip files on a thread of their own (when a core would otherwise be idle).
    let pipelined: Bool

    public init(analysis: Analysis, pipelined: Bool = false) {
        self.analysis = analysis
        self.pipelined = pipelined
    }

    /// Reads the file at `path`, the `index`-th input file in sorted order.
    public func read(path: String, index: Int) {
        analysis.beginFile(index: index)
        if let gzip = GzipFileReader.open(path) {
            gzip.pump(into: analysis.beginStream(path: path, member: nil, compression: "gzip", container: nil), pipelined: pipelined)
            return
        }
        let archive = LibArchive.newReader()
        defer { archive_read_free(archive) }
        guard archive_read_open_filename(archive, path, Self.blockSize) == ARCHIVE_OK else {
            analysis.failedInput(path: path, error: "Unable to open \(path): \(LibArchive.errorText(archive))")
            return
        }
        readEntries(archive, path: path, member: nil, container: nil, depth: 0, source: nil)
    }

    /// Reads every entry of an opened archive. `member`/`container` describe where this
    /// archive itself lies when it is a member of another; `source` feeds it in that case.
    private func readEntries(
        _ archive: OpaquePointer, path: String, member: String?, container: String?, depth: Int,
        source: NestedSource?
    ) {
        var sawEntry = false
        while true {
            var entry: OpaquePointer?
            let status = archive_read_next_header(archive, &entry)
            if status == ARCHIVE_EOF { break }
            if status < ARCHIVE_WARN {
                let error = source?.error ?? LibArchive.errorText(archive)
                analysis.failedInput(path: path, member: member, error: error)
                return
            }
            sawEntry = true
            let format = archive_format(archive) & ARCHIVE_FORMAT_BASE_MASK
            let compression = LibArchive.filterNames(archive)
            if format == ARCHIVE_FORMAT_RAW || format == ARCHIVE_FORMAT_EMPTY {
                let stream = analysis.beginStream(
                    path: path, member: member, compression: compression, container: container)
                pump(archive, into: stream, source: source)
                return
            }
            guard let entry, archive_entry_filetype(entry) == 0o100000 else { continue }  // AE_IFREG
            let name = archive_entry_pathname(entry).map { String(cString: $0) } ?? "(unnamed)"
            if name.split(separator: "/").last?.hasPrefix(".") == true { continue }
            let memberName = member.map { "\($0):\(name)" } ?? name
            let kind = format == ARCHIVE_FORMAT_ZIP ? "zip" : format == ARCHIVE_FORMAT_TAR ? "tar" : "archive"
            let here = compression == "none" ? kind : "\(kind)+\(compression)"
            let memberContainer = container.map { "\($0)>\(here)" } ?? here
            guard depth < Self.maximumNesting else {
                analysis.failedInput(
                    path: path, member: memberName,
                    error: "archives nested more than \(Self.maximumNesting) deep; not read")
                continue
            }
            readMember(of: archive, path: path, member: memberName, container: memberContainer, depth: depth + 1)
        }
        if !sawEntry {
            analysis.emptyInput(path: path, member: member, compression: LibArchive.filterNames(archive), container: container)
        }
    }

    /// Opens the current entry of `outer` as an archive of its own and reads it.
    private func readMember(of outer: OpaquePointer, path: String, member: String, container: String, depth: Int) {
        let source = NestedSource(outer: outer)
        let inner = LibArchive.newReader()
        defer { archive_read_free(inner) }
        let context = Unmanaged.passUnretained(source).toOpaque()
        let opened = archive_read_open(inner, context, nil, NestedSource.readCallback, nil)
        guard opened == ARCHIVE_OK else {
            analysis.failedInput(path: path, member: member, error: source.error ?? LibArchive.errorText(inner))
            return
        }
        readEntries(inner, path: path, member: member, container: container, depth: depth, source: source)
        withExtendedLifetime(source) {}
    }

    /// Moves the decompressed bytes of the current entry into the stream.
    private func pump(_ archive: OpaquePointer, into stream: StreamProcessor, source: NestedSource?) {
        while true {
            var failure: String?
            let count = stream.read { space in
                let n = archive_read_data(archive, space.baseAddress, space.count)
                if n < 0 {
                    failure = source?.error ?? LibArchive.errorText(archive)
                    return 0
                }
                return n
            }
            if let failure {
                stream.end(error: failure)
                return
            }
            if count == 0 {
                stream.end()
                return
            }
        }
    }
}

/// Feeds a nested libarchive reader from the current entry of its parent archive.
final class NestedSource {
    let outer: OpaquePointer
    let buffer: UnsafeMutableRawPointer
    /// The parent's error, when reading it failed (the child only sees "read error").
    var error: String?

    init(outer: OpaquePointer) {
        self.outer = outer
        buffer = UnsafeMutableRawPointer.allocate(byteCount: ArchiveReader.blockSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The corresponding C callback type is `archive_read_callback`.
    static let readCallback: @convention(c) (
        OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeRawPointer?>?
    ) -> Int = { _, context, out in
        let source = Unmanaged<NestedSource>.fromOpaque(context!).takeUnretainedValue()
        let n = archive_read_data(source.outer, source.buffer, ArchiveReader.blockSize)
        if n < 0 {
            source.error = LibArchive.errorText(source.outer)
            return -1
        }
        out?.pointee = UnsafeRawPointer(source.buffer)
        return n
    }
}
