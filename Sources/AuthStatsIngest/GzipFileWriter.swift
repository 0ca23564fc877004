import CZlib
import Foundation

/// Writes a gzip file with zlib's deflate (used by `authstats generate`).
///
/// The corresponding C calls are `deflateInit2` (through the `czlib_deflateInit2` shim, as
/// the macro cannot be imported), `deflate` and `deflateEnd`.
public final class GzipFileWriter {
    public enum Failure: Error, CustomStringConvertible {
        case open(String, String)
        case zlib(String, Int32)

        public var description: String {
            switch self {
            case .open(let path, let reason): return "Unable to create \(path): \(reason)"
            case .zlib(let path, let code): return "Unable to compress \(path): zlib error \(code)"
            }
        }
    }

    private var stream = z_stream()
    private let file: UnsafeMutablePointer<FILE>
    private let path: String
    private var output = [UInt8](repeating: 0, count: 1 << 16)
    private var closed = false

    /// Creates (or truncates) `path`. `level` is zlib's 1 (fast) … 9 (small).
    public init(path: String, level: Int32 = 6) throws {
        guard let file = fopen(path, "wb") else { throw Failure.open(path, String(cString: strerror(errno))) }
        self.file = file
        self.path = path
        // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
        let status = czlib_deflateInit2(&stream, level, 15 + 16, 8)
        guard status == Z_OK else {
            fclose(file)
            throw Failure.zlib(path, status)
        }
    }

    deinit {
        if !closed {
            deflateEnd(&stream)
            fclose(file)
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(bytes.count)
        try pump(flush: Z_NO_FLUSH)
    }

    public func write(_ text: String) throws {
        var copy = text
        try copy.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Finishes the gzip stream and closes the file.
    public func close() throws {
        guard !closed else { return }
        stream.avail_in = 0
        try pump(flush: Z_FINISH)
        deflateEnd(&stream)
        closed = true
        guard fclose(file) == 0 else { throw Failure.open(path, String(cString: strerror(errno))) }
    }

    private func pump(flush: Int32) throws {
        let count = output.count
        try output.withUnsafeMutableBufferPointer { out in
            repeat {
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(count)
                let status = deflate(&stream, flush)
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    throw Failure.zlib(path, status)
                }
                let produced = count - Int(stream.avail_out)
                if produced > 0 && fwrite(out.baseAddress, 1, produced, file) != produced {
                    throw Failure.open(path, String(cString: strerror(errno)))
                }
                if flush == Z_FINISH && status == Z_STREAM_END { return }
            } while stream.avail_out == 0 || (flush == Z_FINISH)
        }
    }
}
