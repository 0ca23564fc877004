#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension UserDirectory {
    /// `aws cognito-idp list-users` output: `{"Users":[…]}` pages, one or several back to back.
    ///
    /// Walked user by user (`ListUsersWalk`), so that a file cut short, or damaged in the
    /// middle, keeps every user before the damage; the damage is reported with its byte
    /// position. The walk validates each user's JSON on this thread (`JSONScanner`) and copies
    /// the users into blocks of `blockBytes` or more; `loadThreads` threads read the blocks'
    /// users at once (`ListUsersLayout.parse`: `ListUsersEntry` reads a user's bytes straight
    /// into a `DirectoryEntry`, with no `JSONSerialization` and no `String` per user), and the
    /// blocks are added in the file's order (`inOrder`): the same users, records and problems
    /// as one thread gives. A page without users, or damage, ends its block, so that its
    /// problem is said after those of the users before it.
    mutating func loadListUsers(_ input: DirectoryInput, name: String, blockBytes: Int) throws -> [String] {
        var walk = ListUsersWalk(input)
        var problems: [String] = []
        var pagesRead = 0
        let buffers = ReusedBytes.Pool()
        let layout = ListUsersLayout(name: name, keepsUsers: keepsUsers, buffers: buffers)
        let mayContinue = listingMayContinue
        /// The next users, up to a page without users or damage (said after them).
        /// (Once the walk is done, or stopped at damage, `next()` gives nil again: no block.)
        func nextBlock() -> ListUsersBlock? {
            var block = ListUsersBlock(bytes: buffers.take())
            while block.bytes.bytes.count < blockBytes, let event = walk.next() {
                switch event {
                case .page(let page, let hasUsers):
                    if hasUsers {
                        pagesRead += 1
                        continue
                    }
                    block.note = "\(name): page \(page): not a list-users page (no \"Users\" array); skipped"
                    return block
                case .user(let page, let position, let range):
                    walk.withBytes(range) { block.bytes.bytes.append(contentsOf: $0) }
                    block.users.append((page, position, block.bytes.bytes.count))
                case .damage(let page, let users, let offset, let reason):
                    block.note =
                        "\(name): page \(page): \(reason) at byte \(offset); the rest of the file is not read "
                        + "(\(users) user\(users == 1 ? "" : "s") of this page before it kept)"
                    block.stops = true
                    return block
                case .goesOn(let page):
                    // A listing stopped at one page (`--max-items`, a loop that gave up): its
                    // users are kept, and it is read in part (it looked whole until 2026-12-07).
                    // Unless another `--users` file follows: pages saved a file each go on there.
                    if mayContinue { continue }
                    block.note =
                        "\(name): page \(page), the file's last, ends with a pagination token: the listing goes on past this file "
                        + "(fetch every page: list-users without --max-items); the users it holds are kept"
                    block.stops = true
                    return block
                }
            }
            guard !block.users.isEmpty else {
                buffers.give(block.bytes)
                return nil
            }
            return block
        }
        inOrder(threads: loadThreads, next: nextBlock, work: { layout.parse($0) }) { block in
            take(block, after: 0, name: name, buffers: buffers, problems: &problems)
        }
        if pagesRead == 0 {
            throw Failure(description: "Unable to read the user directory \(name): no list-users page (`{\"Users\": [...]}`) in it")
        }
        return problems
    }
}

/// list-users users as `loadListUsers` copies them out of the walk: whole, validated JSON.
struct ListUsersBlock: Sendable {
    /// The users' JSON back to back (given back to the load's pool once read).
    var bytes: ReusedBytes
    /// Each user's page, place in its page (1-based) and end in `bytes`.
    var users: [(page: Int, position: Int, end: Int)] = []
    /// What ended the block: a page without users, or damage (said after the users' problems).
    var note: String?
    /// The note is damage: the file is not read on.
    var stops = false
}

