import Foundation

/// The users of a Cognito user pool, read from `aws cognito-idp list-users` output or the
/// user CSV export (`--users`). It sets the `user_type` dimension of the users it lists; the
/// segment pass gets every user with its attributes at the end.
///
/// Memory, for a million users (`docs/inputs.md` "The user directory"): what every event asks
/// (is the user listed, is it federated) is a `UserTypeTable` of the sub hashes, about
/// 16 MB; the users themselves, with their attributes, are records of a `SortedRecordLog`
/// that spills sorted runs to the `SpillStore` past `memoryBudget` and gives its room back
/// once a file is read, so they cost disk (about 250 bytes a user), not memory, until the
/// segment pass streams them back in hash order (`sortedUsers()`); without `keepsUsers`
/// they are not kept at all. The files themselves are read a chunk at a time.
/// (Before: a `[String: DirectoryUser]` of everyone and the files read whole, 1.2 GB for a
/// million users.)
///
/// Copies (each worker's `Analysis`, and each project's with `--by-project`, holds one)
/// share the spilled runs, which stay in the store until the run ends: each copy can stream
/// the users once.
public struct UserDirectory: Sendable {
    private var types = UserTypeTable()
    /// Types of entries added and not yet in `types` (`UserTypeTable.set(_:)` takes them 16 at
    /// a time); empty whenever the directory is asked anything.
    private var pendingTypes: [(hash: UInt64, federated: Bool)] = []
    private var log: SortedRecordLog
    /// With `background`, where the records go instead of `log`.
    private let writer: DirectoryRecordWriter?
    /// Entries added so far: a record's sequence number, so that the entry read last wins.
    private var added: UInt64 = 0
    /// Where `add` assembles a record.
    private var scratch: [UInt8] = []
    /// Whether the users are kept for `sortedUsers()` (only their `user_type`s otherwise).
    public let keepsUsers: Bool
    /// Threads that parse a directory file's blocks at once (`loadCSV`, `loadListUsers`).
    let loadThreads: Int

    /// The default memory budget of the users' records: 16 MB.
    public static let defaultMemoryBudget = 16 << 20

    /// Bytes of a directory file parsed as one block (a user CSV's lines, `loadCSV`; list-users
    /// users, `loadListUsers`): up to `loadThreads + 1` blocks and their records (about 2.2
    /// times a CSV's lines, a third of list-users JSON) are in memory at once, and up to four
    /// blocks' records on their way to the records' writer.
    static let blockBytes = 256 << 10

    /// Threads that parse a directory file at most, whatever `--jobs`: the one writer of the
    /// records and the one thread that adds the blocks in order keep up with about three (and
    /// each thread's block holds ~0.8 MB).
    static let maxLoadThreads = 4

    /// - Parameters:
    ///   - memoryBudget: bytes of user records held in memory before a sorted run is spilled.
    ///   - store: where the runs go; nil keeps every user in memory.
    ///   - keepsUsers: false when nothing will stream the users (no segments, no attribute
    ///     breakdowns): then only the `user_type`s are kept, and nothing is written to `store`.
    ///   - background: the records are sorted and spilled on a thread of their own
    ///     (`DirectoryRecordWriter`) while the files are read on; the same users come back.
    ///     Only the thread that loads may add users, and before the directory is copied.
    ///   - loadThreads: threads that parse a directory file's blocks (at most
    ///     `maxLoadThreads`; one block more may be parsed ahead while the oldest is added); the
    ///     same users come back, with the same problems, for any number.
    public init(
        memoryBudget: Int = UserDirectory.defaultMemoryBudget, store: (any SpillStore)? = nil, keepsUsers: Bool = true,
        background: Bool = false, loadThreads: Int = 1
    ) {
        self.loadThreads = min(max(1, loadThreads), Self.maxLoadThreads)
        log = SortedRecordLog(memoryBudget: memoryBudget, store: store)
        writer = background && keepsUsers ? DirectoryRecordWriter(memoryBudget: memoryBudget, store: store) : nil
        self.keepsUsers = keepsUsers
    }

    /// Adds (or replaces, by `sub`) one user.
    public mutating func add(_ user: DirectoryUser) {
        DirectoryEntry.with(user) { add($0) }
        settleTypes()
    }

