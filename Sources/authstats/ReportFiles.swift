import AuthStatsCore
import Foundation


/// The output folder: every report is written beside its final name, then renamed into
/// place, so a reader never sees half a file.
struct ReportFiles {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let folder: String

    /// Creates the folder if needed and checks that it can be written.
    init(folder: String) throws {
        self.folder = folder
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "Unable to create the output folder \(folder): \(Self.reason(error))")
        }
        let probe = temporaryPath(for: "write-check")
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            throw Failure(description: "Unable to write to the output folder \(folder): permission denied or read-only")
        }
        try? FileManager.default.removeItem(atPath: probe)
    }

    func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    func temporaryPath(for name: String) -> String { path(".\(name).tmp-\(getpid())") }

    /// Writes `name` atomically with the text `body` produces.
    func write(_ name: String, _ body: (inout String) -> Void) throws {
        var text = ""
        body(&text)
        let temporary = temporaryPath(for: name)
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw Failure(description: "Unable to write \(temporary)")
        }
        try commit(temporary, as: name)
    }

    /// Renames a finished temporary file to its final name.
    func commit(_ temporary: String, as name: String) throws {
        guard rename(temporary, path(name)) == 0 else {
            let reason = String(cString: strerror(errno))
            throw Failure(description: "Unable to write \(path(name)): \(reason)")
        }
    }

    static func reason(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? error.localizedDescription
    }
}

/// `rejects.ndjson`: rejected records in input order (by stream position, then record),
/// whichever worker found them, and a warning on stderr for the first few.
///
/// Rejects are never held all in memory: each input's lines are buffered and appended to a
/// file of their own in a hidden folder beside the reports (only inputs with rejects get
/// one); `commit` joins those files in position order.
final class RejectsFile: RejectSink, @unchecked Sendable {
    // Unchecked: every mutable member is guarded by `lock`.
    static let warnings = 20
    static let flushBytes = 8 << 20

    let files: ReportFiles
    let console: Console
    let folder: String
    private let lock = NSLock()
    private var buffers: [UInt64: Data] = [:]
    private var written: Set<UInt64> = []
    private var buffered = 0
    private var count = 0

    init(files: ReportFiles, console: Console) throws {
        self.files = files
        self.console = console
        folder = files.temporaryPath(for: "rejects")
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ReportFiles.Failure(description: "Unable to write \(folder): \(ReportFiles.reason(error))")
        }
    }

    func reject(_ record: RejectedRecord) {
        lock.lock()
        defer { lock.unlock() }
        buffers[record.position, default: Data()].append(contentsOf: record.ndjsonLine.utf8)
        buffered += record.ndjsonLine.utf8.count
        if buffered >= Self.flushBytes { flush() }
        count += 1
        if count <= Self.warnings {
            console.warning(record.message)
        } else if count == Self.warnings + 1 {
            console.warning("more rejected records: see rejects.ndjson")
        }
    }

    private func path(_ position: UInt64) -> String { folder + "/" + String(position) }

    /// Appends every buffer to its input's file. Called with `lock` held.
    private func flush() {
        for (position, data) in buffers {
            let file = path(position)
            if written.insert(position).inserted { _ = FileManager.default.createFile(atPath: file, contents: nil) }
            if let handle = FileHandle(forWritingAtPath: file) {
                handle.seekToEndOfFile()
                handle.write(data)
                try? handle.close()
            }
        }
        buffers.removeAll()
        buffered = 0
    }

    func commit() throws {
        lock.lock()
        defer { lock.unlock() }
        flush()
        var out = BufferedFileWriter(path: files.temporaryPath(for: "rejects.ndjson"))
        try out.open()
        for position in written.sorted() {
            guard let handle = FileHandle(forReadingAtPath: path(position)) else { continue }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { out.write(chunk) }
            try? handle.close()
        }
        try out.close()
        try? FileManager.default.removeItem(atPath: folder)
        try files.commit(files.temporaryPath(for: "rejects.ndjson"), as: "rejects.ndjson")
    }

    func discard() {
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// `sessions.csv` and `sessions.json` (`--sessions-detail`), streamed as sessions are built
/// and renamed into place at the end.
final class SessionsFile {
    let files: ReportFiles
    private var csv: BufferedFile
    private var json: BufferedFile
    private var first = true
    private let keys = JSONTableWriter.keys(Session.columns)

    init(files: ReportFiles, timezone: String) throws {
        self.files = files
        csv = try BufferedFile(path: files.temporaryPath(for: "sessions.csv"))
        json = try BufferedFile(path: files.temporaryPath(for: "sessions.json"))
        csv.write(CSVTableWriter.header(Session.columns))
        json.write(JSONTableWriter.opening("sessions", timezone: timezone))
    }

    func write(_ session: Session) {
        let cells = session.cells
        csv.write(CSVTableWriter.line(cells))
        json.write(JSONTableWriter.row(keys: keys, cells, first: first))
        first = false
    }

    func commit() throws {
        json.write(JSONTableWriter.closing(empty: first))
        try csv.close()
        try json.close()
        try files.commit(files.temporaryPath(for: "sessions.csv"), as: "sessions.csv")
        try files.commit(files.temporaryPath(for: "sessions.json"), as: "sessions.json")
    }
}

/// A file written through a 1 MiB buffer.
struct BufferedFile {
    private var writer: BufferedFileWriter

    init(path: String) throws {
        writer = BufferedFileWriter(path: path)
        try writer.open()
    }

    mutating func write(_ text: String) { writer.write(text) }

    mutating func close() throws { try writer.close() }
}

/// Bytes to a new file through a 1 MiB buffer.
struct BufferedFileWriter {
    let path: String
    private var handle: FileHandle?
    private var buffer = Data()

    init(path: String) { self.path = path }

    mutating func open() throws {
        guard FileManager.default.createFile(atPath: path, contents: Data()), let handle = FileHandle(forWritingAtPath: path) else {
            throw ReportFiles.Failure(description: "Unable to write \(path)")
        }
        self.handle = handle
    }

    mutating func write(_ data: Data) {
        buffer.append(data)
        flushIfFull()
    }

    /// Appends the text's UTF-8 bytes (no `Data` made for it).
    mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { buffer.append($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: $0.count) }
        flushIfFull()
    }

    private mutating func flushIfFull() {
        if buffer.count >= 1 << 20 {
            handle?.write(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    mutating func close() throws {
        handle?.write(buffer)
        buffer.removeAll()
        try handle?.close()
    }
}
