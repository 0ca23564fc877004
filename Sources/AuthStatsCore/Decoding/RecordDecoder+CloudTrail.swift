#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RecordDecoder {
    /// What a user-pool operation makes (`docs/metrics.md` "Kinds", CloudTrail column); which
    /// operations are which: `operation(_:)`.
    enum Operation {
        case authenticates, signUp, account, other
    }
    // The nine operations that carry `AnalyticsMetadata` (the only ones Cognito sent to
    // Pinpoint, `docs/metrics.md` "Pinpoint parity") are those that authenticate, `SignUp` and
    // the four account ones: the decoder tells them by the kind they make.

    /// The operation named by `name` (`eventName`'s bytes, unescaped, not empty): compared as
    /// bytes, with no `String` and no hash a record.
    static func operation(_ name: UnsafeRawBufferPointer) -> Operation {
        func named(_ literal: StaticString) -> Bool {
            name.count == literal.utf8CodeUnitCount && memcmp(name.baseAddress!, literal.utf8Start, name.count) == 0
        }
        if named("InitiateAuth") || named("AdminInitiateAuth") || named("RespondToAuthChallenge") || named("AdminRespondToAuthChallenge") {
            return .authenticates
        }
        if named("SignUp") { return .signUp }
        if named("ConfirmSignUp") || named("ForgotPassword") || named("ConfirmForgotPassword") || named("ResendConfirmationCode") {
            return .account
        }
        return .other
    }

    /// One CloudTrail record (`docs/inputs.md` "CloudTrail"): Cognito user-pool records become
    /// events; those of other AWS services are skipped (Insights events never come here:
    /// `decode` skips them).
    mutating func cloudTrail(_ f: Fields, into event: inout Event) -> Decoded {
        guard f.equals(.eventSource, "cognito-idp.amazonaws.com") else {
            if f[.eventSource].type != .string, let reason = f.needsText(.eventSource) { return .rejected(reason: reason) }
            return .skipped(.cloudTrail, reason: services.reason(f))
        }
        // The type compares inline: the reason is made only for a record that has one (a call
        // a record cost ~20 instructions, +0.3% on a trail-heavy set).
        if f[.eventTime].type != .string || f[.eventName].type != .string, let reason = f.needsText(.eventTime) ?? f.needsText(.eventName) {
            return .rejected(reason: reason)
        }
        let timeField = f[.eventTime]
        guard timeField.type == .string else {
            return .rejected(reason: "eventTime is not a string: \(timeField.describe(in: f.bytes))")
        }
        let timeBytes = UnsafeRawBufferPointer(rebasing: f.bytes[timeField.start..<timeField.end])
        guard !timeField.hasEscapes, let time = Timestamps.iso8601(timeBytes) else {
            return .rejected(reason: "eventTime is not an ISO 8601 time: " + JSONField.quoted(f.text(.eventTime) ?? ""))
        }
        guard let operation = f.withText(.eventName, Self.operation) else {
            return .rejected(reason: f[.eventName].type == .string ? "eventName is empty" : "eventName is not a string: \(f[.eventName].describe(in: f.bytes))")
        }
        // errorCode may be missing, "" or null: all three mean success; another type than text
        // is no answer (a number read as none made a failure a sign-in).
        if let reason = f.notText(.errorCode) ?? f.notText(.challengeName) { return .rejected(reason: reason) }
        let failed = f.isNonEmptyText(.errorCode)
        let kind: EventKind
        switch operation {
        case .authenticates: kind = failed ? .authFailure : (f.isNonEmptyText(.challengeName) ? .authStep : .signIn)
        case .signUp: kind = failed ? .account : .signUp
        case .account: kind = .account
        case .other: kind = .other
        }
        if let reason = f.notText(.trailSub) ?? f.notText(.responseUserSub) { return .rejected(reason: reason) }
        let user = f.nonEmptyShown(.trailSub) ?? f.nonEmptyShown(.responseUserSub)
        let (dimensions, hint) = f.dimensions(UInt8(ascii: "T"), Self.cloudTrailDimensionSlots) {
            var dimensions = DimensionValues()
            dimensions[.clientID] = f.shownText(.requestClientID) ?? f.shownText(.hostedUIClientID) ?? ""
            dimensions[.source] = EventSource.cloudtrail.name
            return dimensions
        }
        let fingerprint = Fingerprint.of(Self.cloudTrailTag, in: f, id: f.nonEmpty(.eventID)) {
            [f.text(.eventName) ?? "", String(time), user.flatMap { f.short($0)?.string } ?? "", f.text(.errorCode) ?? ""]
        }
        // The nine operations are exactly those that make a sign-in, failure, step, sign-up or
        // account event here: every `other` event is made by another operation (no lookup).
        let parity: ParityReason = !f.isNonEmptyText(.requestClientID) && f.has(.hostedUIClientID)
            ? .hostedUI : kind == .other ? .otherOperation : .received
        event = Event(
            time: time, source: .cloudtrail, kind: kind, ids: f.ids(user: user), fingerprint: fingerprint,
            dimensions: dimensions, profileHint: hint, parity: parity)
        return .event(.cloudTrail)
    }

    static let cloudTrailTag = Fingerprint.Builder(tag: "cloudtrail")

    /// The fields CloudTrail dimension values are made from (the key of a `ProfileCache`).
    static let cloudTrailDimensionSlots: [Slot] = [.requestClientID, .hostedUIClientID]
}

