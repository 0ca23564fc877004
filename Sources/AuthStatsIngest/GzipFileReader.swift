import AuthStatsCore
import CZlib
import Foundation

/// Reads a bare gzip file (a Firehose object) with zlib, straight into the record framer.
///
/// libarchive reads gzip well but, when a file is truncated or damaged, it drops the block it
/// was decompressing (64 KiB or the whole of a small file), so the records before the damage
/// would be lost. Inflating here keeps every byte up to the damage and says where it is.
/// Multi-member files (concatenated gzip streams) are read to the end.
///
/// A gzip file whose content is itself an archive or another compressed stream (`.tar.gz`,
/// `.json.gz.gz`) is left to libarchive: `open` returns nil for it.
///
/// The corresponding C calls are `inflateInit2_` (the `inflateInit2` macro), `inflate`,
/// `inflateReset` and `inflateEnd`.
final class GzipFileReader {
    static let chunk = 1 << 20

    private let file: UnsafeMutablePointer<FILE>
    private var stream = z_stream()
    private let input: UnsafeMutablePointer<UInt8>
    private var inputCount = 0
    /// Compressed bytes consumed before the current input buffer.
    private var consumedBefore = 0
    private var atFileEnd = false
    private var head: [UInt8] = []
    /// Damage found after some bytes were produced: reported on the next call, so those
    /// bytes are delivered first.
    private var pendingDamage: Damage?

    /// Opens `path` if it is a gzip file whose content is a plain stream; nil otherwise.
    static func open(_ path: String) -> GzipFileReader? {
        guard let file = fopen(path, "rb") else { return nil }
        var magic: [UInt8] = [0, 0]
        guard fread(&magic, 1, 2, file) == 2, magic == [0x1F, 0x8B] else {
            fclose(file)
            return nil
        }
        rewind(file)
        let reader = GzipFileReader(file: file)
        guard reader.initialised, reader.peekIsPlainStream() else { return nil }
        return reader
    }

    private let initialised: Bool

    private init(file: UnsafeMutablePointer<FILE>) {
        self.file = file
        input = .allocate(capacity: Self.chunk)
        initialised = inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
        fclose(file)
    }

    /// Inflates the start of the file and checks it is not an archive or a nested stream.
    private func peekIsPlainStream() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let count = buffer.withUnsafeMutableBytes { space in
            do throws(Damage) { return try inflate(into: space) } catch {
                pendingDamage = error
                return 0
            }
        }
        head = Array(buffer.prefix(count))
        let tar = head.count >= 262 && Array(head[257..<262]) == Array("ustar".utf8)
        let nested: [[UInt8]] = [[0x1F, 0x8B], [0x42, 0x5A, 0x68], [0xFD, 0x37, 0x7A, 0x58, 0x5A], [0x28, 0xB5, 0x2F, 0xFD], [0x50, 0x4B, 0x03, 0x04]]
        return !tar && !nested.contains { head.starts(with: $0) }
    }

    struct Damage: Error {
        var message: String
    }

    /// Feeds the whole decompressed content to `stream`, ending it (with the error, if the
    /// file is damaged).
    func pump(into processor: StreamProcessor) {
        head.withUnsafeBytes { processor.read(bytes: $0) }
        head = []
        do {
            while try processor.read({ try inflate(into: $0) }) > 0 {}
            processor.end()
        } catch {
            processor.end(error: (error as? Damage)?.message ?? "\(error)")
        }
    }

    /// Inflates into `space`; 0 at the end of the file.
    private func inflate(into space: UnsafeMutableRawBufferPointer) throws(Damage) -> Int {
        if let damage = pendingDamage {
            pendingDamage = nil
            throw damage
        }
        do throws(Damage) {
            return try inflateSome(into: space)
        } catch {
            let produced = space.count - Int(stream.avail_out)
            guard produced > 0 else { throw error }
            pendingDamage = error
            return produced
        }
    }

    private func inflateSome(into space: UnsafeMutableRawBufferPointer) throws(Damage) -> Int {
        let out = space.baseAddress!.assumingMemoryBound(to: UInt8.self)
        stream.next_out = out
        stream.avail_out = UInt32(min(space.count, Int(UInt32.max)))
        while stream.avail_out > 0 {
            if stream.avail_in == 0 {
                if atFileEnd { break }
                consumedBefore += inputCount
                inputCount = fread(input, 1, Self.chunk, file)
                if inputCount == 0 {
                    atFileEnd = true
                    if ferror(file) != 0 { throw Damage(message: "read error: \(String(cString: strerror(errno)))") }
                    if stream.total_in > 0 || stream.total_out > 0 || consumedBefore == 0 {
                        throw Damage(message: "truncated gzip input: the file ends inside a compressed stream, at compressed byte \(consumedBefore)")
                    }
                    break
                }
                stream.next_in = input
                stream.avail_in = UInt32(inputCount)
            }
            let status = CZlib.inflate(&stream, Z_NO_FLUSH)
            if status == Z_STREAM_END {
                // Another gzip member may follow (multi-member files); anything else is damage.
                try nextMember()
            } else if status != Z_OK && status != Z_BUF_ERROR {
                let offset = consumedBefore + inputCount - Int(stream.avail_in)
                let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw Damage(message: "corrupt gzip data at compressed byte \(offset): \(reason)")
            }
        }
        return space.count - Int(stream.avail_out)
    }

    private func nextMember() throws(Damage) {
        if stream.avail_in == 0 {
            consumedBefore += inputCount
            inputCount = fread(input, 1, Self.chunk, file)
            stream.next_in = input
            stream.avail_in = UInt32(inputCount)
            if inputCount == 0 {
                atFileEnd = true
                return
            }
        }
        guard stream.next_in[0] == 0x1F else {
            let offset = consumedBefore + inputCount - Int(stream.avail_in)
            throw Damage(message: "unexpected data after the end of the gzip stream, at compressed byte \(offset)")
        }
        // Keep next_in/avail_in across the reset.
        let nextIn = stream.next_in
        let availIn = stream.avail_in
        inflateReset(&stream)
        stream.next_in = nextIn
        stream.avail_in = availIn
    }
}
