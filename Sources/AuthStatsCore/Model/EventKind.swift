/// What an event means for authentication analytics (`docs/metrics.md` "Kinds").
public enum EventKind: UInt8, Sendable, CaseIterable, Hashable {
    case signUp
    case signIn
    case authFailure
    case authStep
    case session
    case app
    case account
    case other

    /// Activity events make a user *active*: sign-ups, sign-ins, session and app events.
    @inlinable
    public var isActivity: Bool {
        switch self {
        case .signUp, .signIn, .session, .app: return true
        case .authFailure, .authStep, .account, .other: return false
        }
    }

    /// Sign-ups, sign-ins and failures: what `--auth-source` chooses the exports of.
    @inlinable
    public var isAuthentication: Bool { self == .signUp || self == .signIn || self == .authFailure }

    /// The kind of a Pinpoint `event_type` (`docs/metrics.md` "Kinds", Pinpoint column).
    public static func pinpoint(eventType: String) -> EventKind {
        var copy = eventType
        return copy.withUTF8 { pinpoint(eventType: UnsafeRawBufferPointer($0)) }
    }

    /// As `pinpoint(eventType:)`, from the type's UTF-8 bytes (no `String` made per record).
    public static func pinpoint(eventType bytes: UnsafeRawBufferPointer) -> EventKind {
        func equals(_ literal: StaticString) -> Bool {
            bytes.count == literal.utf8CodeUnitCount
                && (bytes.count == 0 || memcmp(bytes.baseAddress!, literal.utf8Start, bytes.count) == 0)
        }
        func hasPrefix(_ literal: StaticString) -> Bool {
            bytes.count >= literal.utf8CodeUnitCount && memcmp(bytes.baseAddress!, literal.utf8Start, literal.utf8CodeUnitCount) == 0
        }
        guard bytes.first == UInt8(ascii: "_") else { return .app }
        if equals("_userauth.sign_up") { return .signUp }
        if equals("_userauth.sign_in") { return .signIn }
        if equals("_userauth.auth_fail") { return .authFailure }
        if equals("_session.start") || equals("_session.stop") || equals("_session.pause") || equals("_session.resume") {
            return .session
        }
        if hasPrefix("_monetization.") { return .app }
        return .other
    }
}

/// Which export a record came from.
public enum EventSource: UInt8, Sendable, CaseIterable, Hashable {
    case pinpoint
    case cognitoActivity
    case cloudtrail

    /// The name used in reports (`source` dimension, `summary.json` formats).
    public var name: String {
        switch self {
        case .pinpoint: return "pinpoint"
        case .cognitoActivity: return "cognito-activity"
        case .cloudtrail: return "cloudtrail"
        }
    }

    /// The field an event's time comes from, for messages.
    public var timeField: String {
        switch self {
        case .pinpoint: return "event_timestamp"
        case .cognitoActivity: return "eventTimestamp"
        case .cloudtrail: return "eventTime"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
