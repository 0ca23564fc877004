import AuthStatsCore
import CArchive

#if canImport(Glibc)
import Glibc
#endif

/// Reads one input file and feeds each decompressed stream to the analysis (stage 1b).
///
/// Everything is recognised by content, not by name (`ContentSniffer`): gzip, bzip2, xz and
/// zstd are decoded by authstats itself (`StreamOpener`), other compressions by libarchive's
/// filters; tar and zip archives are read by libarchive over the decoded bytes, and each
/// member is opened the same way, so a `.gz` object inside a `.tar.gz` bundle is decompressed
/// too (archives up to `maximumNesting` levels deep).
///
/// The file is opened once and read front to back (`FileSource`), so a FIFO, `/dev/stdin` or
/// a process substitution is read whole. NUL bytes at the start of a stream (what
/// `copytruncate` leaves) are passed over and counted as one skipped piece.
///
/// Damage (a truncated or corrupt stream) ends that stream with its error: every record
/// decoded before it is kept and the input is marked `partial`; the run goes on. When an
/// archive breaks after its last member was read whole, that member carries the error
/// (the member's records are all kept, as GNU tar extracts them).
///
/// With a `queue` (more than one worker), an archive's members are copied out as libarchive
/// reads them and handed to the other workers (`ArchiveMember`); each keeps the position it
/// has when the archive is read in one piece, and a member is handed over only once what
/// follows it is known to be sound, so reports and errors are those of the serial reading.
public struct ArchiveReader {
    public static let maximumNesting = 4
    /// The skip reason of NUL bytes at the start of a stream.
    public static let nulPaddingReason = StreamProcessor.paddingReason
    let analysis: Analysis
    /// Decode compressed files on a thread of their own (when a core would otherwise be idle).
    var pipelined: Bool
    /// Where archive members go to the other workers; nil: every member is read here.
    let queue: ReadingQueue?

    public init(analysis: Analysis, pipelined: Bool = false) {
        self.init(analysis: analysis, pipelined: pipelined, queue: nil)
    }

    init(analysis: Analysis, pipelined: Bool, queue: ReadingQueue?) {
        self.analysis = analysis
        self.pipelined = pipelined
        self.queue = queue
    }

    /// Reads the file at `path`, the `index`-th input file in sorted order.
    public func read(_ path: InputPath, index: Int) {
        analysis.beginFile(index: index)
        let shown = path.display
        let source: FileSource
        do {
            source = try FileSource(path: path.bytes)
        } catch {
            analysis.failedInput(path: shown, error: "Unable to open \(shown): \(error.message)")
            return
        }
        readStream(source, path: shown, member: nil, container: nil, depth: 0, deferEnd: false)
    }

    /// Reads one stream (a file or an archive member): undoes its compression, then reads it
    /// as an archive or as records. With `deferEnd`, a record stream read cleanly to its end
    /// is returned not yet ended (its archive may still break after it).
    @discardableResult
    func readStream(
        _ source: any ByteSource, path: String, member: String?, container: String?, depth: Int, deferEnd: Bool
    ) -> StreamProcessor? {
        let opened: StreamOpener.Opened
        do {
            opened = try StreamOpener.open(source)
        } catch {
            analysis.failedInput(path: path, member: member, error: error.message)
            return nil
        }
        switch opened.kind {
        case .tar, .zip:
            // The archive that lies too deep is named, not each of its members (a review,
            // 2026-12-07: a gzip member inside it was said to be an archive nested too deep).
            guard depth < Self.maximumNesting else {
                analysis.failedInput(
                    path: path, member: member,
                    error: "an archive inside \(depth) others: archives are opened up to \(Self.maximumNesting) inside one another; not read")
                return nil
            }
            let kind = opened.kind == .tar ? "tar" : "zip"
            let here = opened.compression.isEmpty ? kind : "\(kind)+\(opened.compressionName)"
            readArchive(
                opened.source, path: path, member: member, compression: opened.compressionName, container: container,
                members: container.map { "\($0)>\(here)" } ?? here, depth: depth, zip: opened.kind == .zip)
            return nil
        case .nul, .records:
            let padding = opened.kind == .nul ? opened.source.skipNULs() : 0
            // Nothing but whole 512-byte NUL blocks: an empty tar archive (its end mark).
            if padding >= 1024 && padding % 512 == 0 && opened.source.isAtCleanEnd {
                analysis.emptyInput(path: path, member: member, compression: opened.compressionName, container: container)
                return nil
            }
            let stream = analysis.beginStream(path: path, member: member, compression: opened.compressionName, container: container)
            if padding > 0 { stream.skip(Self.nulPaddingReason) }
            // A second thread pays only when there is decoding to overlap with the framing.
            guard StreamPump.pump(opened.source, into: stream, pipelined: pipelined && !opened.compression.isEmpty) else {
                return nil
            }
            if deferEnd { return stream }
            stream.end()
            return nil
        }
    }

