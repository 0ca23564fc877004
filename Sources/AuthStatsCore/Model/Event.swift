/// A user, identified by a 64-bit hash of its id so that per-user state stays compact.
///
/// The hash is a fixed function of the id's UTF-8 bytes (never Swift's seeded `Hasher`), so
/// the same id maps to the same `UserID` in every run and on every machine.
public struct UserID: Sendable, Hashable, Comparable {
    public var hash: UInt64

    public init(hash: UInt64) { self.hash = hash }

    /// The id of the user named by `string`.
    public init(_ string: String) {
        var copy = string
        hash = copy.withUTF8 { Hash64.hash(UnsafeRawBufferPointer($0)) }
    }

    public static func < (lhs: UserID, rhs: UserID) -> Bool { lhs.hash < rhs.hash }
}

/// A 128-bit content fingerprint used to recognise duplicate deliveries (`metrics.md` §3).
public struct Fingerprint: Sendable, Hashable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The fingerprint of a list of fields; each field's length is part of it, so
    /// `("ab","c")` and `("a","bc")` differ.
    public init(fields: [String]) {
        var bytes: [UInt8] = []
        for field in fields {
            let utf8 = Array(field.utf8)
            withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: utf8)
        }
        let (h, l) = bytes.withUnsafeBytes { raw in
            (Hash64.hash(raw, seed: 0x5157_4E41_4C59_5449), Hash64.hash(raw, seed: 0x0A17_C0DE_D00D_F00D))
        }
        high = h
        low = l
    }
}

/// One normalized event (`metrics.md` §1): what every record of every source becomes.
public struct Event: Sendable {
    /// Instant of the event, epoch milliseconds.
    public var time: Int64
    public var source: EventSource
    public var kind: EventKind
    public var user: UserID?
    /// The user id as written (for session detail); nil when there is no user.
    public var userName: String?
    /// Identity for dedup: equal fingerprints are the same delivery.
    public var fingerprint: Fingerprint
    /// Pinpoint `session.session_id`, when non-empty.
    public var sessionID: String?
    /// Pinpoint `session.start_timestamp` / `stop_timestamp`: they widen the session.
    public var sessionStart: Int64?
    public var sessionStop: Int64?
    public var dimensions: DimensionValues

    public init(
        time: Int64, source: EventSource, kind: EventKind, user userName: String?,
        fingerprint: Fingerprint, sessionID: String? = nil, sessionStart: Int64? = nil, sessionStop: Int64? = nil,
        dimensions: DimensionValues
    ) {
        self.time = time
        self.source = source
        self.kind = kind
        self.user = userName.map(UserID.init)
        self.userName = userName
        self.fingerprint = fingerprint
        self.sessionID = sessionID
        self.sessionStart = sessionStart
        self.sessionStop = sessionStop
        self.dimensions = dimensions
    }
}
