import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// Whether an `identities` value names a linked identity provider: Cognito writes each
    /// linked identity as an object with its `providerName`, so a value without that key names
    /// none (empty, `[]`, which counted as linked until 2026-12-05, and `null`, `{}` or other
    /// text, which did until a review later that day).
    static func linksIdentities(_ value: some Collection<UInt8>) -> Bool {
        // In place (`memchr` for its first letter, then `memcmp`): every listed user's value
        // is asked, a million of them in a run.
        let key: StaticString = "providerName"
        let length = key.utf8CodeUnitCount
        if let found = value.withContiguousStorageIfAvailable({ bytes -> Bool in
            guard let base = bytes.baseAddress, bytes.count >= length else { return false }
            var at = 0
            while at + length <= bytes.count, let hit = memchr(base + at, Int32(key.utf8Start.pointee), bytes.count - length + 1 - at) {
                let start = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                if memcmp(hit, key.utf8Start, length) == 0 { return true }
                at = start + 1
            }
            return false
        }) {
            return found
        }
        return linksIdentities(Array(value))
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
