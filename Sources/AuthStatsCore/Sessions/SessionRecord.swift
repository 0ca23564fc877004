/// How one event is written to the session log, so that plain byte order is the order
/// sessions are built in: by user id, then session key, then time, then fingerprint. The
/// session keys put a user's Pinpoint sessions first, then the events without a session id,
/// then the auth failures (`UserSessions` needs every span before it can join an event to one).
///
/// Layout: user id bytes (`0x00` escaped as `01 01`, `0x01` as `01 02`) and a `0x00`
/// terminator; session key, time (sign bit flipped), fingerprint and input position, 8 bytes
/// big-endian each (so of two deliveries of one event, the earlier input's sorts first, the
/// copy dedup keeps); then the payload: kind, session start and stop (8 bytes each), and the platform,
/// app version and session id, each with a 2-byte length.
///
/// When only counts are wanted (no `sessions.csv`), records are `compact`: the user id is its
/// 64-bit hash (the `UserID` every other count uses), 8 bytes big-endian, and there are no
/// texts: 57 bytes a record, under half the named layout, so the log spills and merges
/// half as much. Users then come in hash order, which no count depends on. Identical deliveries encode to
/// identical bytes and so sort next to each other. `SessionRecordView` reads a record back.
public enum SessionRecord {
    /// Session key of events without a Pinpoint session id: after every Pinpoint session of
    /// the user, so that their spans are known when these events come to join them.
    public static let noSession: UInt64 = .max - 1
    /// Session key of auth failures: after every session of the user, so that each can be
    /// counted on the sessions whose span holds it.
    public static let failureKey: UInt64 = .max
    /// Session key of a finished session kept whole by the nightly state (`FrozenSession`):
    /// before every other key, so that a user's frozen sessions come first.
    public static let frozenKey: UInt64 = 0

    /// Whether `event` plays a part in sessions: it has a user, and it is an activity event
    /// or an auth failure.
    @inline(__always)
    public static func takesPart(_ event: Event) -> Bool {
        event.hasUser && (event.kind.isActivity || event.kind == .authFailure)
    }

    /// Events with a Pinpoint session id go by a hash of it (below `noSession`); then come
    /// the events without one, then the auth failures.
    static func sessionKey(of event: Event) -> UInt64 {
        if event.kind == .authFailure { return failureKey }
        guard let hash = event.withSessionText({ Hash64.hash($0, seed: 0x5E55) }) else { return noSession }
        return max(frozenKey + 1, min(noSession - 1, hash))
    }

    /// Bytes of a compact record.
    static let compactCount = 57

    /// Appends the compact record of `event` (one that `takesPart`), read from input
    /// `position`, to `out`.
    static func encodeCompact(_ event: Event, position: UInt64, into out: inout [UInt8]) {
        out.appendInPlace(compactCount) { raw in
            raw.storeBytes(of: (event.user?.hash ?? 0).bigEndian, toByteOffset: 0, as: UInt64.self)
            storeFixed(event, position: position, into: raw, at: 8)
        }
    }

    /// Appends the record of `event` (one that `takesPart`), read from input `position`
    /// (`InputReport.position`), to `out`.
    static func encode(_ event: Event, position: UInt64, into out: inout [UInt8]) {
        if event.withUserText({ putUser($0, &out) }) == nil { putUser(Self.noText, &out) }
        putFixed(event, position: position, &out)
        // As the breakdown shows them (`DimensionTable`): an address is `(withheld)`. (Only
        // session rows keep these texts: `--sessions-detail`, segments.)
        putText(Addresses.shown(event.dimensions[.platform]), &out)
        putText(Addresses.shown(event.dimensions[.appVersion]), &out)
        if event.kind == .authFailure || event.withSessionText({ putBytes($0, &out) }) == nil { putBytes(Self.noText, &out) }
    }