/// How list-users users become entries, shared by the threads that read its blocks.
struct ListUsersLayout: Sendable {
    let name: String
    let keepsUsers: Bool
    /// Where blocks' and records' buffers come from and go back to.
    let buffers: ReusedBytes.Pool

    /// The users and problems of `block`, as `loadListUsers` took them one by one.
    func parse(_ block: ListUsersBlock) -> ParsedDirectoryBlock {
        defer { buffers.give(block.bytes) }
        return ParsedDirectoryBlock.filling(buffers) { parsed, records in read(block, into: &parsed, records: &records) }
    }

    private func read(_ block: ListUsersBlock, into parsed: inout ParsedDirectoryBlock, records: inout [UInt8]) {
        var entry = DirectoryEntry()
        var scratch: [UInt8] = []
        // Room for a user's unescaped strings (`UnescapeSpace`).
        var space: [UInt8] = []
        block.bytes.bytes.withUnsafeBytes { all in
            var start = 0
            for user in block.users {
                let bytes = UnsafeRawBufferPointer(rebasing: all[start..<user.end])
                start = user.end
                if space.count < bytes.count { space = [UInt8](repeating: 0, count: max(bytes.count, space.count * 2, 4096)) }
                // The entry points into the user's bytes and `space`: it is added inside both.
                let problem: String? = space.withUnsafeMutableBytes { room in
                    var unescaped = UnescapeSpace(room)
                    if let problem = ListUsersEntry.read(bytes, unescaped: &unescaped, into: &entry) { return problem }
                    parsed.append(entry, keepsUsers: keepsUsers, scratch: &scratch, records: &records)
                    return nil
                }
                if let problem {
                    parsed.messages.append("\(name): page \(user.page), user \(user.position): \(problem); skipped")
                    parsed.skipped += 1
                }
            }
        }
        if let note = block.note { parsed.messages.append(note) }
        parsed.stopped = block.stops
    }
}

/// Reads one `UserType` of list-users (an element of `Users`, already validated as JSON):
/// `Username`, `UserStatus`, `Enabled` and every `{"Name", "Value"}` of `Attributes`, as
/// `JSONSerialization` and `as?` casts read them before (of two equal keys the later counts;
/// a `Value` that is not a string is ""; `Enabled` is a boolean, or a number equal to 1 or 0).
enum ListUsersEntry {
    /// Fills `entry` (pointing into `bytes` and `unescaped`); or says why the user is skipped.
    static func read(_ bytes: UnsafeRawBufferPointer, unescaped: inout UnescapeSpace, into entry: inout DirectoryEntry) -> String? {
        entry.reset()
        var json = ValidJSON(bytes)
        json.skipSpace()
        guard json.peek == UInt8(ascii: "{") else { return "not an object" }
        // `Attributes` is read where it stands (it was passed over, then walked again: a tenth
        // of reading a user); a later `Attributes` replaces what an earlier one gave.
        var attributes = false
        var sub: UnsafeRawBufferPointer?
        var failure: String?
        var username: Range<Int>?
        var status: Range<Int>?
        var enabled: Bool?
        json.members { key, json in
            switch key {
            case .attributes:
                if attributes {
                    entry.reset()
                    sub = nil
                    failure = nil
                }
                attributes = json.peek == UInt8(ascii: "[")
                guard attributes else { return json.skipValue() }
                readAttributes(&json, unescaped: &unescaped, into: &entry, sub: &sub, failure: &failure)
            case .username: username = json.stringBody()
            case .status: status = json.stringBody()
            case .enabled: enabled = json.boolean()
            case .other, .name, .value: json.skipValue()
            }
        }
        guard attributes else { return "no Attributes list" }
        if let failure { return failure }
        guard let sub, !sub.isEmpty else { return "no sub attribute" }
        entry.sub = sub
        entry.username = username.map { json.string($0, &unescaped) }
        entry.status = status.map { json.string($0, &unescaped) }
        entry.enabled = enabled
        return nil
    }

