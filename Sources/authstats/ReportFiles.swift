import AuthStatsCore
import AuthStatsIngest
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The output folder (`--out`) and the staging folder each run writes its reports into.
///
/// No report is written into `--out` itself: every file goes into a fresh staging folder,
/// which replaces the output folder as one step at the end (`commit`, `ReportFiles+Swap`),
/// so that a reader never sees the files of two runs side by side and a failed run changes
/// nothing. The staging folder sits beside the output folder (same parent, so on the same
/// file system), named `.<out>.authstats-staging-<pid>`; when the output folder cannot be
/// swapped (it is a mount point, its parent cannot be written, or it is the current folder),
/// the staging folder is `.authstats-staging-<pid>` inside it and the files are renamed into
/// place one by one, `summary.json` last.
final class ReportFiles {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// The folder was left with files of two runs (a failed file-by-file replace whose undo
        /// failed too): the one exit 2 after which `--out` did change.
        var mixed = false
    }

    /// `--out` as given (for messages).
    let folder: String
    /// The folder that is replaced: `--out`, or what its link points to, absolute.
    let target: String
    /// Where the reports are written until `commit`.
    let staging: String
    /// Why the report set is replaced file by file rather than swapped as one folder, or nil.
    let fileByFile: String?
    /// Folders this run made to hold `--out` (removed again when nothing is written).
    private let madeFolders: [String]
    /// What killed runs had left, removed.
    let leftoversRemoved: [String]
    /// The staged files written, flushed to disk together by `commit` (`PendingSyncs`).
    let syncs = PendingSyncs()

    /// Every report file authstats writes: what replaces a folder's reports, all of them, so
    /// no file of an older run stays beside the new ones. Anything else in `--out` is kept.
    static let reportNames: Set<String> = Set(
        ["daily", "monthly", "breakdown", "retention", "sessions", "segments", "segment_daily"].flatMap { ["\($0).csv", "\($0).json"] }
            + ["summary.json", "rejects.ndjson", "report.html", ReportFiles.segmentFolder, ReportFiles.projectFolder])

    static let segmentFolder = ReportFilesNames.segmentFolder
    /// The folder of the per-project report sets (`--by-project`).
    static let projectFolder = "projects"

    static let stagingMarker = "authstats-staging-"

    /// Resolves `--out`, makes the folders above it if needed, removes what killed runs left
    /// there, and makes the staging folder (so that an unwritable place fails now, before any
    /// input is read).
    init(folder: String) throws {
        self.folder = folder
        target = POSIX.resolvingLinks(folder)
        let parent = POSIX.parentFolder(target)
        let existing = POSIX.info(target)
        if let existing {
            guard POSIX.isFolder(existing) else {
                throw Failure(description: "Unable to create the output folder \(folder): \(POSIX.reason(ENOTDIR))")
            }
            guard access(target, W_OK) == 0 else {
                throw Failure(description: "Unable to write to the output folder \(folder): \(POSIX.reason())")
            }
            madeFolders = []
        } else {
            do {
                madeFolders = try POSIX.makeFolders(parent)
            } catch {
                throw Failure(description: "Unable to create the output folder \(folder): \(error)")
            }
        }
        let current = POSIX.realPath(".") ?? ""
        if existing == nil {
            fileByFile = nil
        } else if POSIX.isMountPoint(target) {
            fileByFile = "it is a mount point (a folder inside it, as --out, is swapped as one step)"
        } else if access(parent, W_OK) != 0 {
            fileByFile = "its parent folder cannot be written (\(POSIX.reason()))"
        } else if current == target || current.hasPrefix(target.hasSuffix("/") ? target : target + "/") {
            fileByFile = "it holds the current folder"
        } else {
            fileByFile = nil
        }
        leftoversRemoved = Self.removeLeftovers(in: parent, target: target)
        // A name has at most 255 bytes: the folder's name is cut to leave room for the rest.
        let name = fileByFile == nil
            ? ".\(String((target as NSString).lastPathComponent.utf8.prefix(200)) ?? "out").\(Self.stagingMarker)\(getpid())"
            : ".\(Self.stagingMarker)\(getpid())"
        do {
            // 0777 before the umask, as `mkdir` makes a folder: this one becomes `--out`.
            staging = try TemporaryFolders.shared.create(name, in: fileByFile == nil ? parent : target, mode: 0o777)
        } catch {
            Self.removeFolders(madeFolders)
            throw Failure(description: "Unable to write to the output folder \(folder): \(error)")
        }
        if let existing, fileByFile == nil {
            // The staging folder becomes --out: it keeps --out's permissions and owner.
            chmod(staging, existing.st_mode & 0o7777)
            if existing.st_uid != geteuid() || existing.st_gid != getegid() {
                _ = chown(staging, existing.st_uid, existing.st_gid)  // best effort: only root may give a folder away
            }
        }
    }

    /// The staged path of the report `name`.
    func path(_ name: String) -> String { (staging as NSString).appendingPathComponent(name) }

    /// Creates the staged report `name`, lets `body` write it straight into the file's 1 MiB
    /// buffer, and closes it (synced). `summary.json` has an entry per input: made whole as one
    /// `String` (then copied into the buffer) it was the run's peak, ~0.8 KB an input (53 MB
    /// of 146 MB heap over 68,000 small objects).
    func write(_ name: String, _ body: (inout BufferedFileWriter) -> Void) throws {
        var file = BufferedFileWriter(path: path(name), syncs: syncs)
        try file.open()
        body(&file)
        try file.close()
    }

    /// Writes the report `name` with the bytes `body` produces.
    func writeBytes(_ name: String, _ body: (inout [UInt8]) -> Void) throws {
        var bytes: [UInt8] = []
        body(&bytes)
        try write(name) { file in bytes.withUnsafeBytes { file.write($0) } }
    }

    /// Removes the staging folder, and the folders made for `--out`: nothing changes.
    func discard() {
        syncs.discard()
        TemporaryFolders.shared.remove(staging)
        Self.removeFolders(madeFolders)
    }

    private static func removeFolders(_ folders: [String]) {
        for made in folders.reversed() { rmdir(made) }  // only if still empty
    }

    /// Removes what killed runs left (only what is provably stale, `TemporaryFolders`): their
    /// staging folders beside the output folder and inside it, and, inside it, the hidden
    /// `.<report>.tmp-<pid>` files and `.rejects.tmp-<pid>` folder of earlier versions.
    ///
    /// - Returns: the paths removed.
    static func removeLeftovers(in parent: String, target: String) -> [String] {
        var removed = TemporaryFolders.removeStale(in: parent, pidOf: stagingPID)
        if POSIX.exists(target) {
            removed += TemporaryFolders.removeStale(in: target) { stagingPID($0) ?? earlierTemporaryPID($0) }
        }
        return removed
    }

    /// The PID of a staging folder's name: `.<out>.authstats-staging-<pid>` or
    /// `.authstats-staging-<pid>`.
    static func stagingPID(_ name: String) -> pid_t? {
        guard name.hasPrefix("."), let marker = name.range(of: stagingMarker, options: .backwards) else { return nil }
        guard marker.lowerBound == name.index(after: name.startIndex) || name[name.index(before: marker.lowerBound)] == "."
        else { return nil }
        return TemporaryFolders.pid(name[marker.upperBound...])
    }

    /// The PID of a temporary name of earlier versions: `.<report>.tmp-<pid>`,
    /// `.rejects.tmp-<pid>`, `.write-check.tmp-<pid>`.
    static func earlierTemporaryPID(_ name: String) -> pid_t? {
        guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards) else { return nil }
        let base = String(name[name.index(after: name.startIndex)..<marker.lowerBound])
        guard reportNames.contains(base) || base == "rejects" || base == "write-check" else { return nil }
        return TemporaryFolders.pid(name[marker.upperBound...])
    }
}

