/// A window on a user directory file that is read a chunk at a time: the readers (user CSV,
/// list-users pages) ask for the bytes they need, at absolute offsets in the file, and say
/// (`keep`) before which offset they need nothing any more. A million-user file (140 MB of
/// CSV, 1 GB of pretty-printed list-users JSON) is so read in about a megabyte of memory.
///
/// The window grows only when what is kept and what is needed do not fit (a line or a user
/// longer than a chunk), to twice that: a value scanned again after each refill is then
/// scanned O(1) times per byte on the whole.
struct DirectoryInput {
    /// Reads up to `space.count` bytes into `space`; 0 at the end (or at damage: the caller
    /// of the load knows why).
    typealias Read = (UnsafeMutableRawBufferPointer) -> Int

    private let read: Read
    /// Bytes asked of `read` at least at a time.
    private let chunk: Int
    private var storage: [UInt8] = []
    /// The absolute offset of `storage[0]`.
    private(set) var base = 0
    /// Bytes of `storage` holding data.
    private var filled = 0
    /// The file ended: no more bytes will come.
    private(set) var atEnd = false
    /// Bytes before this absolute offset are not needed any more and may be dropped.
    var keep = 0

    init(chunk: Int = 1 << 20, read: @escaping Read) {
        self.chunk = max(1, chunk)
        self.read = read
    }

    /// The absolute offset just past the bytes read so far (the file's size, once `atEnd`).
    var end: Int { base + filled }

    /// Whether the byte at absolute `offset` is there, reading on as needed.
    @inline(__always)
    mutating func has(_ offset: Int) -> Bool {
        while offset >= end {
            if !more() { return false }
        }
        return true
    }

    /// The byte at absolute `offset` (one `has` said is there, not before `keep`).
    @inline(__always)
    subscript(offset: Int) -> UInt8 { storage[offset - base] }

    /// Calls `body` with the bytes read and kept: `[base, end)` (so offset `o` of the file is
    /// at `o - base` of the buffer).
    func withWindow<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<filled])) }
    }

    /// Calls `body` with the bytes of `range` (absolute, within `[base, end)`).
    func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[(range.lowerBound - base)..<(range.upperBound - base)])) }
    }

    /// Reads at least one more byte, dropping those before `keep`; false when the file has
    /// ended.
    mutating func more() -> Bool {
        guard !atEnd else { return false }
        let drop = min(max(0, keep - base), filled)
        if drop > 0 {
            let kept = filled - drop
            storage.withUnsafeMutableBytes { raw in
                let start = raw.baseAddress!
                start.copyMemory(from: start + drop, byteCount: kept)
            }
            base += drop
            filled -= drop
        }
        let want = max(chunk, filled)
        if storage.count - filled < want {
            // Uninitialized room: the bytes are written by `read` before they are looked at.
            let grown = [UInt8](unsafeUninitializedCapacity: filled + want) { space, count in
                storage.withUnsafeBytes { old in
                    if filled > 0 { UnsafeMutableRawBufferPointer(space).copyMemory(from: UnsafeRawBufferPointer(rebasing: old[0..<filled])) }
                }
                count = filled + want
            }
            storage = grown
        }
        // Fill the room, so that a reader handing out small pieces (a pipe, a decoder) does
        // not make the readers rescan a value once per piece.
        let before = filled
        let read = self.read
        var count = filled
        var ended = false
        storage.withUnsafeMutableBytes { raw in
            while count < raw.count {
                let n = read(UnsafeMutableRawBufferPointer(rebasing: raw[count...]))
                if n <= 0 {
                    ended = true
                    break
                }
                count += n
            }
        }
        filled = count
        atEnd = ended
        return filled > before
    }
}
