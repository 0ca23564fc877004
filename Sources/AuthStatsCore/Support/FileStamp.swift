#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file's size and modification time (milliseconds since the epoch) as a `stat`
/// saw them: how a nightly state's ledger tells an input it read before from one that changed
/// (docs/state.md, "A batch, step by step").
public struct FileStamp: Sendable, Hashable {
    public var size: Int64
    public var modifiedMillis: Int64

    public init(size: Int64, modifiedMillis: Int64) {
        self.size = size
        self.modifiedMillis = modifiedMillis
    }

    /// The stamp in `status`; nil unless it is a regular file's (a pipe's size says nothing of
    /// its bytes).
    public init?(_ status: stat) {
        guard status.st_mode & S_IFMT == S_IFREG else { return nil }
        self.init(size: Int64(status.st_size), modifiedMillis: Self.modifiedMillis(status))
    }

    /// The stamp of the regular file at `path` (its raw bytes: a name need not be UTF-8; links
    /// followed), or nil (no such file, or not a regular one).
    public init?(path: [UInt8]) {
        var status = stat()
        guard CPath.with(path, { stat($0, &status) }) == 0 else { return nil }
        self.init(status)
    }

    /// `status`'s modification time in whole milliseconds since the epoch.
    public static func modifiedMillis(_ status: stat) -> Int64 {
        #if canImport(Darwin)
        let time = status.st_mtimespec
        #else
        let time = status.st_mtim
        #endif
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