/// `rejects.ndjson`: rejected records in input order (by stream position, then record),
/// whichever worker found them, and a warning on stderr for the first few.
///
/// Rejects are never held all in memory: each input's lines are buffered and appended to a
/// file of their own in a hidden folder of the staging folder (only inputs with rejects get
/// one); `commit` joins those files in position order. A write that fails is remembered and
/// makes `commit` fail: no reject is lost without the run saying so.
final class RejectsFile: RejectSink, @unchecked Sendable {
    // Unchecked: every mutable member is guarded by `lock`.
    static let warnings = 20
    static let flushBytes = 8 << 20

    let files: ReportFiles
    let console: Console
    let folder: String
    /// At most this many rejects are written (`--max-rejects`): the first ones in input
    /// order, whichever worker found them. The rest are counted, not kept.
    let limit: Int
    /// And at most this many bytes (`--max-rejects-bytes`): the file is the longest run of
    /// those first lines, whole, that fits. (Until 2026-12-07 only `limit` bounded it: a
    /// small gzip of long junk lines wrote up to 10,000 × ~6 MiB.)
    let byteLimit: Int
    private let lock = NSLock()
    private var buffers: [UInt64: Data] = [:]
    private var written: Set<UInt64> = []
    /// What an input stream's rejects kept: each one's line length, in order, their bytes, and
    /// whether one did not fit in `byteLimit` with them (`full`: none after it can be written
    /// either, even a shorter one, since the file is a prefix of the rejects in input order).
    private struct Kept {
        var lengths: [Int] = []
        var bytes = 0
        var full = false
    }
    /// Rejects kept per input stream: a stream's rejects past `limit`, or past `byteLimit`
    /// bytes of its own, can never be among the first of the run, so they are dropped as they
    /// come (a deterministic cut: each stream is read by one worker, in order).
    private var kept: [UInt64: Kept] = [:]
    private var buffered = 0
    private var count = 0
    /// Rejects at later positions than this are dropped as they come: the streams up to it
    /// already hold `limit` of them, or `byteLimit` bytes, all before any later one in input
    /// order.
    private var frontier = UInt64.max
    /// The earliest position of a reject not kept (dropped as it came, or a gap mark handed
    /// over by `adopt`): the kept lines hold every reject before it, and at it only the
    /// stream's first ones, so the file ends there (a reject that did not fit must not be
    /// followed by a later stream's that does: a review found the file no prefix).
    private var gap = UInt64.max
    /// Bytes kept in all, and at which total `frontier` is moved next: the staging folder
    /// stays within about `byteLimit` and what the streams being read add (the frontier was
    /// moved only every 1,024 rejects: 300 small files of long rejects kept 2.1 GB, a review
    /// found).
    private var keptTotal = 0
    private var nextMove = 0