    /// Appends the compact form of a named record (an event's or a frozen session's): the
    /// user's hash and the same fixed fields, the texts (and a frozen session's counts) left
    /// out. What `encodeCompact` writes for the same event.
    static func compactForm(of r: SessionRecordView, into out: inout [UInt8]) {
        precondition(!r.compact, "the record is compact already")
        withUnsafeBytes(of: UserID(r.user).hash.bigEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: r.bytes[r.userEnd + 1..<r.userEnd + 1 + 49]))
    }

    /// The user id's bytes, `0x00` and `0x01` escaped (byte order kept), and the terminator.
    @inline(__always)
    static func putUser(_ bytes: UnsafeRawBufferPointer, _ out: inout [UInt8]) {
        if bytes.contains(where: { $0 <= 0x01 }) {
            for b in bytes {
                switch b {
                case 0x00: out.append(0x01); out.append(0x01)
                case 0x01: out.append(0x01); out.append(0x02)
                default: out.append(b)
                }
            }
        } else {
            out.append(contentsOf: bytes)
        }
        out.append(0x00)
    }

    /// The fields after the user: 49 bytes.
    @inline(__always)
    private static func putFixed(_ event: Event, position: UInt64, _ out: inout [UInt8]) {
        var fixed: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &fixed) { storeFixed(event, position: position, into: $0, at: 0) }
        withUnsafeBytes(of: fixed) { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<49])) }
    }

    /// Writes the 49 bytes of `putFixed` at `offset` of `raw`: one append per record, not
    /// one per field.
    @inline(__always)
    private static func storeFixed(_ event: Event, position: UInt64, into raw: UnsafeMutableRawBufferPointer, at offset: Int) {
        raw.storeBytes(of: sessionKey(of: event).bigEndian, toByteOffset: offset, as: UInt64.self)
        raw.storeBytes(of: (UInt64(bitPattern: event.time) ^ (1 << 63)).bigEndian, toByteOffset: offset + 8, as: UInt64.self)
        raw.storeBytes(of: event.fingerprint.low.bigEndian, toByteOffset: offset + 16, as: UInt64.self)
        raw.storeBytes(of: position.bigEndian, toByteOffset: offset + 24, as: UInt64.self)
        raw[offset + 32] = event.kind.rawValue
        raw.storeBytes(of: UInt64(bitPattern: event.sessionStart ?? .min).bigEndian, toByteOffset: offset + 33, as: UInt64.self)
        raw.storeBytes(of: UInt64(bitPattern: event.sessionStop ?? .min).bigEndian, toByteOffset: offset + 41, as: UInt64.self)
    }

    /// A text with its 2-byte length (longer ones are cut at 65,535 bytes).
    @inline(__always)
    static func putText(_ text: String, _ out: inout [UInt8]) {
        var text = text
        text.withUTF8 { putBytes(UnsafeRawBufferPointer($0), &out) }
    }

    /// The empty text (an event without a user, or without a session id).
    static var noText: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }

    @inline(__always)
    static func putBytes(_ bytes: UnsafeRawBufferPointer, _ out: inout [UInt8]) {
        let count = min(bytes.count, 65_535)
        out.append(UInt8(count >> 8))
        out.append(UInt8(count & 0xFF))
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
    }
}

/// A look at one encoded session record (`SessionRecord`) without decoding it: the fixed fields read in place,
/// the texts only when asked for (once per session, not per event).
struct SessionRecordView {
    let bytes: UnsafeRawBufferPointer
    /// Where the user's encoded bytes end (the `0x00` terminator); for a compact record,
    /// where its 8-byte hash ends, less one (so that the fixed fields start at `userEnd + 1`).
    let userEnd: Int
    let compact: Bool

    init?(_ bytes: UnsafeRawBufferPointer, compact: Bool = false) {
        self.compact = compact
        if compact {
            guard bytes.count == SessionRecord.compactCount else { return nil }
            self.bytes = bytes
            userEnd = 7
            return
        }
        var i = 0
        while i < bytes.count && bytes[i] != 0x00 { i += bytes[i] == 0x01 ? 2 : 1 }
        guard i + 1 + 49 <= bytes.count else { return nil }
        self.bytes = bytes
        userEnd = i
    }

