extension UserDirectory {
    /// Columns of the user CSV that are not attributes.
    static let usernameColumns: Set<String> = ["cognito:username", "Username", "username"]
    static let statusColumns: Set<String> = ["UserStatus", "cognito:user_status", "status"]
    static let enabledColumns: Set<String> = ["Enabled", "enabled"]

    /// The Cognito user CSV (`docs/inputs.md` "The user directory"): a header of attribute
    /// names, `\,` for a comma inside a value (double-quoted fields are read too). It must have
    /// a `sub` column, since events name users by their `sub`.
    mutating func loadCSV(_ text: String, name: String) throws -> [String] {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let headerLine = lines.first else {
            throw Failure(description: "Unable to read the user directory \(name): the file is empty")
        }
        let header = Self.fields(String(headerLine).replacingOccurrences(of: "\u{FEFF}", with: ""))
        guard header.contains("cognito:username") || header.contains("sub") else {
            throw Failure(description: "Unable to read the user directory \(name): neither list-users JSON nor a Cognito user CSV (its header has no cognito:username or sub column)")
        }
        guard let subColumn = header.firstIndex(of: "sub") else {
            throw Failure(description: "Unable to read the user directory \(name): the CSV has no sub column, so its users cannot be matched to events; export the sub of each user")
        }
        var problems: [String] = []
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let place = "\(name): line \(index + 1)"
            let values = Self.fields(String(line))
            guard values.count == header.count else {
                problems.append("\(place): \(values.count) fields, the header has \(header.count); skipped")
                continue
            }
            let sub = values[subColumn]
            guard !sub.isEmpty else {
                problems.append("\(place): no sub; skipped")
                continue
            }
            var user = DirectoryUser(sub: sub)
            for (column, value) in zip(header, values) where !value.isEmpty {
                if Self.usernameColumns.contains(column) {
                    user.username = value
                } else if Self.statusColumns.contains(column) {
                    user.status = value
                } else if Self.enabledColumns.contains(column) {
                    user.enabled = value.lowercased() == "true"
                } else {
                    user.attributes[column] = value
                }
            }
            add(user)
        }
        return problems
    }

    /// Splits one CSV line: `\,` is a comma inside a value; `"…"` quotes, with `""` for `"`.
    static func fields(_ line: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        var chars = Array(line)
        if chars.last == "\r" { chars.removeLast() }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" {
                        current.append("\"")
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\\" && i + 1 < chars.count && chars[i + 1] == "," {
                current.append(",")
                i += 1
            } else if c == "," {
                out.append(current)
                current = ""
            } else if c == "\"" && current.isEmpty {
                quoted = true
            } else {
                current.append(c)
            }
            i += 1
        }
        out.append(current)
        return out
    }
}