    /// Moves `frontier` to the first position by which `limit` rejects or `byteLimit` bytes
    /// are kept. Called with `lock` held, every 1,024 rejects and each time a quarter of
    /// `byteLimit` more is kept (a sort of the positions with rejects).
    private func moveFrontier() {
        nextMove = keptTotal + max(1, byteLimit / 4)
        var total = 0
        var bytes = 0
        for position in kept.keys.sorted() {
            total += kept[position]!.lengths.count
            bytes += kept[position]!.bytes
            if total >= limit || bytes >= byteLimit {
                frontier = position
                return
            }
        }
    }

    /// The lines `rejects.ndjson` gets: the first kept ones in input order, at most `limit`,
    /// while they fit in `byteLimit` bytes, up to `gap`; and where the list stops short of
    /// every reject found (the first one left out, or `gap`; `.max`: it holds them all).
    /// Called with `lock` held.
    private func cut() -> (lines: Int, end: UInt64) {
        var lines = 0
        var bytes = 0
        for position in kept.keys.sorted() where position <= gap {
            for length in kept[position]!.lengths {
                if lines == limit || bytes + length > byteLimit { return (lines, position) }
                lines += 1
                bytes += length
            }
        }
        return (lines, gap)
    }

    /// Rejects handed over by `adopt` (earlier runs' kept ones).
    private var adopted = 0

    /// The lines `rejects.ndjson` holds (once every reject is in), and whether
    /// `--max-rejects-bytes` cut it: fewer lines than `--max-rejects` and than the rejects
    /// found and handed over (some were dropped as they came, or left out by the cut, for
    /// their bytes).
    var lines: (count: Int, byBytes: Bool) {
        lock.lock()
        defer { lock.unlock() }
        let lines = cut().lines
        return (lines, lines < limit && lines < count + adopted)
    }
    /// The first write that failed.
    private var failure: POSIX.Failure?
    /// The first rejects in input order (by stream position, then record), at most
    /// `firstCount` of them and no more than `limit`: the first lines of rejects.ndjson, for
    /// report.html.
    private var firstKept: [RejectedRecord] = []
    static let firstCount = 20

    /// The first rejects in input order, as rejects.ndjson begins (no more than it holds).
    var first: [RejectedRecord] {
        lock.lock()
        defer { lock.unlock() }
        return Array(firstKept.prefix(cut().lines))
    }