    /// Reads every member of a tar or zip archive whose (decoded) bytes `source` gives.
    /// `member`/`container` say where the archive itself lies; `members` is its members'
    /// container (`tar+gzip`, `zip>tar`).
    private func readArchive(
        _ source: any ByteSource, path: String, member: String?, compression: String, container: String?, members: String,
        depth: Int, zip: Bool
    ) {
        let archive: OpaquePointer
        do {
            archive = try LibArchive.newArchiveReader()
        } catch {
            analysis.failedInput(path: path, member: member, error: error.message)
            return
        }
        defer { LibArchive.readFree(archive) }
        // A zip's end record, to count its entries against (`ZipEndRecord`).
        let feed = ArchiveFeed(source, keepsTail: zip)
        var entries: UInt64 = 0
        var lostEntries: String?
        guard feed.open(archive) else {
            analysis.failedInput(path: path, member: member, error: feed.failure(of: archive))
            return
        }
        var sawEntry = false
        // Whether a member was read (or reported), and why the other entries were not.
        var readMember = false
        var passedOver: [String: Int] = [:]
        // The last member's records, read whole but not yet ended: if the archive breaks
        // right after it, the damage is reported there (not as an input of its own).
        var pending: StreamProcessor?
        // Or the last member copied (with a queue), not yet read: it goes to another worker
        // once what follows it is known to be sound; else it is read here first (`settle`),
        // since how it ends decides where the damage after it is reported.
        var held: ArchiveMember?
        var damagedHeaders = DamagedHeaders()
        // Damage met after `pending` was read whole, reported with it.
        var problems: [String] = []
        var previous: String?
        // Whether a member already carries the source's damage (it broke while being read).
        var damageReported = false
        func settle() {
            guard let member = held else { return }
            held = nil
            (pending, damageReported) = read(held: member)
        }
        func endLast() {
            endPending(&pending, problems: &problems)
            if let member = held, let queue { handOver(member, to: queue) }
            held = nil
        }
        while true {
            var entry: OpaquePointer?
            let status = LibArchive.readNextHeader(archive, &entry)
            if status == ARCHIVE_RETRY {
                // A damaged header: libarchive skips it and looks for the next one.
                damagedHeaders.note(LibArchive.errorText(archive))
                continue
            }
            // Damage after a member read whole, up to where the archive ends, is that
            // member's: it ends `partial` with all of it (one entry in summary.json, no ghost
            // input). Damaged headers before any member are an input's own.
            if let problem = damagedHeaders.take(after: previous) {
                settle()
                if pending != nil {
                    problems.append(problem)
                } else {
                    analysis.failedInput(path: path, member: member, error: problem)
                    damageReported = true
                }
            }
            // The end of the archive is read on to the end of its stream, so that the
            // decoder checks what follows (a gzip trailer: tar stops at its end blocks).
            let drained = status == ARCHIVE_EOF && feed.drain() != nil
            // A tar ends with blocks of NULs, a zip with its end record: libarchive ends a tar
            // cut right before a member's header, or a zip with bytes after its central
            // directory, as quietly as a whole one, and what followed was lost without a word
            // (a review, 2026-12-07).
            let zipEnd = drained && zip ? ZipEndRecord.end(tail: feed.tail, length: feed.length) : nil
            let endProblem = !drained ? nil
                : zip ? ZipEndRecord.problem(zipEnd)
                : entries > 0 && !feed.endsWithZeroBlock ? Self.tarWithoutEnd : nil
            if drained && endProblem == nil {
                endLast()
                if let zipEnd, zipEnd.entries > entries { lostEntries = Self.lostZipEntries(listed: zipEnd.entries, found: entries) }
                break
            }
            if status < ARCHIVE_WARN || status == ARCHIVE_EOF {
                let error = endProblem ?? feed.failure(of: archive)
                settle()
                if pending != nil {
                    problems.append(error)
                    endPending(&pending, problems: &problems)
                } else if !damageReported {
                    analysis.failedInput(path: path, member: member, error: error)
                }
                return
            }
            // Another member follows: damaged headers before it are a loss of their own (as
            // GNU tar reports them), the member before it was whole.
            let between = problems
            problems = []
            let regular = entry.map { LibArchive.entryFileType($0) == 0o100000 } ?? false  // AE_IFREG
            let nameBytes = entry.flatMap { LibArchive.entryPathname($0) }.map {
                Array(UnsafeBufferPointer(start: $0, count: strlen($0))).map(UInt8.init(bitPattern:))
            }
            // An entry that is not read (a folder, a link, a hidden member) leaves the member
            // before it open: the archive breaking after it is still that member's damage, as
            // `partial` (it was the archive's own line, `failed`, when `tar cf` had put a folder
            // last, a review found).
            if regular && !(nameBytes.map(Self.isHidden) ?? false) || !between.isEmpty { endLast() }
            for problem in between { analysis.failedInput(path: path, member: member, error: problem) }
            sawEntry = true
            entries += 1
            guard let entry, regular else {
                passedOver["an archive entry that is not a regular file (a folder, link or device)", default: 0] += 1
                continue
            }
            let name = nameBytes.map { DisplayPath.text($0) } ?? "(unnamed)"
            previous = name
            // Hidden as on disk: the member's name or one of its folders' starts with `.` (not
            // `./` at the front, as `tar -C dir .` writes every name). A member under `.hid/`
            // was read from the archive while the same tree on disk skipped it.
            if let nameBytes, Self.isHidden(nameBytes) {
                passedOver["a hidden archive member (its name or a folder of it starts with '.')", default: 0] += 1
                continue
            }
            readMember = true
            let memberName = member.map { "\($0):\(name)" } ?? name
            let data = ArchiveEntrySource(archive: archive, feed: feed)
            guard let queue else {
                pending = readStream(data, path: path, member: memberName, container: members, depth: depth + 1, deferEnd: true)
                damageReported = pending == nil && data.archiveBroke
                continue
            }
            let size = LibArchive.entrySize(entry)
            switch take(data, size: size, queue: queue, path: path, member: memberName, container: members, depth: depth + 1) {
            case .read(let stream, let reported): (pending, damageReported) = (stream, reported)
            case .copied(let member): (held, damageReported) = (member, false)
            }
        }
        // An archive whose entries were all passed over still gets its line, saying why (one
        // that lost entries gets that line instead).
        if let lostEntries {
            analysis.failedInput(path: path, member: member, error: lostEntries)
        } else if !sawEntry || !readMember {
            analysis.emptyInput(path: path, member: member, compression: compression, container: container, passedOver: passedOver)
        }
        withExtendedLifetime(feed) {}
    }
}

