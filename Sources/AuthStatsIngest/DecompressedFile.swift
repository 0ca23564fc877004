/// A whole file, decompressed whatever its compression, into memory (for the `--users`
/// files: a compressed user directory is read like any input).
public enum DecompressedFile {
    /// The file's decoded bytes, at most `limit` of them, and why reading stopped early, if it
    /// did: the bytes decoded before damage are kept (a truncated `users.json.gz` keeps the
    /// users before the cut), and `error` says what broke (with the OS reason for OS errors).
    ///
    /// An archive (tar, zip) is not read: `error` says so and `bytes` is empty.
    public static func read(path: String, limit: Int) -> (bytes: [UInt8], error: String?) {
        do {
            return collect(try FileSource(path: Array(path.utf8)), limit: limit)
        } catch {
            return ([], error.message)
        }
    }

    /// The same for bytes in memory (a compressed file's content; for tests and fuzzing).
    public static func decode(_ bytes: [UInt8], limit: Int) -> (bytes: [UInt8], error: String?) {
        collect(MemorySource(bytes), limit: limit)
    }

    private static func collect(_ source: any ByteSource, limit: Int) -> (bytes: [UInt8], error: String?) {
        let opened: StreamOpener.Opened
        do {
            opened = try StreamOpener.open(source)
        } catch {
            return ([], error.message)
        }
        if opened.kind == .tar || opened.kind == .zip {
            return ([], "it is a \(opened.kind == .tar ? "tar" : "zip") archive; give the file itself, not an archive of it")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            do throws(InputDamage) {
                let n = try chunk.withUnsafeMutableBytes { space in Result { () throws(InputDamage) in try opened.source.read(into: space) } }.get()
                if n == 0 { return (bytes, nil) }
                guard bytes.count + n <= limit else {
                    bytes += chunk[0..<(limit - bytes.count)]
                    return (bytes, "larger than \(limit) bytes once decompressed; read to that size")
                }
                bytes += chunk[0..<n]
            } catch {
                return (bytes, error.message)
            }
        }
    }
}

/// Bytes in memory as a source.
final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into space: UnsafeMutableRawBufferPointer) throws(InputDamage) -> Int {
        let n = min(space.count, bytes.count - position)
        bytes.withUnsafeBytes { space.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[position..<position + n])) }
        position += n
        return n
    }
}
