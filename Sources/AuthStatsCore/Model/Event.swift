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
    public init(_ text: ShortText) { self = text.withUTF8(UserID.init(utf8:)) }

    /// The id of the user whose name's UTF-8 bytes are `bytes`.
    init(utf8 bytes: UnsafeRawBufferPointer) { hash = Hash64.hash(bytes) }

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
        var builder = Builder(tag: tag)
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
    /// The user id as written (for sessions and profiles), and the Pinpoint
    /// `session.session_id` when non-empty.
    private var ids: EventIDs
    /// Identity for dedup: equal fingerprints are the same delivery.
    public var fingerprint: Fingerprint
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

    /// As `init(time:…)`, with the ids as `ShortText`s and what a `ProfileCache` knew of its
    /// dimensions.
    init(
        time: Int64, source: EventSource, kind: EventKind, userText user: ShortText?, fingerprint: Fingerprint,
        sessionText sessionID: ShortText? = nil, sessionStart: Int64? = nil, sessionStop: Int64? = nil, dimensions: DimensionValues,
        profileHint: ProfileHint = .none, parity: ParityReason = .received
    ) {
        self.init(
            time: time, source: source, kind: kind, ids: EventIDs(user: user, session: sessionID), fingerprint: fingerprint,
            sessionStart: sessionStart, sessionStop: sessionStop, dimensions: dimensions, profileHint: profileHint,
            parity: parity)
    }

    /// As `init(time:…)`, with the ids as a decoder reads them (`RecordDecoder.Fields.ids`: no
    /// `String` made for them) and what a `ProfileCache` knew of its dimensions.
    init(
        time: Int64, source: EventSource, kind: EventKind, ids: EventIDs, fingerprint: Fingerprint,
        sessionStart: Int64? = nil, sessionStop: Int64? = nil, dimensions: DimensionValues,
        profileHint: ProfileHint = .none, parity: ParityReason = .received
    ) {
        self.time = time
        self.source = source
        self.kind = kind
        user = ids.withUser(UserID.init(utf8:))
        self.ids = ids
        self.fingerprint = fingerprint
        self.sessionStart = sessionStart
        self.sessionStop = sessionStop
        self.dimensions = dimensions
        self.profileHint = profileHint
        self.parity = parity
    }

    /// An event of no record, for a decoder to write over (`RecordDecoder.decode(…into:)`).
    static var blank: Event {
        Event(time: 0, source: .pinpoint, kind: .other, ids: EventIDs(user: nil, session: nil), fingerprint: Fingerprint(high: 0, low: 0), dimensions: DimensionValues())
    }

    /// Whether the event has a user id.
    var hasUser: Bool { ids.user != nil }

    /// Calls `body` with the user id's UTF-8 bytes; nil when there is no user.
    @inline(__always)
    func withUserText<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? { try ids.withUser(body) }

    /// Calls `body` with the Pinpoint session id's UTF-8 bytes; nil when there is none.
    @inline(__always)
    func withSessionText<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? { try ids.withSession(body) }

    /// The user id as written; nil when there is no user.
    var userText: ShortText? {
        get { withUserText { ShortText(utf8: $0) } }
        set { ids = EventIDs(user: newValue, session: sessionText) }
    }

    /// Pinpoint `session.session_id`, when non-empty.
    var sessionText: ShortText? {
        get { withSessionText { ShortText(utf8: $0) } }
        set { ids = EventIDs(user: userText, session: newValue) }
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

/// An event's user and session ids as written: in place (`InlineText`), with the rare ones
/// longer than `InlineText.capacity` bytes in a box beside (user subs and client ids are 36
/// bytes). The box is nil nearly always, and never changed in place: copies share it.
struct EventIDs: Sendable {
    let user: InlineText?
    let session: InlineText?
    let long: LongIDs?

    /// The ids in place; `whole` gives them whole, asked only when one is longer than in place.
    init(user: InlineText?, session: InlineText?, whole: () -> (user: ShortText?, session: ShortText?)) {
        self.user = user
        self.session = session
        long = user?.isLong == true || session?.isLong == true ? LongIDs(whole()) : nil
    }

    init(user: ShortText?, session: ShortText?) {
        self.init(user: user.map(InlineText.init), session: session.map(InlineText.init)) { (user, session) }
    }

    @inline(__always)
    func withUser<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard let user else { return nil }
        if !user.isLong { return try user.withUTF8(body) }
        return try long!.user!.withUTF8(body)
    }

    @inline(__always)
    func withSession<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard let session else { return nil }
        if !session.isLong { return try session.withUTF8(body) }
        return try long!.session!.withUTF8(body)
    }
}

/// The ids of an event that do not fit in place (`EventIDs`).
final class LongIDs: Sendable {
    let user: ShortText?
    let session: ShortText?

    init(_ ids: (user: ShortText?, session: ShortText?)) {
        user = ids.user
        session = ids.session
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
