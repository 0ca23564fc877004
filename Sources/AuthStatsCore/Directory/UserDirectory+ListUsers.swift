import Foundation

extension UserDirectory {
    /// `aws cognito-idp list-users` output: `{"Users":[…]}` pages, one or several back to back.
    ///
    /// Read user by user (`ListUsersWalk`), so that a file cut short, or damaged in the middle,
    /// keeps every user before the damage; the damage is reported with its byte position.
    mutating func loadListUsers(_ data: [UInt8], name: String) throws -> [String] {
        var walk = ListUsersWalk(data)
        var problems: [String] = []
        var pagesRead = 0
        while let event = walk.next() {
            switch event {
            case .page(let page, let hasUsers):
                if hasUsers {
                    pagesRead += 1
                } else {
                    problems.append("\(name): page \(page): not a list-users page (no \"Users\" array); skipped")
                }
            case .user(let page, let position, let bytes):
                let place = "\(name): page \(page), user \(position)"
                guard let entry = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                    problems.append("\(place): not an object; skipped")
                    continue
                }
                switch Self.user(fromListUsers: entry) {
                case .success(let user): add(user)
                case .failure(let failure): problems.append("\(place): \(failure.description); skipped")
                }
            case .damage(let page, let users, let offset, let reason):
                problems.append(
                    "\(name): page \(page): \(reason) at byte \(offset); the rest of the file is not read "
                        + "(\(users) user\(users == 1 ? "" : "s") of this page before it kept)")
            }
        }
        if pagesRead == 0 {
            throw Failure(description: "Unable to read the user directory \(name): no list-users page (`{\"Users\": [...]}`) in it")
        }
        return problems
    }

    /// One `UserType` of list-users.
    static func user(fromListUsers entry: [String: Any]) -> Result<DirectoryUser, Failure> {
        guard let attributes = entry["Attributes"] as? [Any] else {
            return .failure(Failure(description: "no Attributes list"))
        }
        var values: [String: String] = [:]
        for attribute in attributes {
            guard let pair = attribute as? [String: Any], let name = pair["Name"] as? String else {
                return .failure(Failure(description: "an attribute without a Name"))
            }
            values[name] = pair["Value"] as? String ?? ""
        }
        guard let sub = values["sub"], !sub.isEmpty else {
            return .failure(Failure(description: "no sub attribute"))
        }
        return .success(
            DirectoryUser(
                sub: sub, username: entry["Username"] as? String, status: entry["UserStatus"] as? String,
                enabled: entry["Enabled"] as? Bool, attributes: values))
    }
}

/// Walks list-users pages user by user: each element of a page's `Users` array is handed out
/// as its bytes (validated by `JSONScanner`) as soon as it is complete, so that damage, or the
/// end of a file cut short, loses only what follows it.
struct ListUsersWalk {
    enum Event {
        /// A page began (1-based); whether it has a `Users` array is known at its end.
        case page(Int, hasUsers: Bool)
        /// One element of the page's `Users` array, 1-based, whole.
        case user(page: Int, position: Int, bytes: ArraySlice<UInt8>)
        /// The walk stops: `reason` at byte `offset` (0-based), after `users` users of `page`.
        case damage(page: Int, users: Int, offset: Int, reason: String)
    }

    let data: [UInt8]
    private var index = 0
    private var scanner = JSONScanner(schema: FieldSchema([]))
    /// The events of the page read last, and how many of them were handed out.
    private var pending: [Event] = []
    private var taken = 0
    private var stopped = false
    private var pages = 0

    init(_ data: [UInt8]) { self.data = data }

    mutating func next() -> Event? {
        if taken == pending.count {
            // A page's events are handed out by position: `removeFirst` would make a page of
            // a million users quadratic.
            pending.removeAll(keepingCapacity: true)
            taken = 0
            if !stopped { readPage() }
            if pending.isEmpty { return nil }
        }
        taken += 1
        return pending[taken - 1]
    }