    init(files: ReportFiles, console: Console, limit: Int, byteLimit: Int) throws {
        self.files = files
        self.console = console
        self.limit = limit
        self.byteLimit = byteLimit
        folder = files.path(".rejects-parts")
        guard mkdir(folder, 0o700) == 0 else {
            throw POSIX.Failure("Unable to create \(folder)")
        }
    }

    func reject(_ record: RejectedRecord) {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        if count % 1024 == 0 || keptTotal >= nextMove { moveFrontier() }
        keepIfFirst(record)
        if record.position <= frontier && kept[record.position, default: Kept()].lengths.count < limit, case let line = record.ndjsonLine.utf8,
            fits(line.count, at: record.position)
        {
            keep(line, at: record.position)
        } else {
            gap = min(gap, record.position)
        }
        if count <= Self.warnings {
            console.warning(record.message)
        } else if count == Self.warnings + 1 {
            console.warning("more rejected records: see rejects.ndjson")
        }
    }

    /// Keeps `record` among the first rejects. Called with `lock` held.
    private func keepIfFirst(_ record: RejectedRecord) {
        func precedes(_ a: RejectedRecord, _ b: RejectedRecord) -> Bool { (a.position, a.record) < (b.position, b.record) }
        let size = min(limit, Self.firstCount)
        guard size > 0, firstKept.count < size || precedes(record, firstKept[firstKept.count - 1]) else { return }
        firstKept.insert(record, at: firstKept.firstIndex { precedes(record, $0) } ?? firstKept.count)
        if firstKept.count > size { firstKept.removeLast() }
    }

    private func path(_ position: UInt64) -> String { folder + "/" + String(position) }

