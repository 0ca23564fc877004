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

/// `rejects.ndjson`, streamed while the run reads (rejects are never held in memory), and a
/// warning on stderr for the first few.
final class RejectsFile: RejectSink {
    static let warnings = 20

    let files: ReportFiles
    let console: Console
    let temporary: String
    private let handle: FileHandle
    private var count = 0

    init(files: ReportFiles, console: Console) throws {
        self.files = files
        self.console = console
        temporary = files.temporaryPath(for: "rejects.ndjson")
        guard FileManager.default.createFile(atPath: temporary, contents: Data()),
            let handle = FileHandle(forWritingAtPath: temporary)
        else { throw ReportFiles.Failure(description: "Unable to write \(temporary)") }
        self.handle = handle
    }

    func reject(_ record: RejectedRecord) {
        handle.write(Data(record.ndjsonLine.utf8))
        count += 1
        if count <= Self.warnings {
            console.warning(record.message)
        } else if count == Self.warnings + 1 {
            console.warning("more rejected records: see rejects.ndjson")
        }
    }

    func commit() throws {
        try handle.close()
        try files.commit(temporary, as: "rejects.ndjson")
    }

    func discard() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: temporary)
    }
}

/// `sessions.csv` and `sessions.json` (`--sessions-detail`), streamed as sessions are built
/// and renamed into place at the end.
final class SessionsFile {
    let files: ReportFiles
    private var csv: BufferedFile
    private var json: BufferedFile
    private var first = true

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
        json.write(JSONTableWriter.row(Session.columns, cells, first: first))
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
    private let handle: FileHandle
    private var buffer = Data()

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data()), let handle = FileHandle(forWritingAtPath: path) else {
            throw ReportFiles.Failure(description: "Unable to write \(path)")
        }
        self.handle = handle
    }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 {
            handle.write(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    mutating func close() throws {
        handle.write(buffer)
        buffer.removeAll()
        try handle.close()
    }
}