    /// Reads the next page into `pending`, or stops at the end of the data or at damage.
    private mutating func readPage() {
        skipSpace()
        guard index < data.count else { return stopped = true }
        pages += 1
        var users = 0
        var hasUsers = false
        func stop(_ reason: String, at offset: Int) {
            // A page cut inside its Users array is still a list-users page.
            if hasUsers { pending.insert(.page(pages, hasUsers: true), at: 0) }
            pending.append(.damage(page: pages, users: users, offset: offset, reason: reason))
            stopped = true
        }
        guard data[index] == UInt8(ascii: "{") else {
            return stop("not a list-users page (\(Self.describe(data[index])) where a page starts)", at: index)
        }
        index += 1
        var first = true
        while true {
            // `{`, then key-value pairs separated by commas, then `}`.
            skipSpace()
            guard index < data.count else { return stop("the file ends inside the page", at: data.count) }
            if data[index] == UInt8(ascii: "}") && first { break }
            if !first {
                if data[index] == UInt8(ascii: "}") { break }
                guard data[index] == UInt8(ascii: ",") else {
                    return stop("expected ',' or '}' in the page, found \(Self.describe(data[index]))", at: index)
                }
                index += 1
                skipSpace()
                guard index < data.count else { return stop("the file ends inside the page", at: data.count) }
            }
            first = false
            guard data[index] == UInt8(ascii: "\"") else {
                return stop("expected a key, found \(Self.describe(data[index]))", at: index)
            }
            let keyStart = index
            let keyEnd: Int
            switch value("a key") {
            case .success(let end): keyEnd = end
            case .failure(let damage): return stop(damage.reason, at: damage.offset)
            }
            skipSpace()
            guard index < data.count else { return stop("the file ends inside the page", at: data.count) }
            guard data[index] == UInt8(ascii: ":") else {
                return stop("expected ':' after a key, found \(Self.describe(data[index]))", at: index)
            }
            index += 1
            skipSpace()
            let isUsers = data[keyStart..<keyEnd].elementsEqual(#""Users""#.utf8)
            guard isUsers, index < data.count, data[index] == UInt8(ascii: "[") else {
                if case .failure(let damage) = value("a value") { return stop(damage.reason, at: damage.offset) }
                continue
            }
            hasUsers = true
            index += 1
            while true {
                // `[`, then users separated by commas, then `]`.
                skipSpace()
                guard index < data.count else { return stop("the file ends inside the Users array", at: data.count) }
                if data[index] == UInt8(ascii: "]") {
                    index += 1
                    break
                }
                if users > 0 {
                    guard data[index] == UInt8(ascii: ",") else {
                        return stop("expected ',' or ']' after user \(users), found \(Self.describe(data[index]))", at: index)
                    }
                    index += 1
                    skipSpace()
                }
                let start = index
                let end: Int
                switch value("user \(users + 1)") {
                case .success(let userEnd): end = userEnd
                case .failure(let damage): return stop(damage.reason, at: damage.offset)
                }
                users += 1
                pending.append(.user(page: pages, position: users, bytes: data[start..<end]))
            }
        }
        index += 1  // the page's `}`
        // The page event goes before its users.
        pending.insert(.page(pages, hasUsers: hasUsers), at: 0)
    }

    struct Damage: Error {
        var reason: String
        var offset: Int
    }

    /// Scans one JSON value at `index` and moves past it; or says why it is not whole (the
    /// file ends inside it, or the scanner's reason).
    private mutating func value(_ what: String) -> Result<Int, Damage> {
        switch data.withUnsafeBytes({ scanner.scan($0, from: index) }) {
        case .complete(let end):
            index = end
            return .success(end)
        case .invalid(let offset, let reason):
            return .failure(Damage(reason: "invalid JSON in \(what): \(reason)", offset: offset))
        case .incomplete:
            return .failure(Damage(reason: "the file ends inside \(what)", offset: data.count))
        }
    }

    /// Skips JSON whitespace and a UTF-8 byte order mark.
    private mutating func skipSpace() {
        while index < data.count {
            switch data[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            case 0xEF where data[index...].starts(with: [0xEF, 0xBB, 0xBF]): index += 3
            default: return
            }
        }
    }

    static func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }
}