    /// Appends every buffer to its input's file. Called with `lock` held.
    private func flush() {
        for (position, data) in buffers where failure == nil {
            let file = path(position)
            written.insert(position)
            let descriptor = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                failure = POSIX.Failure("Unable to write \(file)")
                break
            }
            data.withUnsafeBytes { bytes in
                if let error = POSIX.writeAll(descriptor, bytes) { failure = POSIX.Failure("Unable to write \(file)", code: error) }
            }
            close(descriptor)
        }
        buffers.removeAll()
        buffered = 0
    }

    /// The rejects kept so far, in input order, as `rejects.ndjson` would hold them: a shard
    /// keeps them in its state (`ShardRuns`).
    func keptRejects() throws -> [ShardRuns.Reject] {
        lock.lock()
        defer { lock.unlock() }
        flush()
        if let failure { throw failure }
        let (lines, end) = cut()
        var out: [ShardRuns.Reject] = []
        for position in written.sorted() where out.count < lines {
            let bytes = try POSIX.contents(of: path(position)).get()
            var start = 0
            for end in bytes.indices where bytes[end] == 0x0A && out.count < lines {
                out.append(ShardRuns.Reject(position: position, line: Array(bytes[start...end])))
                start = end + 1
            }
        }
        // Where the list stops short of every reject found, a mark (`Reject.gap`) at the first
        // one left out, so that a merge or the next night puts no later input's after it.
        if end != .max { out.append(.gap(at: end)) }
        return out
    }

    /// Takes `rejects` (the shard runs' of a merged state, in input order) as this run's, to
    /// be written as `rejects.ndjson` (no warning for each: their runs gave those).
    func adopt(_ rejects: [ShardRuns.Reject]) {
        lock.lock()
        defer { lock.unlock() }
        let size = min(limit, Self.firstCount)
        for reject in rejects {
            if reject.isGap {
                gap = min(gap, reject.position)
                continue
            }
            adopted += 1
            guard kept[reject.position, default: Kept()].lengths.count < limit, fits(reject.line.count, at: reject.position) else {
                gap = min(gap, reject.position)
                continue
            }
            // The first ones, for report.html, read back from their lines: those that may come
            // before the first this run found (an earlier run's, listed by this one).
            if size > 0, firstKept.count < size || reject.position <= firstKept[firstKept.count - 1].position,
                let record = RejectedRecord(ndjsonLine: reject.line, position: reject.position)
            {
                keepIfFirst(record)
            }
            keep(reject.line, at: reject.position)
        }
    }

    /// Whether a line of `length` bytes can still be among those written, as far as its own
    /// stream's kept lines tell; a line that cannot closes its stream (`Kept.full`). Called
    /// with `lock` held.
    private func fits(_ length: Int, at position: UInt64) -> Bool {
        guard let stream = kept[position] else { return length <= byteLimit || closeStream(position) }
        return !stream.full && (stream.bytes + length <= byteLimit || closeStream(position))
    }

    /// Marks the stream at `position` full; false.
    private func closeStream(_ position: UInt64) -> Bool {
        kept[position, default: Kept()].full = true
        return false
    }

    /// Buffers `line` as the next kept reject of the stream at `position`. Called with `lock` held.
    private func keep(_ line: some Collection<UInt8>, at position: UInt64) {
        kept[position, default: Kept()].lengths.append(line.count)
        kept[position]!.bytes += line.count
        keptTotal += line.count
        buffers[position, default: Data()].append(contentsOf: line)
        buffered += line.count
        if buffered >= Self.flushBytes { flush() }
    }

    func commit() throws {
        lock.lock()
        defer { lock.unlock() }
        flush()
        if let failure { throw failure }
        var out = BufferedFileWriter(path: files.path("rejects.ndjson"), syncs: files.syncs)
        try out.open()
        let cutLines = cut().lines
        var lines = 0
        copying: for position in written.sorted() {
            let file = path(position)
            let descriptor = open(file, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw POSIX.Failure("Unable to read \(file)") }
            defer { close(descriptor) }
            try POSIX.readChunks(descriptor, size: 1 << 20, failure: "Unable to read \(file)") { chunk in
                // Up to the line break of the cut's last line (each reject is one line).
                var end = 0
                while end < chunk.count && lines < cutLines {
                    if chunk[end] == 0x0A { lines += 1 }
                    end += 1
                }
                out.write(UnsafeRawBufferPointer(rebasing: chunk[0..<end]))
                return lines < cutLines
            }
            if lines == cutLines { break copying }
        }
        try out.close()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// `sessions.csv` and `sessions.json` (`--sessions-detail`), streamed into the staging folder
/// as sessions are built.
final class SessionsFile {
    let files: ReportFiles
    private var csv: BufferedFile
    private var json: BufferedFile
    private var first = true
    private let keys = JSONTableWriter.keyBytes(Session.columns)
    /// Each session's line, made in one buffer used again.
    private var line: [UInt8] = []

    init(files: ReportFiles, timezone: String) throws {
        self.files = files
        csv = try BufferedFile(path: files.path("sessions.csv"), syncs: files.syncs)
        json = try BufferedFile(path: files.path("sessions.json"), syncs: files.syncs)
        csv.write(CSVTableWriter.header(Session.columns))
        json.write(JSONTableWriter.opening("sessions", timezone: timezone))
    }

    func write(_ session: Session) {
        let cells = session.cells
        line.removeAll(keepingCapacity: true)
        CSVTableWriter.appendLine(cells, to: &line)
        line.withUnsafeBytes { csv.write($0) }
        line.removeAll(keepingCapacity: true)
        JSONTableWriter.appendRow(keys: keys, cells, first: first, to: &line)
        line.withUnsafeBytes { json.write($0) }
        first = false
    }

    func commit() throws {
        json.write(JSONTableWriter.closing(empty: first))
        try csv.close()
        try json.close()
    }
}

/// A file written through a 1 MiB buffer.
struct BufferedFile {
    private var writer: BufferedFileWriter

    init(path: String, syncs: PendingSyncs? = nil) throws {
        writer = BufferedFileWriter(path: path, syncs: syncs)
        try writer.open()
    }

    mutating func write(_ text: String) { writer.write(text) }

    mutating func write(_ bytes: UnsafeRawBufferPointer) { writer.write(bytes) }

    mutating func close() throws { try writer.close() }
}

/// Bytes to a new file through a 1 MiB buffer. The first failed write is kept (later writes
/// are dropped) and thrown by `close`, which also flushes the file to disk, or hands it to
/// `syncs` to be flushed with the other report files.
struct BufferedFileWriter: TextOutputStream {
    let path: String
    private var descriptor: Int32 = -1
    /// What is not written yet (a `[UInt8]`: appending to a `Data` was ~1,500 instructions a
    /// call, a member export row's line).
    private var buffer: [UInt8] = []
    private var failure: POSIX.Failure?
    private let syncs: PendingSyncs?

    init(path: String, syncs: PendingSyncs? = nil) {
        self.path = path
        self.syncs = syncs
    }

    mutating func open() throws {
        descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw POSIX.Failure("Unable to write \(path)") }
    }

    /// Appends the bytes.
    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        if buffer.isEmpty && bytes.count >= Self.bufferSize {
            // A whole report at once: written as it is, not copied first.
            if failure == nil { failure = written(bytes) }
            return
        }
        buffer.append(contentsOf: bytes.assumingMemoryBound(to: UInt8.self))
        flushIfFull()
    }

    /// Appends the text's UTF-8 bytes.
    mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    static let bufferSize = 1 << 20

    private mutating func flushIfFull() {
        if buffer.count >= Self.bufferSize { drain() }
    }

    private mutating func drain() {
        if failure == nil { failure = buffer.withUnsafeBytes { written($0) } }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes `bytes` to the file; why it could not, if it could not.
    private func written(_ bytes: UnsafeRawBufferPointer) -> POSIX.Failure? {
        guard descriptor >= 0, let error = POSIX.writeAll(descriptor, bytes) else { return nil }
        return POSIX.Failure("Unable to write \(path)", code: error)
    }

    /// Writes what is buffered, flushes the file to disk and closes it (or leaves both to
    /// `syncs`).
    mutating func close() throws {
        guard descriptor >= 0 else { return }
        drain()
        if failure == nil, let syncs, syncs.take(descriptor, path: path) {
            descriptor = -1
            return
        }
        if failure == nil && fsync(descriptor) != 0 { failure = POSIX.Failure("Unable to write \(path)") }
        if Glibc.close(descriptor) != 0 && failure == nil { failure = POSIX.Failure("Unable to write \(path)") }
        descriptor = -1
        if let failure { throw failure }
    }
}

