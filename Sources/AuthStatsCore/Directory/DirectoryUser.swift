import Foundation

/// One user of a Cognito user pool, from a user directory (`docs/inputs.md` "The user
/// directory").
public struct DirectoryUser: Sendable, Equatable {
    /// The user's `sub`: what events name the user by.
    public var sub: String
    public var username: String?
    /// `UserStatus`: `CONFIRMED`, `EXTERNAL_PROVIDER`, `UNCONFIRMED`, …
    public var status: String?
    public var enabled: Bool?
    /// Every attribute under its Cognito name (`email`, `email_verified`, `custom:plan`,
    /// `identities`, …), `sub` included; values as written (strings).
    public var attributes: [String: String]

    public init(sub: String, username: String? = nil, status: String? = nil, enabled: Bool? = nil, attributes: [String: String] = [:]) {
        self.sub = sub
        self.username = username
        self.status = status
        self.enabled = enabled
        self.attributes = attributes
    }

    /// Federated when the user has linked identities or signed in through an external
    /// provider (`docs/metrics.md` "Dimensions").
    public var isFederated: Bool {
        status == "EXTERNAL_PROVIDER" || Self.linksIdentities((attributes["identities"] ?? "").utf8)
    }

    /// Whether an `identities` value names a linked identity: anything but white space and
    /// the brackets of an empty JSON array (`[]`, as a directory export may write for none,
    /// counted as linked until 2026-12-05).
    static func linksIdentities(_ value: some Collection<UInt8>) -> Bool {
        value.contains { $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: "]") && $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
    }

    /// The providers of the linked identities (`identities` is a JSON array inside a string):
    /// `["Google"]`; empty when there are none or the value is not such an array.
    public var identityProviders: [String] {
        guard let text = attributes["identities"], let data = text.data(using: .utf8),
            let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else { return [] }
        return list.compactMap { $0["providerName"] as? String }
    }

    /// `federated` or `local`, the `user_type` dimension.
    public var userType: String { isFederated ? "federated" : "local" }
}