    /// The bytes that make an event's identity: user, session key, time and fingerprint.
    var identity: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[0..<userEnd + 1 + 24]) }
    /// The encoded user, terminator included (a compact record's 8-byte hash).
    var encodedUser: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[0...userEnd]) }

    @inline(__always)
    private func word(_ offset: Int) -> UInt64 {
        UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: userEnd + 1 + offset, as: UInt64.self))
    }

    /// Calls `body` with the record's bytes, its input position moved by `shift`
    /// (`StatePositions.moving`); a frozen session's as they are (its position is always 0).
    @inline(__always)
    func shiftingPosition(by shift: UInt64, scratch: inout [UInt8], _ body: (UnsafeRawBufferPointer) -> Void) {
        guard sessionKey != SessionRecord.frozenKey else { return body(bytes) }
        StatePositions.moving(bytes, at: userEnd + 1 + 24, by: shift, scratch: &scratch, body)
    }

    /// A compact record's identity as words: user hash, session key, time and fingerprint
    /// (the bytes of `identity`, compared without `memcmp`).
    var compactIdentity: (UInt64, UInt64, UInt64, UInt64) {
        precondition(compact, "a named session record's user is not one word")
        return (UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)), word(0), word(8), word(16))
    }

    var sessionKey: UInt64 { word(0) }
    /// The low 64 bits of the event's fingerprint (`Event.fingerprint`).
    var fingerprint: UInt64 { word(16) }
    var time: Int64 { Int64(bitPattern: word(8) ^ (1 << 63)) }
    var kind: EventKind { EventKind(rawValue: bytes[userEnd + 1 + 32]) ?? .other }
    var sessionStart: Int64? {
        let v = Int64(bitPattern: word(33))
        return v == .min ? nil : v
    }
    var sessionStop: Int64? {
        let v = Int64(bitPattern: word(41))
        return v == .min ? nil : v
    }

    /// The user id, decoded (named records only).
    var user: String {
        precondition(!compact, "a compact session record has no user name")
        var out: [UInt8] = []
        var i = 0
        while i < userEnd {
            if bytes[i] == 0x01 {
                out.append(bytes[i + 1] - 1)
                i += 2
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether a named record read from outside (a nightly state) is laid out as `encode` or
    /// `FrozenSession.encode` writes it: escapes in the user that decode, three texts inside
    /// the record, and after them nothing but a frozen session's three counts. The other
    /// accessors trust the layout.
    var isWellFormed: Bool {
        guard !compact else { return true }
        var i = 0
        while i < userEnd {
            if bytes[i] == 0x01 {
                guard i + 1 < userEnd, bytes[i + 1] == 0x01 || bytes[i + 1] == 0x02 else { return false }
                i += 2
            } else {
                i += 1
            }
        }
        var at = userEnd + 1 + 49
        for _ in 0..<3 {
            guard at + 2 <= bytes.count else { return false }
            at += 2 + (Int(bytes[at]) << 8 | Int(bytes[at + 1]))
            guard at <= bytes.count else { return false }
        }
        return bytes.count - at == (sessionKey == SessionRecord.frozenKey ? 24 : 0)
    }

    /// Where the three texts end (named records only): a frozen session's counts follow.
    var textsEnd: Int {
        var i = userEnd + 1 + 49
        for _ in 0..<3 { i += 2 + (Int(bytes[i]) << 8 | Int(bytes[i + 1])) }
        return i
    }

    /// Platform, app version and session id (named records only).
    var texts: (String, String, String?) {
        precondition(!compact, "a compact session record has no texts")
        var i = userEnd + 1 + 49
        var out: [String] = []
        for _ in 0..<3 {
            let count = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            i += 2
            out.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[i..<i + count]), as: UTF8.self))
            i += count
        }
        return (out[0], out[1], out[2].isEmpty ? nil : out[2])
    }
}
