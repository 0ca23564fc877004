#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What lies at the state file's path, judged from its first 100 bytes with plain `read`s,
/// before SQLite opens it: SQLite may write to a file as soon as it opens it (rolling back a
/// journal it finds next to it), and a file that is not ours must stay exactly as it was.
enum StateFileKind: Equatable {
    /// Nothing, or a zero-length file (which SQLite itself takes for an empty database).
    case missing
    /// A SQLite database with our `application_id`.
    case ours
}

/// The fields of a SQLite database header (the file's first 100 bytes) that `open` reads;
/// offsets from the file-format document, all big-endian.
struct StateFileHeader {
    static let size = 100
    static let magic = Array("SQLite format 3\0".utf8)

    var pageSize: Int
    var changeCounter: UInt32
    /// The size in pages, valid only when `versionValidFor == changeCounter`.
    var pageCount: UInt32
    var versionValidFor: UInt32
    var applicationID: Int32

    /// Nil when `bytes` is not the start of a SQLite database.
    init?(_ bytes: [UInt8]) {
        guard bytes.count >= Self.size, bytes.starts(with: Self.magic) else { return nil }
        func word(_ offset: Int) -> UInt32 {
            bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }
        let rawPageSize = Int(bytes[16]) << 8 | Int(bytes[17])
        pageSize = rawPageSize == 1 ? 65536 : rawPageSize
        changeCounter = word(24)
        pageCount = word(28)
        versionValidFor = word(92)
        applicationID = Int32(bitPattern: word(68))
    }

    /// Looks at `path` without writing to it or to anything beside it.
    ///
    /// - Throws: `.notAuthstats` for anything but a SQLite database with our application id
    ///   (a folder, a text file, another program's database, one of ours whose first page was
    ///   overwritten); `.damaged` for one of ours that is shorter than its header says, unless
    ///   a journal lies beside it (SQLite rolls that back on open, and the header with it);
    ///   `.sqlite` when it cannot be read.
    static func inspect(_ path: String) throws -> StateFileKind {
        var status = stat()
        guard stat(path, &status) == 0 else {
            if errno == ENOENT { return .missing }
            throw failure(path, "inspect")
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw StateError.notAuthstats(path: path) }
        if status.st_size == 0 { return .missing }

        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path, "open") }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: size)
        let count = pread(descriptor, &bytes, size, 0)
        guard count >= 0 else { throw failure(path, "read") }
        guard let header = StateFileHeader(Array(bytes[..<count])),
            header.applicationID == StateDatabase.applicationID
        else { throw StateError.notAuthstats(path: path) }

        let expected = Int64(header.pageCount) * Int64(header.pageSize)
        if header.versionValidFor == header.changeCounter, Int64(status.st_size) < expected,
            access(path + "-journal", F_OK) != 0
        {
            throw StateError.damaged(
                path: path, reason: "truncated: \(status.st_size) bytes, its header says \(expected)")
        }
        return .ours
    }

    private static func failure(_ path: String, _ operation: String) -> StateError {
        .sqlite(path: path, operation: operation, message: String(cString: strerror(errno)))
    }
}