    /// Adds one entry; its type goes into the table with the next 15, or at `settleTypes()`.
    mutating func add(_ entry: DirectoryEntry) {
        let hash = entry.hash
        pendingTypes.append((hash, entry.isFederated))
        if pendingTypes.count == 16 { settleTypes() }
        guard keepsUsers else { return }
        added += 1
        let sequence = added
        var scratch = self.scratch
        self.scratch = []
        if let writer {
            writer.append { DirectoryRecord.encode(entry, hash: hash, sequence: sequence, scratch: &scratch, into: &$0) }
        } else {
            log.append { DirectoryRecord.encode(entry, hash: hash, sequence: sequence, scratch: &scratch, into: &$0) }
            if log.isFull { log.spill() }
        }
        self.scratch = scratch
    }

    /// Adds the users of one parsed block, the first after line `lines` of the file (a CSV's;
    /// 0 for list-users): their types, their records (numbered on from the entries added
    /// before), their problems.
    mutating func take(_ block: ParsedDirectoryBlock, after lines: Int, name: String, buffers: ReusedBytes.Pool, problems: inout [String]) {
        settleTypes()
        block.types.withUnsafeBufferPointer { types.set($0) }
        usersRead += block.types.count
        usersSkipped += block.skipped + block.problems.count
        let base = added
        if keepsUsers { added += UInt64(block.types.count) }
        if let writer, added > base {
            // The writer gives the buffer back once the records are in.
            writer.append(framed: block.records, numberedFrom: base, then: buffers)
        } else {
            log.appendFramed(block.records.bytes, numberedFrom: base)
            buffers.give(block.records)
        }
        for problem in block.problems {
            if problem.cutShort {
                // The last line, cut short with no line break after it: the file was (a copy
                // stopped part way), as a list-users file that stops inside its JSON; said
                // last, and the run's exit status is 1 (until 2026-12-05 a line skipped).
                stoppedEarly.insert(name)
                problems.append("\(name): line \(lines + problem.line): \(problem.text), and the file ends inside it: it was cut short; the users before it are kept")
            } else {
                problems.append("\(name): line \(lines + problem.line): \(problem.text); skipped")
            }
        }
        problems += block.messages
        if block.stopped { stoppedEarly.insert(name) }
    }

    /// Puts the pending types into the table.
    private mutating func settleTypes() {
        guard !pendingTypes.isEmpty else { return }
        pendingTypes.withUnsafeBufferPointer { types.set($0) }
        pendingTypes.removeAll(keepingCapacity: true)
    }

    /// The `user_type` of a listed user: `federated` or `local`; nil for a user not listed.
    @inline(__always)
    public func userType(of user: UserID) -> String? {
        isFederated(user).map(Self.userType(federated:))
    }

    /// Whether a listed user is federated; nil for a user not listed.
    @inline(__always)
    public func isFederated(_ user: UserID) -> Bool? { types.federated(user.hash) }

    /// The `user_type` value of a listed user.
    public static func userType(federated: Bool) -> String { federated ? "federated" : "local" }

    /// Users listed (distinct subs, as far as their 64-bit hashes tell).
    public var count: Int { types.count }

    /// The names of the files read only in part: their reading stopped at damage before their
    /// end (a list-users file's malformed JSON: the users after it are not read), the listing
    /// goes on past them (a last page with a `PaginationToken`), or none of their users could
    /// be read; their last problem says which.
    public internal(set) var stoppedEarly: Set<String> = []

    /// Whether another file follows the one being loaded (`--users` given again): a list-users
    /// page that ends with a pagination token may go on there (pages saved a file each), so it
    /// is no listing cut short.
    public var listingMayContinue = false

    /// Users read from the files so far (entries, repeated subs included), and users skipped
    /// as malformed.
    public internal(set) var usersRead = 0
    public internal(set) var usersSkipped = 0

    /// Runs of user records spilled so far.
    /// (With `background`, once the writer has caught up.)
    public var spilledRuns: Int { (writer?.settled() ?? log).spilledRuns }

    /// Why the users could not be spilled (they are then kept in memory), if they could not.
    /// (With `background`, once the writer has caught up.)
    public var spillFailure: String? { (writer?.settled() ?? log).spillFailure }

    /// Every user once, in ascending `UserID(sub).hash` order; of several entries of one
    /// `sub`, the one read last (none without `keepsUsers`). Consumes the users (the
    /// directory keeps its `user_type`s).
    ///
    /// The runs spilled before this copy was made are shared with the other copies and are
    /// left in the store (the temporary folder goes at the end of the run), so that every
    /// copy (each project's analysis) can stream them.
    public mutating func sortedUsers() -> DirectoryUserStream {
        if let writer {
            var settled = writer.settled()
            return DirectoryUserStream(settled.takeSorted(keepingRuns: true))
        }
        return DirectoryUserStream(log.takeSorted(keepingRuns: true))
    }