    /// Adds the `{"Name", "Value"}` elements of the array at `json.index` to `entry` (passing
    /// over the array); `sub` is the last `sub`'s value, `failure` set by an element without a
    /// `Name` (the elements after it are passed over).
    private static func readAttributes(
        _ json: inout ValidJSON, unescaped: inout UnescapeSpace, into entry: inout DirectoryEntry, sub: inout UnsafeRawBufferPointer?,
        failure: inout String?
    ) {
        json.elements { json in
            guard failure == nil else { return json.skipValue() }
            guard json.peek == UInt8(ascii: "{") else {
                failure = "an attribute without a Name"
                return json.skipValue()
            }
            var name: Range<Int>?
            var value: Range<Int>?
            json.members { key, json in
                switch key {
                case .name: name = json.stringBody()
                case .value: value = json.stringBody()
                default: json.skipValue()
                }
            }
            guard let name else {
                failure = "an attribute without a Name"
                return
            }
            let nameBytes = json.string(name, &unescaped)
            let valueBytes = value.map { json.string($0, &unescaped) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
            // Empty values are not kept, as the CSV's are not (an empty custom:plan was a
            // breakdown value "" here and (unknown) from the CSV, a review found).
            if !valueBytes.isEmpty { entry.addAttribute(name: nameBytes, value: valueBytes) }
            if DirectoryEntry.equals(nameBytes, "sub") { sub = valueBytes }
        }
    }
}

/// Room for the unescaped strings of one user, handed out front to back: escapes only ever
/// shorten a string (`\n` is 1 byte, `\u00e9` 2, a surrogate pair 4), so a room the size of
/// the user's JSON always suffices, and what was handed out stays where it is.
struct UnescapeSpace {
    let room: UnsafeMutableRawBufferPointer
    private var used = 0

    init(_ room: UnsafeMutableRawBufferPointer) { self.room = room }

    /// The string body `raw` (escapes as written) unescaped, in the room.
    mutating func unescape(_ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let bytes = JSONField.unescape(raw)
        precondition(used + bytes.count <= room.count, "an unescaped string longer than its JSON")
        let start = room.baseAddress! + used
        bytes.withUnsafeBytes { start.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        used += bytes.count
        return UnsafeRawBufferPointer(start: start, count: bytes.count)
    }
}

/// A cursor over JSON that is known to be valid (the walk's `JSONScanner` checked it): it
/// only finds where things are. White space and strings are passed over 8 bytes at a time
/// (list-users output is indented, and mostly strings).
struct ValidJSON {
    /// The keys `ListUsersEntry` looks for.
    enum Key { case attributes, username, status, enabled, name, value, other }

    let bytes: UnsafeRawBufferPointer
    let base: UnsafeRawPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        // A user's JSON is never empty (the scanner found a value), but a pointer is needed.
        base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
    }

    var peek: UInt8? { index < bytes.count ? base.load(fromByteOffset: index, as: UInt8.self) : nil }

    @inline(__always)
    func byte(_ i: Int) -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }

    @inline(__always)
    func word(_ i: Int) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) }

    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let high: UInt64 = 0x8080_8080_8080_8080

    /// The high bit of each byte of `word` that is zero (the lowest flagged byte is exact).
    @inline(__always)
    static func zeroBytes(_ word: UInt64) -> UInt64 { (word &- ones) & ~word & high }

    mutating func skipSpace() {
        while true {
            // Indentation: runs of spaces, 8 at a time.
            while index + 8 <= bytes.count {
                let spaces = Self.zeroBytes(word(index) ^ (Self.ones &* 0x20))
                // The lowest byte that is not a space ends the run.
                let notSpace = ~spaces & Self.high
                if notSpace == 0 {
                    index += 8
                    continue
                }
                index += notSpace.trailingZeroBitCount >> 3
                break
            }
            guard index < bytes.count else { return }
            switch byte(index) {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// For each member of the object at `index`: `body` with its key, `index` at its value
    /// (which `body` passes over). Ends past the object.
    mutating func members(_ body: (Key, inout ValidJSON) -> Void) {
        index += 1  // `{`
        while true {
            skipSpace()
            if byte(index) == UInt8(ascii: "}") { break }
            if byte(index) == UInt8(ascii: ",") {
                index += 1
                skipSpace()
            }
            let key = self.key(stringBody())
            skipSpace()
            index += 1  // `:`
            skipSpace()
            body(key, &self)
        }
        index += 1
    }

    /// For each element of the array at `index`: `body` with `index` at it (which `body`
    /// passes over). Ends past the array.
    mutating func elements(_ body: (inout ValidJSON) -> Void) {
        index += 1  // `[`
        while true {
            skipSpace()
            if byte(index) == UInt8(ascii: "]") { break }
            if byte(index) == UInt8(ascii: ",") {
                index += 1
                skipSpace()
            }
            body(&self)
        }
        index += 1
    }

    /// The body (between the quotes, escapes as written) of the string at `index`, passed
    /// over; nil (and the value passed over) when the value is not a string.
    mutating func stringBody() -> Range<Int>? {
        guard byte(index) == UInt8(ascii: "\"") else {
            skipValue()
            return nil
        }
        let start = index + 1
        index = start
        while true {
            // To the next quote or backslash, 8 bytes at a time.
            while index + 8 <= bytes.count {
                let w = word(index)
                let special = Self.zeroBytes(w ^ (Self.ones &* 0x22)) | Self.zeroBytes(w ^ (Self.ones &* 0x5C))
                if special != 0 {
                    index += special.trailingZeroBitCount >> 3
                    break
                }
                index += 8
            }
            let c = byte(index)
            if c == UInt8(ascii: "\"") { break }
            index += c == UInt8(ascii: "\\") ? 2 : 1
        }
        index += 1
        return start..<index - 1
    }

    /// A string's body with its escapes resolved: in place when it has none, else in `room`.
    func string(_ body: Range<Int>, _ room: inout UnescapeSpace) -> UnsafeRawBufferPointer {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[body])
        guard !raw.isEmpty, memchr(raw.baseAddress!, 0x5C, raw.count) != nil else { return raw }
        return room.unescape(raw)
    }

    /// `true`, `false`, or a number equal to 1 or 0 (what `as? Bool` takes); nil otherwise.
    /// The value is passed over.
    mutating func boolean() -> Bool? {
        let start = index
        skipValue()
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
        switch raw.first ?? 0 {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            switch Double(String(decoding: raw, as: UTF8.self)) {
            case 1: return true
            case 0: return false
            default: return nil
            }
        default: return nil
        }
    }

    /// Passes over the value at `index`.
    mutating func skipValue() {
        var depth = 0
        repeat {
            switch byte(index) {
            case UInt8(ascii: "\""):
                _ = stringBody()
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","), UInt8(ascii: ":"):
                break
            case 0x20, 0x0A, 0x0D, 0x09:
                skipSpace()
                continue
            default:
                // A number or a literal: up to the next delimiter.
                while index < bytes.count, !Self.isDelimiter(byte(index)) { index += 1 }
                continue
            }
            index += 1
        } while depth > 0
    }

    static func isDelimiter(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09: return true
        default: return false
        }
    }

    /// Which of the keys looked for `body` (a key's body) is.
    func key(_ body: Range<Int>?) -> Key {
        guard let body else { return .other }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[body])
        // A key with escapes is compared as its text.
        var unescaped: [UInt8] = []
        if !raw.isEmpty, memchr(raw.baseAddress!, 0x5C, raw.count) != nil {
            unescaped = JSONField.unescape(raw)
        }
        return unescaped.isEmpty ? Self.key(raw) : unescaped.withUnsafeBytes { raw in Self.key(raw) }
    }

    static func key(_ raw: UnsafeRawBufferPointer) -> Key {
        typealias E = DirectoryEntry
        switch raw.count {
        case 4 where E.equals(raw, "Name"): return .name
        case 5 where E.equals(raw, "Value"): return .value
        case 7 where E.equals(raw, "Enabled"): return .enabled
        case 8 where E.equals(raw, "Username"): return .username
        case 10 where E.equals(raw, "Attributes"): return .attributes
        case 10 where E.equals(raw, "UserStatus"): return .status
        default: return .other
        }
    }
}

