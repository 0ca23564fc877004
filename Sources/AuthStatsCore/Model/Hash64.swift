/// A fast, fixed (unseeded by the process) 64-bit hash of bytes.
///
/// Eight bytes a round with the xxHash64 round function and murmur3's final mix. It is
/// stable across runs and machines, which Swift's `Hasher` is not, so it can key user ids
/// and dedup fingerprints that must agree between runs and shards.
public enum Hash64 {
    @usableFromInline static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    @usableFromInline static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F

    /// - Complexity: O(n) in the number of bytes.
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var h = seed &+ prime1 &+ UInt64(truncatingIfNeeded: bytes.count)
        var index = 0
        let count = bytes.count
        while index + 8 <= count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            h ^= round(word)
            h = ((h << 27) | (h >> 37)) &* prime1 &+ 0x85EB_CA77_C2B2_AE63
            index += 8
        }
        if index < count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while index < count {
                tail |= UInt64(bytes[index]) << shift
                shift += 8
                index += 1
            }
            h ^= round(tail)
            h = ((h << 27) | (h >> 37)) &* prime1
        }
        return finalMix(h)
    }

    @inlinable
    static func round(_ word: UInt64) -> UInt64 {
        var w = word &* prime2
        w = (w << 31) | (w >> 33)
        return w &* prime1
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
