/// A finished session that the nightly state keeps whole in place of its events
/// (`docs/state.md` "Sessions and the horizon"): one session-log record under
/// `SessionRecord.frozenKey`, so it sorts first among its user's records and travels through
/// the same log, merge and shards as the events.
///
/// Layout: the user as `SessionRecord.encode` writes it; the 49 fixed bytes with session key
/// `frozenKey`, time = the start, the fingerprint word = a hash of the session id (two frozen
/// sessions of one user never share a start and an id, so neither is taken for a copy of
/// the other), position 0, kind 0, session start and stop = the span; the texts (platform,
/// app version, session id); then events, sign-ins and auth failures, 8 bytes big-endian each.
enum FrozenSession {
    static func encode(_ session: Session, into out: inout [UInt8]) {
        var user = session.user
        user.withUTF8 { SessionRecord.putUser(UnsafeRawBufferPointer($0), &out) }
        var id = session.id
        let idHash = id.withUTF8 { Hash64.hash(UnsafeRawBufferPointer($0), seed: 0xF0_2E) }
        putWord(SessionRecord.frozenKey, &out)
        putWord(UInt64(bitPattern: session.start) ^ (1 << 63), &out)
        putWord(idHash, &out)
        putWord(0, &out)
        out.append(0)
        putWord(UInt64(bitPattern: session.start), &out)
        putWord(UInt64(bitPattern: session.end), &out)
        SessionRecord.putText(session.platform, &out)
        SessionRecord.putText(session.appVersion, &out)
        SessionRecord.putText(session.id, &out)
        putWord(UInt64(session.events), &out)
        putWord(UInt64(session.signIns), &out)
        putWord(UInt64(session.authFailures), &out)
    }

    /// The compact form (`SessionRecord.compactCount` bytes, for a state without session
    /// rows): the user's hash, then the same fixed fields, with a hash of the span and its
    /// `ordinal` among the user's sessions of that span frozen together as the fingerprint
    /// word (no session id is kept to tell two such sessions apart); no texts, no counts.
    static func encodeCompact(user: UInt64, start: Int64, end: Int64, ordinal: Int, into out: inout [UInt8]) {
        let span = [UInt64(bitPattern: start), UInt64(bitPattern: end), UInt64(ordinal)]
        let spanHash = span.withUnsafeBytes { Hash64.hash($0, seed: 0xF0_2E) }
        putWord(user, &out)
        putWord(SessionRecord.frozenKey, &out)
        putWord(UInt64(bitPattern: start) ^ (1 << 63), &out)
        putWord(spanHash, &out)
        putWord(0, &out)
        out.append(0)
        putWord(UInt64(bitPattern: start), &out)
        putWord(UInt64(bitPattern: end), &out)
    }

    /// The span of a frozen record (counts only need it).
    static func span(_ r: SessionRecordView) -> (start: Int64, end: Int64) {
        (r.sessionStart ?? r.time, r.sessionStop ?? r.time)
    }

    /// The session of a frozen record, named `user` (named records only).
    static func decode(_ r: SessionRecordView, user: String) -> Session {
        let (platform, appVersion, id) = r.texts
        let (start, end) = span(r)
        var session = Session(user: user, id: id ?? "", start: start, end: end, platform: platform, appVersion: appVersion)
        let tail = r.textsEnd
        func count(_ k: Int) -> Int {
            Int(truncatingIfNeeded: UInt64(bigEndian: r.bytes.loadUnaligned(fromByteOffset: tail + 8 * k, as: UInt64.self)))
        }
        session.events = count(0)
        session.signIns = count(1)
        session.authFailures = count(2)
        return session
    }

    private static func putWord(_ value: UInt64, _ out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }
}
