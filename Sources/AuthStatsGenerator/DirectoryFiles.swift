import AuthStatsCore

/// The user directory of the generated pool, as `aws cognito-idp list-users` prints it and as
/// a user CSV export (`docs/inputs.md` "The user directory").
enum DirectoryFiles {
    static let pageSize = 60

    /// The attributes of a user, in list-users order.
    static func attributes(_ user: GeneratedUser) -> [(String, String)] {
        var out: [(String, String)] = [("sub", user.sub), ("email", user.email), ("email_verified", user.federated ? "false" : "true")]
        if user.number % 3 == 0 {
            out.append(("phone_number", "+3531555\(String(1000 + user.number % 9000))"))
            out.append(("phone_number_verified", "false"))
        }
        out.append(("custom:plan", user.plan))
        out.append(("locale", RecordDecoder.normalizeLocale(user.locale)))
        if user.federated {
            out.append(("identities", "[{\"userId\":\"\(user.providerID)\",\"providerName\":\"Google\",\"providerType\":\"Google\",\"issuer\":null,\"primary\":true,\"dateCreated\":1706745600123}]"))
        }
        return out
    }

    static func status(_ user: GeneratedUser) -> String {
        user.federated ? "EXTERNAL_PROVIDER" : user.number % 17 == 5 ? "UNCONFIRMED" : "CONFIRMED"
    }

    static func enabled(_ user: GeneratedUser) -> Bool { user.number % 23 != 7 }

    /// list-users pages, pretty-printed as the AWS CLI does, one after another.
    static func listUsers(_ users: [GeneratedUser]) -> String {
        var out = ""
        for start in stride(from: 0, to: max(users.count, 1), by: pageSize) {
            let page = users[start..<min(users.count, start + pageSize)]
            out += "{\n    \"Users\": ["
            out += page.map { user in
                var s = "\n        {\n            \"Username\": \(JSONText.quote(user.username)),\n            \"Attributes\": ["
                s += attributes(user).map { name, value in
                    "\n                {\n                    \"Name\": \(JSONText.quote(name)),\n                    \"Value\": \(JSONText.quote(value))\n                }"
                }.joined(separator: ",")
                s += "\n            ],\n            \"UserCreateDate\": 1706745600.123,\n            \"UserLastModifiedDate\": 1706745600.123,"
                s += "\n            \"Enabled\": \(enabled(user)),\n            \"UserStatus\": \"\(status(user))\"\n        }"
                return s
            }.joined(separator: ",")
            out += "\n    ]"
            if start + pageSize < users.count { out += ",\n    \"PaginationToken\": \"token-\(start + pageSize)\"" }
            out += "\n}\n"
        }
        return out
    }

    /// The user CSV: the import header's columns in use, plus `sub`, `UserStatus`, `Enabled`
    /// and `identities`; a comma inside a value written `\,`.
    static func csv(_ users: [GeneratedUser]) -> String {
        let columns = ["cognito:username", "sub", "email", "email_verified", "phone_number", "phone_number_verified",
                       "custom:plan", "locale", "identities", "UserStatus", "Enabled", "cognito:mfa_enabled"]
        var out = columns.joined(separator: ",") + "\n"
        for user in users {
            let values = Dictionary(uniqueKeysWithValues: attributes(user))
            let row = columns.map { column -> String in
                switch column {
                case "cognito:username": return user.username
                case "UserStatus": return status(user)
                case "Enabled": return enabled(user) ? "true" : "false"
                case "cognito:mfa_enabled": return "false"
                default: return (values[column] ?? "").replacingOccurrences(of: ",", with: "\\,")
                }
            }
            out += row.joined(separator: ",") + "\n"
        }
        return out
    }
}

import Foundation
