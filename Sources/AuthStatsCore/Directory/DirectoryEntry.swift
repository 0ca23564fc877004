#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One user as a reader (CSV line, list-users entry) finds it: where its fields' bytes lie
/// in what the reader holds (the line, the user's JSON, a buffer of unescaped strings), with
/// no `String`, dictionary or copy per user. `UserDirectory.add` copies it, once, into a
/// record of its sorted log.
///
/// The bytes pointed at must stay valid until `add` returns: a reader builds and adds an
/// entry inside one access to those bytes.
struct DirectoryEntry {
    typealias Bytes = UnsafeRawBufferPointer
    var sub = Bytes(start: nil, count: 0)
    var username: Bytes?
    var status: Bytes?
    var enabled: Bool?
    /// In the order read: of two of one name, the later one counts (as a dictionary would
    /// keep it).
    private(set) var attributes: [(name: Bytes, value: Bytes)] = []

    init() { attributes.reserveCapacity(32) }

    mutating func reset() {
        attributes.removeAll(keepingCapacity: true)
        sub = Bytes(start: nil, count: 0)
        username = nil
        status = nil
        enabled = nil
    }

    mutating func addAttribute(name: Bytes, value: Bytes) { attributes.append((name, value)) }

    /// Federated (`DirectoryUser.isFederated`): status `EXTERNAL_PROVIDER`, or an `identities`
    /// that links one (the last one, as the user's attributes keep it).
    var isFederated: Bool {
        if let status, Self.equals(status, "EXTERNAL_PROVIDER") { return true }
        for attribute in attributes.reversed() where Self.equals(attribute.name, "identities") {
            return DirectoryUser.linksIdentities(attribute.value)
        }
        return false
    }

    /// The `UserID.hash` of the sub.
    var hash: UInt64 { Hash64.hash(sub) }

    /// Whether `bytes` are `word`'s.
    @inline(__always)
    static func equals(_ bytes: Bytes, _ word: StaticString) -> Bool {
        bytes.count == word.utf8CodeUnitCount && (bytes.isEmpty || memcmp(bytes.baseAddress!, word.utf8Start, bytes.count) == 0)
    }

    /// Calls `body` with the entry of `user` (attributes in the dictionary's order).
    static func with<R>(_ user: DirectoryUser, _ body: (DirectoryEntry) -> R) -> R {
        // Every string's bytes in one buffer, then the entry points into it.
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        func add(_ text: String) {
            let start = bytes.count
            bytes += text.utf8
            ranges.append(start..<bytes.count)
        }
        add(user.sub)
        add(user.username ?? "")
        add(user.status ?? "")
        for (name, value) in user.attributes {
            add(name)
            add(value)
        }
        return bytes.withUnsafeBytes { raw in
            var entry = DirectoryEntry()
            func field(_ index: Int) -> Bytes { Bytes(rebasing: raw[ranges[index]]) }
            entry.sub = field(0)
            if user.username != nil { entry.username = field(1) }
            if user.status != nil { entry.status = field(2) }
            entry.enabled = user.enabled
            for index in stride(from: 3, to: ranges.count, by: 2) { entry.addAttribute(name: field(index), value: field(index + 1)) }
            return body(entry)
        }
    }
}

/// The record of one directory entry in `UserDirectory`'s sorted log:
///
///     [hash: 8 bytes, big-endian][~sequence: 8 bytes, big-endian][flags: 1 byte]
///     [sub][username]?[status]?[attribute count][name][value]…
///
/// each string as a LEB128 length and its bytes (a value may hold any byte, NUL too). The log
/// sorts records by their bytes: by user hash, and of one user the entry read last (the
/// highest sequence, complemented) first, so that `DirectoryUserStream` keeps the first of
/// each hash and skips the rest: "a later entry replaces an earlier one".
enum DirectoryRecord {
    static let hasUsername: UInt8 = 1
    static let hasStatus: UInt8 = 2
    static let hasEnabled: UInt8 = 4
    static let isEnabled: UInt8 = 8

