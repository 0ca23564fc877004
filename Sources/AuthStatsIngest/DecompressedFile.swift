/// A file decompressed whatever its compression, for the `--users` files (a compressed user
/// directory is read like any input): a chunk at a time (`Reader`, what the command uses), or
/// whole into memory (`read`, `decode`: for tests and fuzzing).
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
        let reader = Reader(source, limit: limit)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { reader.read(into: $0) }
            if n == 0 { return (bytes, reader.error) }
            bytes += chunk[0..<n]
        }
    }

    /// A file's decoded bytes, a chunk at a time (a `--users` file is read so, not whole):
    /// at most `limit` of them; `error` says why reading stopped early, once `read` returned
    /// 0 (the bytes before the damage were handed out, as `read(path:limit:)` keeps them).
    public final class Reader {
        private var source: PeekableSource?
        private let limit: Int
        /// Bytes handed out so far.
        public private(set) var count = 0
        /// Why reading stopped before the end of the file (or could not start), if it did.
        public private(set) var error: String?

        /// Opens the file; an error to open it (it does not exist, is an archive, …) is
        /// `error`, with nothing to read.
        public convenience init(path: String, limit: Int) {
            do {
                self.init(try FileSource(path: Array(path.utf8)), limit: limit)
            } catch {
                self.init(failure: error.message, limit: limit)
            }
        }

        init(_ raw: any ByteSource, limit: Int) {
            self.limit = limit
            do {
                let opened = try StreamOpener.open(raw)
                if opened.kind == .tar || opened.kind == .zip {
                    error = "it is a \(opened.kind == .tar ? "tar" : "zip") archive; give the file itself, not an archive of it"
                } else {
                    source = opened.source
                }
            } catch {
                self.error = error.message
            }
        }

        private init(failure: String, limit: Int) {
            self.limit = limit
            error = failure
        }

        /// Reads up to `space.count` decoded bytes; 0 at the end of the file, at damage or at
        /// the limit (then `error` says which).
        public func read(into space: UnsafeMutableRawBufferPointer) -> Int {
            guard let source, space.count > 0 else { return 0 }
            do throws(InputDamage) {
                let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: space[0..<min(space.count, limit - count + 1)]))
                if n == 0 {
                    self.source = nil
                    return 0
                }
                guard count + n <= limit else {
                    let kept = limit - count
                    count = limit
                    error = "larger than \(limit) bytes once decompressed; read to that size"
                    self.source = nil
                    return kept
                }
                count += n
                return n
            } catch {
                self.error = error.message
                self.source = nil
                return 0
            }
        }
    }
}