extension RejectedRecord {
    /// A reject as its `rejects.ndjson` line holds it (`ndjsonLine`); nil for a line that is
    /// not one. The raw record comes back as the line's text (a record that was not UTF-8
    /// was written with replacement characters).
    init?(ndjsonLine line: [UInt8], position: UInt64) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
            let input = object["input"] as? String, let record = object["record"] as? Int,
            let reason = object["reason"] as? String, let raw = object["raw"] as? String
        else { return nil }
        self.init(
            input: input, member: object["member"] as? String, position: position, record: record, reason: reason,
            raw: Array(raw.utf8), truncatedFrom: object["raw_truncated_from"] as? Int)
    }
}

/// The report files written and closed in the staging folder, not yet flushed to disk:
/// `ReportFiles.commit` flushes them on several threads at once (`concurrentMap`), before
/// the swap. One `fsync` each as it closed, one after another, was ~0.3 ms a file here: a
/// report of one small file 23.3 → 20.7 ms (medians of 40, alternated; 12 files flushed two
/// at a time on this 2-core machine; threads of their own, 16 at once, measured the same).
/// Their descriptors stay open until then, so that the `fsync` sees an error of the
/// write-back.
final class PendingSyncs: @unchecked Sendable {
    // Unchecked: `files` is guarded by `lock`.
    private let lock = NSLock()
    private var files: [(descriptor: Int32, path: String)] = []
    /// Past this many open descriptors (a run with many projects or segments), a file is
    /// flushed and closed as it is closed.
    static let limit = 128

    /// Takes `descriptor` (of `path`, written whole) to flush and close later; false when
    /// enough are open already (the caller flushes and closes it).
    func take(_ descriptor: Int32, path: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard files.count < Self.limit else { return false }
        files.append((descriptor, path))
        return true
    }

    /// Flushes every file taken to disk and closes it, several at once; the first failure
    /// (in the order taken) is thrown.
    func flush() throws {
        lock.lock()
        let taken = files
        files = []
        lock.unlock()
        // Each failure made on the thread that met it (its `errno`).
        let failures = concurrentMap(count: taken.count, threads: min(taken.count, 8)) { i -> POSIX.Failure? in
            let (descriptor, path) = taken[i]
            var failure = fsync(descriptor) == 0 ? nil : POSIX.Failure("Unable to write \(path)")
            if Glibc.close(descriptor) != 0 && failure == nil { failure = POSIX.Failure("Unable to write \(path)") }
            return failure
        }
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
    }

    /// Closes every file taken, unflushed (the reports are discarded).
    func discard() {
        lock.lock()
        defer { lock.unlock() }
        for file in files { Glibc.close(file.descriptor) }
        files = []
    }
}