    /// A directory file that could not be read at all.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Reads one directory file, a chunk at a time from `read` (which returns 0 at its end);
    /// malformed entries are skipped and described in the returned problems
    /// (`<name>: page 2, user 5: no sub attribute; skipped`).
    /// - Parameter chunk: bytes read at a time (at least).
    /// - Throws: `Failure` when the content is neither list-users JSON nor a user CSV.
    public mutating func load(name: String, chunk: Int = 1 << 20, read: @escaping (UnsafeMutableRawBufferPointer) -> Int) throws -> [String] {
        var input = DirectoryInput(chunk: chunk, read: read)
        // JSON when the first byte that is not white space or a byte order mark is `{`.
        var offset = 0
        while input.has(offset), [0x20, 0x0A, 0x0D, 0x09, 0xEF, 0xBB, 0xBF].contains(input[offset]) { offset += 1 }
        let isJSON = input.has(offset) && input[offset] == UInt8(ascii: "{")
        if let other = Self.otherListing(&input, at: offset) {
            throw Failure(description: "Unable to read the user directory \(name): \(other)")
        }
        defer {
            settleTypes()
            // The whole directory spills once it went past the budget: between the loading and
            // the segment pass, the records take no memory.
            if let writer {
                writer.endOfFile()
            } else if log.spilledRuns > 0 {
                log.spillAndRelease()
            }
        }
        let blockBytes = min(chunk, Self.blockBytes)
        let before = (read: usersRead, skipped: usersSkipped)
        var problems = isJSON ? try loadListUsers(input, name: name, blockBytes: blockBytes) : try loadCSV(input, name: name, blockBytes: blockBytes)
        // A file of which no user could be read lists no one: said even with `--quiet`, and
        // the run's exit status is 1 (it was a warning among the skips, exit 0 under cron).
        let skipped = usersSkipped - before.skipped
        if usersRead == before.read, skipped > 0 {
            // The first reason said here too: with `--quiet` the warnings above it are not shown.
            let first = problems.first.map { "; the first: \($0.hasPrefix(name + ": ") ? String($0.dropFirst(name.count + 2)) : $0)" } ?? ""
            let none = "none of its \(skipped) user\(skipped == 1 ? "" : "s") could be read (each is said above\(first)): it adds no one to the directory"
            // Read in part already: the one message that says so says both.
            if stoppedEarly.contains(name), let last = problems.popLast() {
                problems.append(last + "; and " + none)
            } else {
                problems.append("\(name): " + none)
                stoppedEarly.insert(name)
            }
        }
        return problems
    }

    /// What a file that is no directory authstats reads is, when it is another form of
    /// list-users' output (a JSON array, as `--query Users` prints it; the AWS CLI's text,
    /// table or YAML output), said with what to give instead; nil otherwise.
    static func otherListing(_ input: inout DirectoryInput, at offset: Int) -> String? {
        func starts(with prefix: String) -> Bool {
            prefix.utf8.enumerated().allSatisfy { input.has(offset + $0.offset) && input[offset + $0.offset] == $0.element }
        }
        let give = "give `aws cognito-idp list-users --user-pool-id ID --output json` as it prints it"
        if starts(with: "[") { return "a JSON array, not list-users output (`{\"Users\": [...]}`, as `--query` makes it); \(give), without --query" }
        if starts(with: "USERS\t") { return "the AWS CLI's text output (USERS lines), not JSON; \(give)" }
        if starts(with: "Users:") { return "the AWS CLI's YAML output, not JSON; \(give)" }
        if starts(with: "-") || starts(with: "|") { return "the AWS CLI's table output, not JSON; \(give)" }
        return nil
    }

    /// Reads one directory file's content (`load(name:chunk:read:)` on bytes in memory).
    public mutating func load(_ data: [UInt8], name: String, chunk: Int = 1 << 20) throws -> [String] {
        var position = 0
        return try load(name: name, chunk: chunk) { space in
            let n = min(space.count, data.count - position)
            data.withUnsafeBytes { space.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[position..<position + n])) }
            position += n
            return n
        }
    }
}
