/// A user, identified by a 64-bit hash of its id so that per-user state stays compact.
///
/// The hash is a fixed function of the id's UTF-8 bytes (never Swift's seeded `Hasher`), so
/// the same id maps to the same `UserID` in every run and on every machine.
public struct UserID: Sendable, Hashable, Comparable {
    public var hash: UInt64

    public init(hash: UInt64) { self.hash = hash }

    /// The id of the user named by `string`.
    public init(_ string: String) { self.init(ShortText(string)) }

    /// The id of the user named by `text` (its UTF-8 bytes, hashed).
    public init(_ text: ShortText) { hash = text.withUTF8 { Hash64.hash($0) } }

    public static func < (lhs: UserID, rhs: UserID) -> Bool { lhs.hash < rhs.hash }
}

/// A 128-bit content fingerprint used to recognise duplicate deliveries (`docs/metrics.md`
/// "Duplicates").
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
        var builder = Builder()
        for field in fields { builder.add(field) }
        self = builder.fingerprint
    }

    /// The fingerprint of a record of export `tag`: by its `id` when it has one, else by
    /// `fields` (made only then). Equal to `init(fields: [tag, id])` or `[tag] + fields`,
    /// without building that array for every record.
    public static func of(_ tag: String, id: ShortText?, otherwise fields: () -> [String]) -> Fingerprint {
        of(Builder(tag: tag), id: id, otherwise: fields)
    }

    /// As `of(_:id:otherwise:)`, from a builder that has taken in the tag (`Builder(tag:)`,
    /// made once: the decoders keep one per export).
    static func of(_ tagged: Builder, id: ShortText?, otherwise fields: () -> [String]) -> Fingerprint {
        var builder = tagged
        if let id {
            builder.add(id)
        } else {
            for field in fields() { builder.add(field) }
        }
        return builder.fingerprint
    }

    /// Builds a fingerprint field by field, without joining them: two 64-bit states, each
    /// 16 bytes folded in with one 64×64→128-bit multiply (the wyhash step, the previous state
    /// kept in), the two crossing the words differently; murmur3's final mix at the end.
    public struct Builder: Sendable {
        private var a: UInt64 = 0x5157_4E41_4C59_5449
        private var b: UInt64 = 0x0A17_C0DE_D00D_F00D

        public init() {}

        /// A builder that has taken in `tag`.
        public init(tag: String) { add(tag) }

        @inline(__always)
        private mutating func mix(_ w0: UInt64, _ w1: UInt64) {
            a = Hash64.step(a, w0, w1)
            b ^= Hash64.mum(b ^ w1 ^ 0x8EBC_6AF0_9C88_C6E3, w0 ^ 0x5899_65CC_7537_4CC3)
        }

        public mutating func add(_ bytes: UnsafeRawBufferPointer) {
            mix(UInt64(bytes.count) | 0xF1E1_D000_0000_0000, 0x1D8E_4E27_C47D_124F)
            Hash64.forEachPair(bytes) { mix($0, $1) }
        }

        public mutating func add(_ text: String) {
            var copy = text
            copy.withUTF8 { add(UnsafeRawBufferPointer($0)) }
        }

        /// Adds the text's bytes; nil adds the same as an empty text.
        @inline(__always)
        public mutating func add(_ text: ShortText?) {
            guard let text else { return add(UnsafeRawBufferPointer(start: nil, count: 0)) }
            text.withUTF8 { add($0) }
        }

        public mutating func add(_ value: Int64) {
            mix(0xF1E1_D100_0000_0000, UInt64(bitPattern: value))
        }

        public var fingerprint: Fingerprint { Fingerprint(high: Hash64.finalMix(a), low: Hash64.finalMix(b ^ a)) }
    }
}

/// One normalized event (`docs/metrics.md` "Events"): what every record of every source becomes.
public struct Event: Sendable {
    /// Instant of the event, epoch milliseconds.
    public var time: Int64
    public var source: EventSource
    public var kind: EventKind
    public var user: UserID?
    /// The user id as written (for sessions); nil when there is no user.
    var userText: ShortText?
    /// Identity for dedup: equal fingerprints are the same delivery.
    public var fingerprint: Fingerprint
    /// Pinpoint `session.session_id`, when non-empty.
    var sessionText: ShortText?
    /// Pinpoint `session.start_timestamp` / `stop_timestamp`: they widen the session.
    public var sessionStart: Int64?
    public var sessionStop: Int64?
    public var dimensions: DimensionValues
    /// Why Pinpoint would not have received this event, as far as the record tells
    /// (`--pinpoint-parity`; `docs/metrics.md` "Pinpoint parity").
    public var parity = ParityReason.received
    /// Decoded with a `ProfileCache`: the profile id when the cache knew the dimension fields
    /// (`dimensions` are then not made), or that the cache waits for it.
    var profileHint = ProfileHint.none

    public init(
        time: Int64, source: EventSource, kind: EventKind, user userName: String?,
        fingerprint: Fingerprint, sessionID: String? = nil, sessionStart: Int64? = nil, sessionStop: Int64? = nil,
        dimensions: DimensionValues
    ) {
        self.init(
            time: time, source: source, kind: kind, userText: userName.map { ShortText($0) }, fingerprint: fingerprint,
            sessionText: sessionID.map { ShortText($0) }, sessionStart: sessionStart, sessionStop: sessionStop,
            dimensions: dimensions)
    }

    /// As `init(time:…)`, with the ids as read from a record (no `String` made for them) and
    /// what a `ProfileCache` knew of its dimensions.
    init(
        time: Int64, source: EventSource, kind: EventKind, userText user: ShortText?, fingerprint: Fingerprint,
        sessionText sessionID: ShortText? = nil, sessionStart: Int64? = nil, sessionStop: Int64? = nil, dimensions: DimensionValues,
        profileHint: ProfileHint = .none, parity: ParityReason = .received
    ) {
        self.time = time
        self.source = source
        self.kind = kind
        self.user = user.map(UserID.init)
        userText = user
        self.fingerprint = fingerprint
        sessionText = sessionID
        self.sessionStart = sessionStart
        self.sessionStop = sessionStop
        self.dimensions = dimensions
        self.profileHint = profileHint
        self.parity = parity
    }

    /// The user id as written (for session detail); nil when there is no user.
    public var userName: String? {
        get { userText?.string }
        set { userText = newValue.map { ShortText($0) } }
    }

    /// Pinpoint `session.session_id`, when non-empty.
    public var sessionID: String? {
        get { sessionText?.string }
        set { sessionText = newValue.map { ShortText($0) } }
    }
}

/// Why Pinpoint analytics would not have received an event (`docs/metrics.md` "Pinpoint parity").
public enum ParityReason: UInt8, Sendable, CaseIterable, Comparable {
    /// It would have (or, a Pinpoint record, it did).
    case received
    /// A user signed in through a federated identity provider: Cognito sent analytics for
    /// local users only.
    case federatedUser
    /// Through the hosted UI, which never sent analytics.
    case hostedUI
    /// Not one of the nine operations that carry `AnalyticsMetadata`.
    case otherOperation
    /// With `--clients`: an app client without analytics, or in a region where there were none.
    case clientWithoutAnalytics

    /// The reason as `summary.json` names it.
    public var name: String {
        switch self {
        case .received: return "received"
        case .federatedUser: return "federated user"
        case .hostedUI: return "hosted UI"
        case .otherOperation: return "not one of the nine operations"
        case .clientWithoutAnalytics: return "app client without analytics"
        }
    }

    public static func < (a: ParityReason, b: ParityReason) -> Bool { a.rawValue < b.rawValue }
}
