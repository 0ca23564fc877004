import Foundation

/// The users of a Cognito user pool, read from `aws cognito-idp list-users` output or the
/// user CSV export (`--users`). It sets the `user_type` dimension of the users it lists; a
/// later stage uses the attributes for segments.
///
/// Memory: one entry per user with its attributes (a directory is a few hundred bytes a
/// user); events are matched by a 64-bit hash of the `sub`.
public struct UserDirectory: Sendable {
    public private(set) var users: [String: DirectoryUser] = [:]
    private var userTypes: [UInt64: String] = [:]

    public init() {}

    /// Adds (or replaces, by `sub`) one user.
    public mutating func add(_ user: DirectoryUser) {
        users[user.sub] = user
        userTypes[UserID(user.sub).hash] = user.userType
    }

    /// The `user_type` of a listed user.
    public func userType(of user: UserID) -> String? { userTypes[user.hash] }

    public var count: Int { users.count }

    /// A directory file that could not be read at all.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Reads one directory file's content; malformed entries are skipped and described in
    /// the returned problems (`<name>: page 2, user 5: no sub attribute; skipped`).
    /// - Throws: `Failure` when the content is neither list-users JSON nor a user CSV.
    public mutating func load(_ data: [UInt8], name: String) throws -> [String] {
        let first = data.first { ![0x20, 0x0A, 0x0D, 0x09, 0xEF, 0xBB, 0xBF].contains($0) }
        if first == UInt8(ascii: "{") {
            return try loadListUsers(data, name: name)
        }
        return try loadCSV(String(decoding: data, as: UTF8.self), name: name)
    }
}
