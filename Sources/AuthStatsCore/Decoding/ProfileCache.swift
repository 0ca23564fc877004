/// Dimension profile ids by the raw bytes their values are made from.
///
/// Most events repeat a few combinations of platform, locale, app version and country. The
/// decoder writes the raw bytes of a record's dimension fields as a key (`Fields.profileHint`);
/// when this worker has seen that key before, the event carries its profile
/// id and no dimension `String` is made, normalized or hashed for it. On a miss the key waits
/// here (`pending`) until `Analysis.add` has looked up the profile by value and calls
/// `fill(_:)`. Keys are compared byte for byte: a hit is exact, never a hash guess.
///
/// The ids are those of one accumulator's `DimensionTable`, so a cache belongs to one
/// `Analysis`. Memory is bounded: past `maxEntries` keys or `maxKeyBytesKept` bytes of them,
/// new keys are no longer kept (their events are looked up by value, as without a cache).
struct ProfileCache {
    private struct Slot {
        var hash: UInt64
        var offset: UInt32
        var length: UInt32
        var profile: UInt32
    }

    /// Keys kept at most; a longer tail of rare combinations is looked up by value.
    static let maxEntries = 1 << 16
    /// Bytes of keys kept at most (with `maxEntries`: about 3 MB a worker at most).
    static let maxKeyBytesKept = 2 << 20
    /// Longest key (a record whose dimension fields make a longer one is not cached).
    static let maxKeyBytes = 480

    private var slots: [Slot?]
    private var mask: Int
    private var arena: [UInt8] = []
    private(set) var count = 0
    /// The key of the last miss, kept until `fill`.
    private var pending: (hash: UInt64, offset: Int, length: Int)?
    /// The key last found (or filled), where it lies in `arena`, and its profile: a user's
    /// events come in runs with the same fields, and a repeat needs no hash or probe.
    private var last: (offset: Int, length: Int, profile: UInt32)?

    init() {
        slots = Array(repeating: nil, count: 256)
        mask = slots.count - 1
    }

    /// The profile id of `key` (`.cached`); on a miss (`.pending`) the key is kept for `fill`.
    mutating func lookup(_ key: UnsafeRawBufferPointer) -> ProfileHint {
        if let last, last.length == key.count,
            arena.withUnsafeBytes({ memcmp($0.baseAddress! + last.offset, key.baseAddress!, key.count) == 0 })
        {
            pending = nil
            return .cached(last.profile)
        }
        let hash = Hash64.hash(key)
        var i = Int(truncatingIfNeeded: hash) & mask
        while let slot = slots[i] {
            if slot.hash == hash, Int(slot.length) == key.count,
                arena.withUnsafeBytes({ memcmp($0.baseAddress! + Int(slot.offset), key.baseAddress!, key.count) == 0 })
            {
                pending = nil
                last = (Int(slot.offset), Int(slot.length), slot.profile)
                return .cached(slot.profile)
            }
            i = (i + 1) & mask
        }
        pending = nil
        guard count < Self.maxEntries, arena.count + key.count <= Self.maxKeyBytesKept else { return .none }
        let offset = arena.count
        arena.append(contentsOf: key)
        pending = (hash, offset, key.count)
        return .pending
    }

    /// Keeps `profile` as the id of the pending key (the last miss), if there is one.
    mutating func fill(_ profile: UInt32) {
        guard let key = pending else { return }
        pending = nil
        var i = Int(truncatingIfNeeded: key.hash) & mask
        while slots[i] != nil { i = (i + 1) & mask }
        slots[i] = Slot(hash: key.hash, offset: UInt32(key.offset), length: UInt32(key.length), profile: profile)
        last = (key.offset, key.length, profile)
        count += 1
        if count * 2 > slots.count { grow() }
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: nil, count: old.count * 2)
        mask = slots.count - 1
        for case let slot? in old {
            var i = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[i] != nil { i = (i + 1) & mask }
            slots[i] = slot
        }
    }
}

/// What an event knows of its dimension profile when decoded with a `ProfileCache`.
enum ProfileHint: Sendable, Equatable {
    /// Nothing: its `dimensions` are looked up by value.
    case none
    /// Seen before: this is its profile id, and its `dimensions` were not made.
    case cached(UInt32)
    /// Not seen: its `dimensions` were made, and the cache waits for the id they get.
    case pending

    /// The profile id, when the cache knew it.
    var cachedProfile: UInt32? {
        if case .cached(let profile) = self { return profile }
        return nil
    }
}

extension RecordDecoder.Fields {
    /// Looks the record's dimension fields `slots` up in `cache`, as a key of their raw bytes
    /// after the export's `tag`: per field its length, whether it is a non-empty string with
    /// escapes, and its bytes (every other value — absent, empty, not a string — is written
    /// alike, as the decoders read them all as missing). Equal keys make equal dimension
    /// values. `.none` when the fields are too long to key.
    func profileHint(_ tag: UInt8, _ slots: [RecordDecoder.Slot], in cache: UnsafeMutablePointer<ProfileCache>) -> ProfileHint {
        withUnsafeTemporaryAllocation(byteCount: ProfileCache.maxKeyBytes + 8, alignment: 8) { buffer -> ProfileHint in
            let out = buffer.baseAddress!
            out.storeBytes(of: tag, as: UInt8.self)
            var used = 1
            for slot in slots {
                let field = self[slot]
                let present = field.type == .string && field.end > field.start
                let length = present ? field.end - field.start : 0
                guard used + 2 + length <= ProfileCache.maxKeyBytes else { return .none }
                out.storeBytes(of: UInt16(length << 1 | (present && field.hasEscapes ? 1 : 0)), toByteOffset: used, as: UInt16.self)
                if present { Self.copyShort(from: bytes.baseAddress! + field.start, to: out + used + 2, count: length) }
                used += 2 + length
            }
            return cache.pointee.lookup(UnsafeRawBufferPointer(start: out, count: used))
        }
    }

    /// Copies `count` bytes, a dimension value's (a few to a few dozen): up to 16 as two
    /// words or halves that may overlap, each read and written inside the range, longer
    /// ones by `memcpy` (a call for each of a record's four values was ~20% of this key's
    /// making).
    @inline(__always)
    static func copyShort(from source: UnsafeRawPointer, to target: UnsafeMutableRawPointer, count: Int) {
        switch count {
        case 8...16:
            target.storeBytes(of: source.loadUnaligned(as: UInt64.self), as: UInt64.self)
            (target + count - 8).storeBytes(of: (source + count - 8).loadUnaligned(as: UInt64.self), as: UInt64.self)
        case 4..<8:
            target.storeBytes(of: source.loadUnaligned(as: UInt32.self), as: UInt32.self)
            (target + count - 4).storeBytes(of: (source + count - 4).loadUnaligned(as: UInt32.self), as: UInt32.self)
        case 1..<4:
            for i in 0..<count { target.storeBytes(of: source.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i, as: UInt8.self) }
        case 0:
            break
        default:
            target.copyMemory(from: source, byteCount: count)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
