/// Bytes held in memory read as a stream, then the rest of the stream from another source,
/// or the damage that ended it (stage 1): an archive member copied out of its archive
/// (`ArchiveMember`), read where the archive is no longer at hand.
///
/// Bytes before damage are handed out first and the damage is thrown by the next call, as the
/// member's own source (`ArchiveEntrySource`) does: the reader of a copy meets what it would
/// have met reading the archive.
final class MemorySource: ByteSource {
    private enum Storage {
        case array([UInt8])
        case copy(MemberBytes)
    }
    private let storage: Storage
    private let count: Int
    private var offset = 0
    /// Where the stream goes on after `bytes` (a member too long to copy whole), if anywhere.
    private let rest: (any ByteSource)?
    /// What ended the stream after `bytes`, if it broke.
    private let damage: InputDamage?
    /// Whether `damage` was thrown to the reader (it read that far).
    private(set) var deliveredDamage = false

    init(_ bytes: [UInt8], damage: InputDamage? = nil) {
        storage = .array(bytes)
        count = bytes.count
        rest = nil
        self.damage = damage
    }

    /// The bytes of `copy`, then `rest` or `damage`.
    init(_ copy: MemberBytes, then rest: (any ByteSource)? = nil, damage: InputDamage? = nil) {
        storage = .copy(copy)
        count = copy.count
        self.rest = rest
        self.damage = damage
    }

    func read(into space: UnsafeMutableRawBufferPointer) throws(InputDamage) -> Int {
        if offset < count {
            let n = min(space.count, count - offset)
            switch storage {
            case .array(let bytes): bytes.withUnsafeBytes { space.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
            case .copy(let copy): space.baseAddress!.copyMemory(from: copy.bytes.baseAddress! + offset, byteCount: n)
            }
            offset += n
            return n
        }
        if let rest { return try rest.read(into: space) }
        if let damage, !deliveredDamage {
            deliveredDamage = true
            throw damage
        }
        return 0
    }
}
