/// What an event means for authentication analytics (`metrics.md` §2).
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

    /// The kind of a Pinpoint `event_type` (`metrics.md` §2, Pinpoint column).
    public static func pinpoint(eventType: String) -> EventKind {
        switch eventType {
        case "_userauth.sign_up": return .signUp
        case "_userauth.sign_in": return .signIn
        case "_userauth.auth_fail": return .authFailure
        case "_session.start", "_session.stop", "_session.pause", "_session.resume": return .session
        default:
            if eventType.hasPrefix("_monetization.") { return .app }
            if eventType.hasPrefix("_") { return .other }
            return .app
        }
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
}