/// Walks list-users pages user by user, reading the input on as it goes: each element of a
/// page's `Users` array is handed out as its byte range (validated by `JSONScanner`) as soon
/// as it is complete, so that damage, or the end of a file cut short, loses only what follows
/// it, and only one user (and a chunk of the file) is in memory at a time.
struct ListUsersWalk {
    enum Event {
        /// A page with a `Users` array began (when its `Users` array opens; 1-based), or a
        /// page without one ended (`hasUsers` false).
        case page(Int, hasUsers: Bool)
        /// One element of the page's `Users` array, 1-based, whole: its bytes are
        /// `withBytes(range)` until the next `next()`.
        case user(page: Int, position: Int, range: Range<Int>)
        /// The walk stops: `reason` at byte `offset` (0-based), after `users` users of `page`.
        case damage(page: Int, users: Int, offset: Int, reason: String)
        /// The file is read to its end, and its last page, `page`, gives a token for the next
        /// (`PaginationToken`, or the AWS CLI's `NextToken`): the listing goes on elsewhere.
        case goesOn(page: Int)
    }

    /// Where the walk is: between pages, in a page (before its first member or after one),
    /// or in a page's `Users` array.
    private enum State { case betweenPages, inPage(first: Bool), inUsers, stopped }

    private var input: DirectoryInput
    /// The absolute offset of the next byte to look at.
    private var index = 0
    private var scanner = JSONScanner(schema: FieldSchema([]))
    private var state = State.betweenPages
    private var pages = 0
    /// Users of the current page so far, and whether it has a `Users` array.
    private var users = 0
    private var hasUsers = false
    /// Whether the current page, and the last page ended, give a token for a next page.
    private var pageHasToken = false
    private var lastPageHasToken = false

    init(_ input: DirectoryInput) { self.input = input }

