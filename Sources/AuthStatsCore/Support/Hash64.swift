/// A fast, fixed (unseeded by the process) 64-bit hash of bytes.
///
/// Sixteen bytes a step, folded in with one 64×64→128-bit multiply (wyhash's step, the
/// previous state kept in), murmur3's final mix at the end. It is stable across runs and
/// machines, which Swift's `Hasher` is not, so it can key user ids and dedup fingerprints
/// that must agree between runs and shards.
public enum Hash64 {
    @usableFromInline static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    @usableFromInline static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    /// wyhash's: what each step's two words are taken with.
    @usableFromInline static let k0: UInt64 = 0xA076_1D64_78BD_642F
    @usableFromInline static let k1: UInt64 = 0xE703_7ED1_A0B4_28DB

    /// - Complexity: O(n) in the number of bytes.
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var h = start(bytes.count, seed: seed)
        forEachPair(bytes) { w0, w1 in h = step(h, w0, w1) }
        return finalMix(h)
    }

    /// The same kind of hash in four chains, each taking every fourth 16 bytes of the blocks
    /// of 64, folded into one that takes the last bytes: `hash`'s one chain waits for each
    /// multiply, where four run side by side, four times as fast (`docs/state.md`, "The
    /// chunks' check": what it checks, and what it gained). Other values than `hash`'s.
    ///
    /// - Complexity: O(n) in the number of bytes.
    @inlinable
    public static func hashInLanes(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let first = start(bytes.count, seed: seed)
        var l0 = first
        var l1 = first ^ prime1
        var l2 = first ^ prime2
        var l3 = first ^ prime1 ^ prime2
        let count = bytes.count
        var i = 0
        @inline(__always) func word(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        while i + 64 <= count {
            l0 = step(l0, word(i), word(i + 8))
            l1 = step(l1, word(i + 16), word(i + 24))
            l2 = step(l2, word(i + 32), word(i + 40))
            l3 = step(l3, word(i + 48), word(i + 56))
            i += 64
        }
        var h = mum(l0 ^ k0, l1 ^ k1) ^ mum(l2 ^ prime1, l3 ^ prime2)
        forEachPair(UnsafeRawBufferPointer(rebasing: bytes[i...])) { w0, w1 in h = step(h, w0, w1) }
        return finalMix(h)
    }

    /// A hash's state before its bytes: the seed and the byte count.
    @inlinable @inline(__always)
    static func start(_ count: Int, seed: UInt64) -> UInt64 { seed ^ prime1 ^ UInt64(truncatingIfNeeded: count) &* prime2 }

    /// One 16-byte step (wyhash's), `h` kept in.
    @inlinable @inline(__always)
    static func step(_ h: UInt64, _ w0: UInt64, _ w1: UInt64) -> UInt64 {
        h ^ mum(h ^ w0 ^ k0, w1 ^ k1)
    }

    /// The high and low halves of x × y, folded together.
    @inlinable @inline(__always)
    static func mum(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let product = x.multipliedFullWidth(by: y)
        return product.high ^ product.low
    }

    /// Calls `body` with the bytes as little-endian words, two at a time; the last pair is
    /// zero-padded (none for no bytes).
    @inlinable @inline(__always)
    static func forEachPair(_ bytes: UnsafeRawBufferPointer, _ body: (UInt64, UInt64) -> Void) {
        let count = bytes.count
        var i = 0
        while i + 16 <= count {
            body(
                UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)),
                UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)))
            i += 16
        }
        guard i < count else { return }
        // The last 1 to 15 bytes in registers, with loads that stay inside them: a copy into
        // a zeroed pair went through `memcpy` and a store-to-load stall, a third of the
        // fingerprints' time on small records (perf annotate, 2026-12-05).
        let rest = count - i
        let tail = UnsafeRawBufferPointer(rebasing: bytes[i..<count])
        if rest >= 8 {
            body(UInt64(littleEndian: tail.loadUnaligned(as: UInt64.self)), partialWord(UnsafeRawBufferPointer(rebasing: tail[8...])))
        } else {
            body(partialWord(tail), 0)
        }
    }

    /// The 0 to 7 bytes as a little-endian word, zero above them: two overlapping loads of 4
    /// (their common bytes are the same in both), or up to three single bytes.
    @inlinable @inline(__always)
    static func partialWord(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        if n >= 4 {
            let low = UInt64(UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)))
            let high = UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)))
            return low | high << (8 * (n - 4))
        }
        guard n > 0 else { return 0 }
        return UInt64(bytes[0]) | UInt64(bytes[n / 2]) << (8 * (n / 2)) | UInt64(bytes[n - 1]) << (8 * (n - 1))
    }

    @inlinable
    static func finalMix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k = k &* 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33
        k = k &* 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }
}