    /// Appends the record of `entry` to `out`, in one copy: it is written into `scratch`
    /// (grown as needed, kept by the caller from one record to the next) first.
    static func encode(_ entry: DirectoryEntry, hash: UInt64, sequence: UInt64, scratch: inout [UInt8], into out: inout [UInt8]) {
        var size = 17 + varintSize(entry.sub.count) + entry.sub.count + varintSize(entry.attributes.count)
        if let username = entry.username { size += varintSize(username.count) + username.count }
        if let status = entry.status { size += varintSize(status.count) + status.count }
        for (name, value) in entry.attributes { size += varintSize(name.count) + name.count + varintSize(value.count) + value.count }
        if scratch.count < size { scratch = [UInt8](repeating: 0, count: max(size, scratch.count * 2, 4096)) }
        scratch.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress!
            p.storeBytes(of: hash.bigEndian, toByteOffset: 0, as: UInt64.self)
            p.storeBytes(of: (~sequence).bigEndian, toByteOffset: 8, as: UInt64.self)
            var flags: UInt8 = 0
            if entry.username != nil { flags |= hasUsername }
            if entry.status != nil { flags |= hasStatus }
            if let enabled = entry.enabled { flags |= hasEnabled | (enabled ? isEnabled : 0) }
            p.storeBytes(of: flags, toByteOffset: 16, as: UInt8.self)
            var i = 17
            func varint(_ value: Int) {
                var v = UInt(value)
                while v >= 0x80 {
                    p.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: i, as: UInt8.self)
                    i += 1
                    v >>= 7
                }
                p.storeBytes(of: UInt8(v), toByteOffset: i, as: UInt8.self)
                i += 1
            }
            func string(_ bytes: UnsafeRawBufferPointer) {
                varint(bytes.count)
                if !bytes.isEmpty { (p + i).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
                i += bytes.count
            }
            string(entry.sub)
            if let username = entry.username { string(username) }
            if let status = entry.status { string(status) }
            varint(entry.attributes.count)
            for (name, value) in entry.attributes {
                string(name)
                string(value)
            }
            out.appendBytes(UnsafeRawBufferPointer(start: p, count: size))
        }
    }

    @inline(__always)
    static func varintSize(_ value: Int) -> Int {
        var v = UInt(value) >> 7
        var n = 1
        while v > 0 {
            n += 1
            v >>= 7
        }
        return n
    }

    /// The hash a record leads with.
    @inline(__always)
    static func hash(of record: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(bigEndian: record.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
    }

    /// The user of a record that `encode` wrote.
    static func decode(_ record: UnsafeRawBufferPointer) -> DirectoryUser {
        var reader = Reader(record: record)
        let (sub, username, status, enabled) = reader.head()
        var user = DirectoryUser(sub: sub, username: username, status: status, enabled: enabled)
        let count = reader.varint()
        // Room made once (`init(minimumCapacity:)` is specialized; `reserveCapacity` is not,
        // and its generic call looks the storage's type up at run time).
        user.attributes = Dictionary(minimumCapacity: count)
        for _ in 0..<count {
            let name = reader.string()
            user.attributes[name] = reader.string()
        }
        return user
    }

    /// Reads a record's fields in order: the head (sub, username, status, enabled), then the
    /// attribute count and each name and value.
    struct Reader {
        let record: UnsafeRawBufferPointer
        var i = 16

        mutating func varint() -> Int {
            // One byte: every length under 128, nearly all of them.
            let first = record[i]
            if first < 0x80 {
                i += 1
                return Int(first)
            }
            var value = 0
            var shift = 0
            while true {
                let byte = record[i]
                i += 1
                value |= Int(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }

        mutating func string() -> String { String(decoding: bytes(), as: UTF8.self) }

        /// The next string's bytes, inside `record`.
        mutating func bytes() -> UnsafeRawBufferPointer {
            let count = varint()
            defer { i += count }
            return UnsafeRawBufferPointer(rebasing: record[i..<i + count])
        }

        mutating func head() -> (sub: String, username: String?, status: String?, enabled: Bool?) {
            let flags = record[i]
            i += 1
            let sub = string()
            let username = flags & hasUsername != 0 ? string() : nil
            let status = flags & hasStatus != 0 ? string() : nil
            return (sub, username, status, flags & hasEnabled != 0 ? flags & isEnabled != 0 : nil)
        }
    }
}

/// The attribute names a segment pass reads to evaluate (`SegmentPass.evaluated`): a profile
/// made of just these decides membership as the whole profile would, for a fraction of the
/// strings (most users are members of nothing, or have no endpoint to export).
struct AttributeNames: Sendable {
    private let names: [[UInt8]]
    /// `names` as `String`s, in the same order (a match's key, without making it again).
    private let strings: [String]
    private let set: Set<String>
    /// Bit `n` set when a name is `n` bytes long (`n` < 64; bit 63 for any longer one): most
    /// of a directory's attribute names are told apart by their length alone.
    private let lengths: UInt64
    /// Whether the status, the enabled flag and the addresses' flags are among the names
    /// (asked for every user: looked up once).
    let status: Bool
    let enabled: Bool
    let emailVerified: Bool
    let phoneVerified: Bool

    init(_ names: some Sequence<String>) {
        set = Set(names)
        strings = Array(set)
        self.names = strings.map { Array($0.utf8) }
        lengths = self.names.reduce(0) { $0 | Self.lengthBit($1.count) }
        status = set.contains("cognito:user_status")
        enabled = set.contains("cognito:enabled")
        emailVerified = set.contains("email_verified")
        phoneVerified = set.contains("phone_number_verified")
    }

    func contains(_ name: String) -> Bool { set.contains(name) }

    /// Whether the UTF-8 bytes `name` are one of the names: as bytes first (no `String`);
    /// then, for text that is not ASCII, as a `String` (canonically equivalent forms are one
    /// name, as they are as dictionary keys).
    func contains(_ name: UnsafeRawBufferPointer) -> Bool { string(name) != nil }

    /// The name the UTF-8 bytes `name` are, as a `String`; nil when they are none of the names.
    /// As bytes first (no `String` made): a length no name has, then each name of that length;
    /// then, for text that is not ASCII, as a `String` (canonically equivalent forms are one
    /// name, as they are as dictionary keys).
    func string(_ name: UnsafeRawBufferPointer) -> String? {
        // Asked for every attribute of every listed user: `allSatisfy` and `elementsEqual` byte
        // by byte were 4% of a segments run's instructions, a `memcmp` per name of the length
        // 2.8% (~97 instructions a call); equal bytes are an equal `String` too, so a match
        // answers for any text.
        if lengths & Self.lengthBit(name.count) != 0 {
            for (i, candidate) in names.enumerated() where candidate.count == name.count {
                if name.isEmpty || candidate.withUnsafeBytes({ memcmp($0.baseAddress!, name.baseAddress!, name.count) }) == 0 {
                    return strings[i]
                }
            }
        }
        if Self.isASCII(name) { return nil }
        let text = String(decoding: name, as: UTF8.self)
        return set.contains(text) ? text : nil
    }

    @inline(__always)
    private static func lengthBit(_ count: Int) -> UInt64 { 1 << UInt64(min(count, 63)) }

    /// Whether every byte of `bytes` is below 0x80, tested eight at a time (asked of nearly
    /// every attribute name of every listed user: a byte at a time was half of `contains`).
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var high: UInt64 = 0
        var i = 0
        while i + 8 <= bytes.count {
            high |= bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < bytes.count {
            high |= UInt64(bytes[i])
            i += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }
}

/// A directory user as the segment pass wants them: the attributes already in profile form
/// (one dictionary made per user, not two), and the verified addresses.
struct ListedProfile {
    var sub: String
    var attributes: [String: UserProfile.Attribute]
    /// `email` / `phone_number` when the user's `*_verified` attribute is `true`.
    var verifiedEmail: String?
    var verifiedPhone: String?
}

extension DirectoryRecord {
    /// The `ListedProfile` of a record that `encode` wrote: attributes under their Cognito
    /// names, plus `cognito:user_status` and `cognito:enabled` (`docs/segments.md` "Profiles").
    /// With `only`, just the attributes it names (and the addresses' own, for `verified*`).
    /// - Parameter withSub: false when the caller has the user id already: `sub` is then
    ///   empty (no `String` made).
    static func listedProfile(_ record: UnsafeRawBufferPointer, only: AttributeNames? = nil, withSub: Bool = true) -> ListedProfile {
        var storage = [String: UserProfile.Attribute](minimumCapacity: only == nil ? 8 : 4)
        return listedProfile(record, only: only, withSub: withSub, reusing: &storage)
    }

    /// As `listedProfile(_:only:withSub:)`, the attributes kept in `storage`, emptied first:
    /// once the profile made last is gone, its room is used again. (A dictionary made per user
    /// cost ~700 instructions, most in looking up its generic type at run time: 7% of the
    /// segment pass.)
    static func listedProfile(
        _ record: UnsafeRawBufferPointer, only: AttributeNames?, withSub: Bool,
        reusing storage: inout [String: UserProfile.Attribute]
    ) -> ListedProfile {
        var reader = Reader(record: record)
        // The head, without a `String` for the username (not part of a profile).
        let flags = record[reader.i]
        reader.i += 1
        let subBytes = reader.bytes()
        let sub = withSub ? String(decoding: subBytes, as: UTF8.self) : ""
        if flags & hasUsername != 0 { _ = reader.bytes() }
        let statusBytes = flags & hasStatus != 0 ? reader.bytes() : nil
        let status = only?.status ?? true ? statusBytes.map { String(decoding: $0, as: UTF8.self) } : nil
        let enabled: Bool? = flags & hasEnabled != 0 ? flags & isEnabled != 0 : nil
        let count = reader.varint()
        // Emptied in place, then held by `attributes` alone while it is filled, and by
        // `storage` again beside the profile (so that it is unique once the profile is gone).
        storage.removeAll(keepingCapacity: true)
        var attributes = storage
        storage = [:]
        defer { storage = attributes }
        for _ in 0..<count {
            let name = reader.bytes()
            let value = reader.bytes()
            let key: String
            if let only {
                guard let known = only.string(name) else { continue }
                key = known
            } else {
                key = String(decoding: name, as: UTF8.self)
            }
            attributes[key] = UserProfile.Attribute(values: [String(decoding: value, as: UTF8.self)], origin: .directory)
        }
        if let status {
            attributes["cognito:user_status"] = UserProfile.Attribute(values: [status], origin: .directory)
        }
        if let enabled, only?.enabled ?? true {
            attributes["cognito:enabled"] = UserProfile.Attribute(values: [enabled ? "true" : "false"], origin: .directory)
        }
        func verified(_ address: String, _ flag: String, _ read: Bool) -> String? {
            guard read, attributes[flag]?.values.first == "true", let value = attributes[address]?.values.first, !value.isEmpty else { return nil }
            return value
        }
        return ListedProfile(
            sub: sub, attributes: attributes, verifiedEmail: verified("email", "email_verified", only?.emailVerified ?? true),
            verifiedPhone: verified("phone_number", "phone_number_verified", only?.phoneVerified ?? true))
    }
}

/// Every user of a directory once, in ascending `UserID(sub).hash` order (what the segment
/// pass joins with the other per-user streams): of the entries of one hash, the one read
/// last. The stream owns what it reads (spilled runs, a copy of the records that were still
/// in memory), so it lives on its own; it is read once, front to back.
public final class DirectoryUserStream {
    private let records: SortedRecords?
    /// The first record of the next hash, met while skipping older entries: valid until the
    /// next `records.next()`.
    private var lookahead: UnsafeRawBufferPointer?
    private var started = false

    init(_ records: SortedRecords?) { self.records = records }

    /// The next user and its hash; nil after the last.
    public func next() -> (hash: UInt64, user: DirectoryUser)? {
        nextRecord().map { ($0.hash, Self.decode($0.record)) }
    }

    /// As `next()`, the user as its record's bytes (`DirectoryUserStream.decode` makes the
    /// user: the segment pass does that on another thread).
    func nextRecord() -> (hash: UInt64, record: [UInt8])? {
        var bytes: [UInt8] = []
        return nextRecord(into: &bytes).map { ($0, bytes) }
    }

    /// As `nextRecord()`, the record appended to `out` (no array made per user).
    func nextRecord(into out: inout [UInt8]) -> UInt64? {
        guard let records else { return nil }
        if !started {
            started = true
            lookahead = records.next()
        }
        guard let record = lookahead else { return nil }
        let hash = DirectoryRecord.hash(of: record)
        out.appendBytes(record)
        // Older entries of the same hash (a sub listed again, or in an earlier file) follow.
        lookahead = records.next()
        while let next = lookahead, DirectoryRecord.hash(of: next) == hash { lookahead = records.next() }
        return hash
    }

    /// The user of a record `nextRecord()` gave.
    static func decode(_ record: [UInt8]) -> DirectoryUser {
        record.withUnsafeBytes { DirectoryRecord.decode($0) }
    }
}
