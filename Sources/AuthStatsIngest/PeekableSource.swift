/// A source whose first bytes can be looked at before they are read (to tell a compression
/// or archive by its content), then read again as part of the stream.
final class PeekableSource: ByteSource {
    private let upstream: any ByteSource
    private var head: [UInt8] = []
    private var headStart = 0
    private var atEnd = false
    /// Damage met while peeking: thrown once the peeked bytes are read.
    private var damage: InputDamage?

    init(_ upstream: any ByteSource) { self.upstream = upstream }

    /// The next bytes of the stream without consuming them: at least `minimum` of them
    /// unless the stream ends (or breaks) first.
    func peek(_ minimum: Int) -> ArraySlice<UInt8> {
        while head.count - headStart < minimum && !atEnd && damage == nil {
            let want = max(minimum - (head.count - headStart), 4096)
            let old = head.count
            head.append(contentsOf: repeatElement(0, count: want))
            do throws(InputDamage) {
                let n = try head.withUnsafeMutableBytes { space in
                    Result { () throws(InputDamage) in try upstream.read(into: UnsafeMutableRawBufferPointer(rebasing: space[old...])) }
                }.get()
                head.removeLast(want - n)
                if n == 0 { atEnd = true }
            } catch {
                head.removeLast(want)
                damage = error
            }
        }
        return head[headStart...]
    }

    /// Whether the stream is over: no byte left, and it did not break.
    var isAtCleanEnd: Bool { peek(1).isEmpty && damage == nil }

    /// Drops `count` peeked bytes (at most what `peek` returned).
    func consume(_ count: Int) {
        headStart += count
        if headStart == head.count {
            head = []
            headStart = 0
        }
    }

    func read(into space: UnsafeMutableRawBufferPointer) throws(InputDamage) -> Int {
        if headStart < head.count {
            let n = min(space.count, head.count - headStart)
            head.withUnsafeBytes { space.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[headStart..<headStart + n])) }
            consume(n)
            return n
        }
        if let damage {
            self.damage = nil
            atEnd = true
            throw damage
        }
        if atEnd { return 0 }
        // The end, once the file gave it, is answered from here: the framer and the
        // decompressors read once more after a read that returned 0 (to be sure of the end),
        // and each such read was a `read(2)` (two a file of a bucket of small objects, where
        // each file took seven system calls).
        let n = try upstream.read(into: space)
        if n == 0 && space.count > 0 { atEnd = true }
        return n
    }
}
