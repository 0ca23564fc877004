import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory, exclusive, non-blocking `flock` on DIR/.lock holding the holder's PID as text.
///
/// One authstats at a time may use a state folder: the state file is read, merged into and
/// rewritten over a whole run, which two runs must not interleave. `flock` belongs to the open
/// file description, so the kernel drops it when the holder exits, even by SIGKILL: a lock
/// file left behind by a killed run never blocks the next one. The PID is only for the message
/// a second run prints.
public final class StateLock {
    public static let fileName = ".lock"

    /// The lock file's path.
    public let path: String
    /// The descriptor that holds the lock; -1 once released.
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { release() }

    /// Takes the lock of `folder`, creating the folder (and its parents) if missing, and
    /// writes this process's PID into the lock file.
    ///
    /// - Throws: `StateError.busy` at once, with the holder's PID as written in the file,
    ///   when another process (or another `StateLock` of this one) holds it; `.sqlite` with the
    ///   system's reason when the folder or the file cannot be made.
    public static func acquire(folder: String) throws -> StateLock {
        let path = (folder as NSString).appendingPathComponent(fileName)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StateError.sqlite(path: folder, operation: "create the state folder", message: reason(creating: folder, error))
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StateError.sqlite(path: path, operation: "open the lock file", message: systemReason())
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let failure: StateError =
                errno == EWOULDBLOCK
                ? .busy(lockPath: path, pid: holder(descriptor))
                : .sqlite(path: path, operation: "lock", message: systemReason())
            close(descriptor)
            throw failure
        }
        let pid = Array("\(getpid())\n".utf8)
        guard ftruncate(descriptor, 0) == 0, pwrite(descriptor, pid, pid.count, 0) == pid.count else {
            let failure = StateError.sqlite(path: path, operation: "write the PID into", message: systemReason())
            close(descriptor)
            throw failure
        }
        return StateLock(path: path, descriptor: descriptor)
    }

    /// Empties the lock file and releases the lock; idempotent, and done on deinit too.
    ///
    /// The file stays: removing it would let a run that opened it just before lock a file
    /// that no longer has a name, while a third run locks a new one.
    public func release() {
        guard descriptor >= 0 else { return }
        _ = ftruncate(descriptor, 0)
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    /// The PID written in the lock file open at `descriptor`, nil when it holds none (the
    /// holder has not written it yet).
    private static func holder(_ descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &bytes, bytes.count, 0)
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[..<count], as: UTF8.self)
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func systemReason() -> String { String(cString: strerror(errno)) }

    static func reason(of error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? error.localizedDescription
    }

    /// Why `folder` could not be made (`FileManager` on Linux says "The operation could not be
    /// completed. (NSCocoaErrorDomain error 512.)" of a file in its way): the system's reason
    /// of the error underneath, or the first part of the path that is a file.
    static func reason(creating folder: String, _ error: any Error) -> String {
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        var prefix = folder.hasPrefix("/") ? "" : "."
        for part in folder.split(separator: "/") {
            prefix += "/" + part
            var info = stat()
            guard stat(prefix, &info) == 0 else { break }
            if info.st_mode & S_IFMT != S_IFDIR {
                let shown = folder.hasPrefix("/") ? prefix : String(prefix.dropFirst(2))
                return "\(shown) is a file, not a folder (\(String(cString: strerror(ENOTDIR))))"
            }
        }
        return reason(of: error)
    }
}