    /// Calls `body` with the bytes of `range` (a `.user` event's, before the next `next()`).
    func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) -> R) -> R { input.withBytes(range, body) }

    mutating func next() -> Event? {
        // What the previous events pointed at is done with.
        input.keep = index
        while true {
            switch state {
            case .stopped:
                return nil
            case .betweenPages:
                // NUL bytes between or after pages are padding, as between records (a review
                // found a complete file with NULs after it read as damaged).
                skipSpace()
                while input.has(index) && input[index] == 0 {
                    index += 1
                    skipSpace()
                }
                guard input.has(index) else {
                    state = .stopped
                    return lastPageHasToken ? .goesOn(page: pages) : nil
                }
                pages += 1
                users = 0
                hasUsers = false
                pageHasToken = false
                guard input[index] == UInt8(ascii: "{") else {
                    return stop("not a list-users page (\(Self.describe(input[index])) where a page starts)", at: index)
                }
                index += 1
                state = .inPage(first: true)
            case .inPage(let first):
                // `{`, then key-value pairs separated by commas, then `}`.
                skipSpace()
                guard input.has(index) else { return stop("the file ends inside the page", at: input.end) }
                if input[index] == UInt8(ascii: "}") {
                    index += 1
                    state = .betweenPages
                    lastPageHasToken = pageHasToken
                    if !hasUsers { return .page(pages, hasUsers: false) }
                    continue
                }
                if !first {
                    guard input[index] == UInt8(ascii: ",") else {
                        return stop("expected ',' or '}' in the page, found \(Self.describe(input[index]))", at: index)
                    }
                    index += 1
                    skipSpace()
                    guard input.has(index) else { return stop("the file ends inside the page", at: input.end) }
                }
                state = .inPage(first: false)
                guard input[index] == UInt8(ascii: "\"") else {
                    return stop("expected a key, found \(Self.describe(input[index]))", at: index)
                }
                let keyStart = index
                let keyEnd: Int
                switch value("a key") {
                case .success(let end): keyEnd = end
                case .failure(let damage): return stop(damage.reason, at: damage.offset)
                }
                let isUsers = input.withBytes(keyStart..<keyEnd) { $0.elementsEqual(#""Users""#.utf8) }
                let isToken = input.withBytes(keyStart..<keyEnd) {
                    $0.elementsEqual(#""PaginationToken""#.utf8) || $0.elementsEqual(#""NextToken""#.utf8)
                }
                skipSpace()
                guard input.has(index) else { return stop("the file ends inside the page", at: input.end) }
                guard input[index] == UInt8(ascii: ":") else {
                    return stop("expected ':' after a key, found \(Self.describe(input[index]))", at: index)
                }
                index += 1
                skipSpace()
                // A token is a non-empty string (`null` or `""`: the listing's last page).
                if isToken, input.has(index + 1), input[index] == UInt8(ascii: "\""), input[index + 1] != UInt8(ascii: "\"") {
                    pageHasToken = true
                }
                guard isUsers, input.has(index), input[index] == UInt8(ascii: "[") else {
                    if case .failure(let damage) = value("a value") { return stop(damage.reason, at: damage.offset) }
                    continue
                }
                index += 1
                state = .inUsers
                if !hasUsers {
                    hasUsers = true
                    return .page(pages, hasUsers: true)
                }
            case .inUsers:
                // `[`, then users separated by commas, then `]`.
                skipSpace()
                guard input.has(index) else { return stop("the file ends inside the Users array", at: input.end) }
                if input[index] == UInt8(ascii: "]") {
                    index += 1
                    state = .inPage(first: false)
                    continue
                }
                if users > 0 {
                    guard input[index] == UInt8(ascii: ",") else {
                        return stop("expected ',' or ']' after user \(users), found \(Self.describe(input[index]))", at: index)
                    }
                    index += 1
                    skipSpace()
                }
                let start = index
                input.keep = start
                switch value("user \(users + 1)") {
                case .success(let end):
                    users += 1
                    return .user(page: pages, position: users, range: start..<end)
                case .failure(let damage):
                    return stop(damage.reason, at: damage.offset)
                }
            }
        }
    }

    /// Stops the walk at damage.
    private mutating func stop(_ reason: String, at offset: Int) -> Event {
        state = .stopped
        return .damage(page: pages, users: users, offset: offset, reason: reason)
    }

    struct Damage: Error {
        var reason: String
        var offset: Int
    }

    /// Scans one JSON value at `index` and moves past it (reading on while the input ends
    /// inside it); or says why it is not whole (the file ends inside it, or the scanner's
    /// reason).
    private mutating func value(_ what: String) -> Result<Int, Damage> {
        while true {
            let base = input.base
            let from = index - base
            let outcome = input.withWindow { window in scanner.scan(window, from: from) }
            switch outcome {
            case .complete(let end):
                index = base + end
                return .success(index)
            case .invalid(let offset, let reason):
                return .failure(Damage(reason: "invalid JSON in \(what): \(reason)", offset: base + offset))
            case .incomplete:
                if input.more() { continue }
                return .failure(Damage(reason: "the file ends inside \(what)", offset: input.end))
            }
        }
    }

    /// Skips JSON whitespace and a UTF-8 byte order mark.
    private mutating func skipSpace() {
        while input.has(index) {
            switch input[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            case 0xEF where input.has(index + 2) && input[index + 1] == 0xBB && input[index + 2] == 0xBF: index += 3
            default: return
            }
        }
    }

    static func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }
}
