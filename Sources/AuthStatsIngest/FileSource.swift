import AuthStatsCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a file, read with `read(2)` from start to end: a regular file, a FIFO, a
/// character device such as `/dev/stdin`, or a process substitution (`<(gzip -c …)`).
///
/// Never seeks and never asks a file's size, so a stream is read exactly once, whole.
/// Errors carry the OS reason (`strerror`).
final class FileSource: ByteSource {
    let descriptor: Int32
    /// Whether the file is a regular file (else a stream: FIFO, pipe, device, socket).
    let isRegular: Bool

    /// Opens the file at `path` (raw bytes, so any name can be opened).
    init(path: [UInt8]) throws(InputDamage) {
        let fd = CPath.with(path) { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw InputDamage(message: OSError.text()) }  // the caller says what it opened
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let text = OSError.text()
            close(fd)
            throw InputDamage(message: "cannot read its status: \(text)")
        }
        guard info.st_mode & S_IFMT != S_IFDIR else {
            close(fd)
            throw InputDamage(message: "is a folder")
        }
        descriptor = fd
        isRegular = info.st_mode & S_IFMT == S_IFREG
    }

    deinit { close(descriptor) }

    func read(into space: UnsafeMutableRawBufferPointer) throws(InputDamage) -> Int {
        while true {
            let n = Glibc.read(descriptor, space.baseAddress, space.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }  // a signal arrived: read again
            throw InputDamage(message: "read error: \(OSError.text())")
        }
    }
}

/// The text of the OS error in `errno` (`strerror`).
enum OSError {
    static func text(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
}