/// The reasons given to CloudTrail records of other services, by the bytes of their
/// `eventSource`: a trail holds a few services, most of its records may be theirs, and the
/// reason of each (`"a CloudTrail record of ec2.amazonaws.com"`) was a new `String` a record,
/// made, counted by its hash and freed (~14% of the instructions of a trail of half such
/// records). The last 8 services are kept; a decoder's own (a value: copies do not share it).
struct ServiceReasons: Sendable {
    private var entries: [(source: [UInt8], reason: String)] = []

    /// The reason of the record whose fields are `f`.
    mutating func reason(_ f: RecordDecoder.Fields) -> String {
        // The key: the field's bytes as written (a non-empty string), else none: every other
        // case (missing, empty, not a string) is "another service".
        let field = f[.eventSource]
        let key = field.type == .string ? UnsafeRawBufferPointer(rebasing: f.bytes[field.start..<field.end]) : UnsafeRawBufferPointer(start: nil, count: 0)
        // Compared by `memcmp` (a generic `elementsEqual` of an array and a buffer was a loop
        // of ~300 instructions a skipped record).
        let found = entries.withUnsafeBufferPointer { entries in
            entries.firstIndex { entry in
                entry.source.count == key.count
                    && (key.isEmpty || entry.source.withUnsafeBytes { memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 })
            }
        }
        if let found { return entries[found].reason }
        let source = f.text(.eventSource) ?? ""
        let reason =
            source.isEmpty ? "a CloudTrail record of another service"
            : Self.isServiceName(source) ? "a CloudTrail record of \(source)"
            : "a CloudTrail record of another service (its eventSource is no service name)"
        if entries.count == 8 { entries.removeFirst() }
        entries.append((Array(key), reason))
        return reason
    }

    /// Whether an `eventSource` reads as a service's host name (`ec2.amazonaws.com`): 1 to 100
    /// letters, digits, `.`, `-` and `_`, as every AWS service's is. Only such a value is named
    /// in a skip reason, which `summary.json` and the page show: the field is the log's, and
    /// written as it came (a review, 2026-12-07) it put an email address on the page without
    /// --share-user-data, 100 KB of one value into every report, and 20,000 distinct values
    /// as 20,000 reasons.
    static func isServiceName(_ source: String) -> Bool {
        let bytes = source.utf8
        return (1...100).contains(bytes.count)
            && bytes.allSatisfy { b in
                (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x2D || b == 0x5F
            }
    }
}