extension ArchiveReader {
    /// Why a tar read to the end of its bytes without its end mark is `partial`.
    static let tarWithoutEnd =
        "damaged archive: the tar ends without its end mark (blocks of zeros) after its last member: cut short between two members, "
        + "or never finished; members that followed are not read"

    /// Why a zip whose central directory lists more entries than its body gave is `failed` in
    /// part: an input line of its own, as damaged tar headers are.
    static func lostZipEntries(listed: UInt64, found: UInt64) -> String {
        "damaged archive: the zip's central directory lists \(listed) entries, its body gave \(found): "
            + "\(listed - found) lost (a damaged local header, or bytes that are no entry); what they held is not read"
    }

    /// Whether a member's path has a part that starts with `.` (other than `.` and `..`).
    static func isHidden(_ path: [UInt8]) -> Bool {
        path.split(separator: UInt8(ascii: "/")).contains { part in
            part.first == UInt8(ascii: ".") && !part.elementsEqual([UInt8(ascii: ".")]) && !part.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")])
        }
    }
}

/// Ends the member read last: `ok`, or `partial` with the damage found after it.
private func endPending(_ pending: inout StreamProcessor?, problems: inout [String]) {
    if let stream = pending {
        stream.end(error: problems.isEmpty ? nil : "the archive breaks after this member: " + problems.joined(separator: "; "))
    }
    pending = nil
    problems = []
}

/// Damaged archive headers met in a row (libarchive's `ARCHIVE_RETRY`), reported once.
struct DamagedHeaders {
    private var count = 0
    private var first = ""

    mutating func note(_ text: String) {
        if count == 0 { first = text }
        count += 1
    }

    /// The problem to report, once the damaged run is over; nil if there was none.
    mutating func take(after previous: String?) -> String? {
        guard count > 0 else { return nil }
        defer { count = 0 }
        let place = previous.map { "after member \($0)" } ?? "at the start of the archive"
        return "damaged archive: \(count) unreadable header block(s) \(place) skipped (\(first)); what they held is lost"
    }
}
