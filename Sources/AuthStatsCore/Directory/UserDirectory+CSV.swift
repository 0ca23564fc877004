#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension UserDirectory {
    /// Columns of the user CSV that are not attributes.
    static let usernameColumns: Set<String> = ["cognito:username", "Username", "username"]
    static let statusColumns: Set<String> = ["UserStatus", "cognito:user_status", "status"]
    static let enabledColumns: Set<String> = ["Enabled", "enabled"]

    /// What a column of the user CSV is.
    enum CSVColumn {
        case username, status, enabled
        /// An attribute, under the column's name (its bytes).
        case attribute(UnsafeRawBufferPointer)
    }

    /// The Cognito user CSV (`docs/inputs.md` "The user directory"): a header of attribute
    /// names, `\,` for a comma inside a value (double-quoted fields are read too). It must have
    /// a `sub` column, since events name users by their `sub`.
    ///
    /// Read as bytes: a line's fields are found in place (or unescaped into one reused buffer
    /// when the line has quotes or backslashes, `CSVFields`) and go straight into a
    /// `DirectoryEntry`, with no `String` per line or field (the header's names only). Lines
    /// end at `\n` (a `\r` before it is dropped; a quoted value does not span lines), so the
    /// lines after the header are cut into blocks of whole lines (`blockBytes` at least) that
    /// `loadThreads` threads parse at once (`CSVLayout.parse`) and that are added in the
    /// file's order (`inOrder`): the same users, records and problems as one thread gives. A
    /// line number counts every line, empty ones too.
    mutating func loadCSV(_ input: DirectoryInput, name: String, blockBytes: Int) throws -> [String] {
        var lines = CSVLines(input)
        var fields = CSVFields()
        guard let first = lines.next() else {
            throw Failure(description: "Unable to read the user directory \(name): the file is empty")
        }
        let notADirectory = Failure(description: "Unable to read the user directory \(name): neither list-users JSON nor a Cognito user CSV (its header has no cognito:username or sub column)")
        if first.isEmpty {
            // Only empty lines: an empty file; else the empty header has no sub column.
            while let line = lines.next() {
                if !line.isEmpty { throw notADirectory }
            }
            throw Failure(description: "Unable to read the user directory \(name): the file is empty")
        }
        // Lines ended by a lone carriage return (old Mac line breaks, Excel's "CSV (Macintosh)")
        // read as one line: the header and every user in it, no user read, where it said nothing.
        // Only a file with no line feed at all: `\r\r\n` (Python's csv on Windows) and a `\r`
        // inside a quoted field are read as ever (a review of the first check found them refused).
        if lines.unterminated, lines.withBytes(first, { $0.contains(0x0D) }) {
            throw Failure(description: "Unable to read the user directory \(name): its lines end with a lone carriage return (CR), not a line feed; convert them (`tr '\\r' '\\n'`)")
        }
        // The header, without byte order marks.
        let header: [String] = lines.withBytes(first) { raw in
            var bytes = Array(raw)
            var i = 0
            while i + 3 <= bytes.count {
                if bytes[i] == 0xEF && bytes[i + 1] == 0xBB && bytes[i + 2] == 0xBF { bytes.removeSubrange(i..<i + 3) } else { i += 1 }
            }
            return bytes.withUnsafeBytes { line in
                let count = fields.split(line)
                return fields.withFields(line: line) { field in (0..<count).map { String(decoding: field($0), as: UTF8.self) } }
            }
        }
        guard header.contains("cognito:username") || header.contains("sub") else { throw notADirectory }
        guard let subColumn = header.firstIndex(of: "sub") else {
            throw Failure(description: "Unable to read the user directory \(name): the CSV has no sub column, so its users cannot be matched to events; export the sub of each user")
        }
        // The attribute names, where the entries can point at them for the whole file.
        let names = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, header.reduce(0) { $0 + $1.utf8.count }), alignment: 1)
        defer { names.deallocate() }
        var used = 0
        let columns: [CSVColumn] = header.map { column in
            if Self.usernameColumns.contains(column) { return .username }
            if Self.statusColumns.contains(column) { return .status }
            if Self.enabledColumns.contains(column) { return .enabled }
            let start = used
            for byte in column.utf8 {
                names[used] = byte
                used += 1
            }
            return .attribute(UnsafeRawBufferPointer(rebasing: names[start..<used]))
        }
        // The lines, a block at a time, parsed on `loadThreads` threads and taken in order.
        var problems: [String] = []
        let buffers = ReusedBytes.Pool()
        let layout = CSVLayout(columns: columns, subColumn: subColumn, fieldCount: header.count, keepsUsers: keepsUsers, buffers: buffers)
        var linesBefore = lines.number
        inOrder(threads: loadThreads, next: { lines.nextBlock(minBytes: blockBytes, buffers: buffers) }, work: { layout.parse($0) }) { block in
            take(block, after: linesBefore, name: name, buffers: buffers, problems: &problems)
            linesBefore += block.lines
        }
        return problems
    }

    /// nil when `bytes` are UTF-8; else what a `String` of them holds (invalid bytes replaced
    /// by U+FFFD): the hash of a sub must be the `UserID` its `String` gives.
    static func repairedUTF8(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        if bytes.allSatisfy({ $0 < 0x80 }) { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.utf8.elementsEqual(bytes) ? nil : Array(text.utf8)
    }

    /// Splits one CSV line (the test's entry point): `\,` is a comma inside a value; `"…"`
    /// quotes, with `""` for `"`.
    static func fields(_ line: String) -> [String] {
        var fields = CSVFields()
        var bytes = Array(line.utf8)
        if bytes.last == 0x0D { bytes.removeLast() }
        return bytes.withUnsafeBytes { line in
            let count = fields.split(line)
            return fields.withFields(line: line) { field in (0..<count).map { String(decoding: field($0), as: UTF8.self) } }
        }
    }
}

/// Whole lines of a user CSV, as `CSVLines.nextBlock` cuts them.
struct CSVBlock: Sendable {
    /// The lines' bytes, each with its `\n` but the last when `unterminated` (given back to
    /// the load's pool once parsed).
    var bytes: ReusedBytes
    /// The block is the file's last line, with no line break after it.
    var unterminated: Bool
}

/// What a block of a directory file gave (a user CSV's lines, `CSVLayout.parse`, or
/// list-users users, `ListUsersLayout.parse`): the types and records of its users, and its
/// problems, added in the file's order by `UserDirectory.take`.
struct ParsedDirectoryBlock: Sendable {
    /// Each user's sub hash and whether it is federated, in the file's order.
    var types: [(hash: UInt64, federated: Bool)] = []
    /// With `keepsUsers`, the users' records (`FramedRecords`, one for each of `types`),
    /// numbered 1, 2, … in the block: they are numbered on from the entries before when taken
    /// (and the buffer given back to the load's pool).
    var records: ReusedBytes
    /// A CSV block's lines, empty ones too.
    var lines = 0
    /// A CSV block's problems, by the line's number in the block: what is wrong with it, and
    /// whether it is the file's last line cut short.
    var problems: [(line: Int, text: String, cutShort: Bool)] = []
    /// A list-users block's problems, whole, in the file's order (said after `problems`).
    var messages: [String] = []
    /// The file's reading stopped at damage in this block (its last message says where).
    var stopped = false
    /// A list-users block's users skipped as malformed (a CSV block's are its `problems`).
    var skipped = 0

    /// A block filled by `body`, its records' buffer taken from `buffers` and handed to `body`
    /// as an array of its own (each access to the buffer's property is checked for exclusivity
    /// at run time), then put back.
    static func filling(_ buffers: ReusedBytes.Pool, _ body: (inout ParsedDirectoryBlock, inout [UInt8]) -> Void) -> ParsedDirectoryBlock {
        var parsed = ParsedDirectoryBlock(records: buffers.take())
        var records: [UInt8] = []
        swap(&records, &parsed.records.bytes)
        body(&parsed, &records)
        swap(&records, &parsed.records.bytes)
        return parsed
    }

    /// Adds `entry`'s user: its type, and with `keepsUsers` its record to `records` (the
    /// block's, held apart by the caller: `filling`).
    mutating func append(_ entry: DirectoryEntry, keepsUsers: Bool, scratch: inout [UInt8], records: inout [UInt8]) {
        let hash = entry.hash
        types.append((hash, entry.isFederated))
        guard keepsUsers else { return }
        let sequence = UInt64(types.count)
        FramedRecords.append(to: &records) { DirectoryRecord.encode(entry, hash: hash, sequence: sequence, scratch: &scratch, into: &$0) }
    }
}

/// How the lines of one user CSV become entries: its columns, shared by the threads that
/// parse its blocks.
struct CSVLayout: @unchecked Sendable {
    // Unchecked: the columns' attribute names point into a buffer that `loadCSV` frees only
    // after every block is parsed, and that nothing writes to meanwhile.
    let columns: [UserDirectory.CSVColumn]
    let subColumn: Int
    let fieldCount: Int
    let keepsUsers: Bool
    /// Where blocks' and records' buffers come from and go back to.
    let buffers: ReusedBytes.Pool

    /// The users and problems of `block`'s lines, as `loadCSV` took them one by one.
    func parse(_ block: CSVBlock) -> ParsedDirectoryBlock {
        defer { buffers.give(block.bytes) }
        return ParsedDirectoryBlock.filling(buffers) { parsed, records in read(block, into: &parsed, records: &records) }
    }

    private func read(_ block: CSVBlock, into parsed: inout ParsedDirectoryBlock, records: inout [UInt8]) {
        var fields = CSVFields()
        var entry = DirectoryEntry()
        var scratch: [UInt8] = []
        block.bytes.bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var start = 0
            while start < raw.count {
                var end = raw.count
                if let newline = memchr(base + start, 0x0A, raw.count - start) { end = UnsafeRawPointer(newline) - base }
                let next = end + 1
                parsed.lines += 1
                // `\r\n`, or a `\r` the file ends with (a line break cut in half).
                if end > start && raw[end - 1] == 0x0D { end -= 1 }
                let line = UnsafeRawBufferPointer(rebasing: raw[start..<end])
                start = next
                if line.isEmpty { continue }
                let count = fields.split(line)
                guard count == fieldCount else {
                    parsed.problems.append((parsed.lines, "\(count) fields, the header has \(fieldCount)", block.unterminated && count < fieldCount))
                    continue
                }
                let added: Bool = fields.withFields(line: line) { field in
                    let sub = field(subColumn)
                    guard !sub.isEmpty else { return false }
                    if let repaired = UserDirectory.repairedUTF8(sub) {
                        repaired.withUnsafeBytes { add(sub: $0, field, entry: &entry, scratch: &scratch, to: &parsed, records: &records) }
                    } else {
                        add(sub: sub, field, entry: &entry, scratch: &scratch, to: &parsed, records: &records)
                    }
                    return true
                }
                if !added { parsed.problems.append((parsed.lines, "no sub", false)) }
            }
        }
    }

    /// Adds the user of one line: `sub`, and the line's fields by column.
    private func add(
        sub: UnsafeRawBufferPointer, _ field: (Int) -> UnsafeRawBufferPointer, entry: inout DirectoryEntry, scratch: inout [UInt8],
        to parsed: inout ParsedDirectoryBlock, records: inout [UInt8]
    ) {
        entry.reset()
        entry.sub = sub
        for (index, column) in columns.enumerated() {
            let value = field(index)
            if value.isEmpty { continue }  // empty values are not kept
            switch column {
            case .username: entry.username = value
            case .status: entry.status = value
            case .enabled: entry.enabled = value.count == 4 && value.elementsEqual("true".utf8, by: { $0 | 0x20 == $1 })
            case .attribute(let attribute): entry.addAttribute(name: attribute, value: value)
            }
        }
        parsed.append(entry, keepsUsers: keepsUsers, scratch: &scratch, records: &records)
    }
}

/// The lines of a user CSV, read on as needed: each as its absolute range in the input,
/// without its `\n` and the `\r` before it.
struct CSVLines {
    private var input: DirectoryInput
    /// Where the next line starts.
    private var position = 0
    /// The 1-based number of the line `next()` returned last.
    private(set) var number = 0
    /// Whether that line is the file's last and has no line break after it.
    private(set) var unterminated = false

    init(_ input: DirectoryInput) { self.input = input }

    /// The next line; nil at the end of the file. The previous line's bytes may be dropped.
    mutating func next() -> Range<Int>? {
        input.keep = position
        var searched = position
        while true {
            let found: Int? = input.withWindow { window in
                let from = searched - input.base
                guard from < window.count, let p = memchr(window.baseAddress! + from, 0x0A, window.count - from) else { return nil }
                return input.base + (UnsafeRawPointer(p) - window.baseAddress!)
            }
            if let newline = found {
                let start = position
                position = newline + 1
                number += 1
                // `\r\n`: the `\r` is part of the line break.
                let end = newline > start && input[newline - 1] == 0x0D ? newline - 1 : newline
                return start..<end
            }
            searched = input.end
            if !input.more() { break }
        }
        // The last line, without a line break.
        guard position < input.end else { return nil }
        let start = position
        position = input.end
        number += 1
        unterminated = true
        // A `\r` the file ends with belongs to a line break cut in half, as `\r\n`'s does.
        let end = input.end > start && input[input.end - 1] == 0x0D ? input.end - 1 : input.end
        return start..<end
    }

    func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) -> R) -> R { input.withBytes(range, body) }

    /// The next whole lines, from where `next()` stopped: `minBytes` of them and the rest of
    /// the line that reaches past them (fewer at the end of the file; a longer line is whole
    /// too); the file's last line, when it has no line break after it, is a block of its own
    /// (`unterminated`). nil at the end of the file. `number` does not count them.
    /// (Cut at the last line break read, blocks were the whole window read, ~1 MB: a review
    /// measured each thread's results holding ~2.4 MB more.)
    mutating func nextBlock(minBytes: Int, buffers: ReusedBytes.Pool) -> CSVBlock? {
        input.keep = position
        // Where the line break that ends the block is looked for from.
        var from = position + max(0, minBytes - 1)
        while true {
            while from >= input.end, input.more() {}
            if from >= input.end {
                // The file ends first: the whole lines left, then the last one on its own.
                let last: Int? = input.withWindow { window in
                    var i = window.count - 1
                    let start = position - input.base
                    while i >= start && window[i] != 0x0A { i -= 1 }
                    return i >= start ? input.base + i + 1 : nil
                }
                if let last { return takeBlock(upTo: last, unterminated: false, buffers) }
                guard position < input.end else { return nil }
                return takeBlock(upTo: input.end, unterminated: true, buffers)
            }
            let cut: Int? = input.withWindow { window in
                let start = from - input.base
                guard let p = memchr(window.baseAddress! + start, 0x0A, window.count - start) else { return nil }
                return input.base + (UnsafeRawPointer(p) - window.baseAddress!) + 1
            }
            if let cut { return takeBlock(upTo: cut, unterminated: false, buffers) }
            from = input.end
        }
    }

    private mutating func takeBlock(upTo end: Int, unterminated: Bool, _ buffers: ReusedBytes.Pool) -> CSVBlock {
        let bytes = buffers.take()
        input.withBytes(position..<end) { bytes.bytes.appendBytes($0) }
        position = end
        return CSVBlock(bytes: bytes, unterminated: unterminated)
    }
}

/// The fields of one CSV line: where they lie in the line itself when it has no `"` or `\`
/// (nearly every line of an export), else unescaped into one reused buffer.
struct CSVFields {
    private var scratch: [UInt8] = []
    /// Field `i` is `[bounds[2i], bounds[2i + 1])` of the line, or of `scratch`, for `i` below
    /// `fieldCount`. Written through a pointer (two `append`s a field, each checking that the array
    /// was unshared, were a sixth of loading a directory); a line with more fields than it
    /// has room for is split again with twice the room, so it grows with the fields, not the
    /// line's bytes.
    private var bounds = [Int](repeating: 0, count: 2 * 64)
    private var fieldCount = 0
    private var inScratch = false

    /// Calls `body` with a function that gives the bytes of field `index` of `line`, the
    /// line split last (valid inside `body`; `index` below the count `split` returned).
    func withFields<R>(line: UnsafeRawBufferPointer, _ body: ((Int) -> UnsafeRawBufferPointer) -> R) -> R {
        func run(_ base: UnsafeRawBufferPointer) -> R {
            bounds.withUnsafeBufferPointer { all in
                let bounds = UnsafeBufferPointer(rebasing: all[..<(2 * fieldCount)])
                return body { index in UnsafeRawBufferPointer(rebasing: base[bounds[2 * index]..<bounds[2 * index + 1]]) }
            }
        }
        return inScratch ? scratch.withUnsafeBytes { run($0) } : run(line)
    }

    /// Splits `line` (a trailing `\r` is dropped): `\,` is a comma inside a value; a field
    /// that starts with `"` is quoted up to the next lone `"`, with `""` for `"`. Returns the
    /// number of fields.
    mutating func split(_ line: UnsafeRawBufferPointer) -> Int {
        while true {
            if let fields = trySplit(line) {
                fieldCount = fields
                return fields
            }
            bounds = [Int](repeating: 0, count: 2 * bounds.count)
        }
    }

    /// `split`, or nil when the line has more fields than `bounds` has room for.
    private mutating func trySplit(_ line: UnsafeRawBufferPointer) -> Int? {
        var n = line.count
        if n > 0 && line[n - 1] == 0x0D { n -= 1 }
        guard let base = line.baseAddress, n > 0 else {
            inScratch = false
            bounds[0] = 0
            bounds[1] = 0
            return 1
        }
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        if memchr(base, Int32(quote), n) == nil && memchr(base, Int32(backslash), n) == nil {
            // Plain: the fields are between the commas.
            inScratch = false
            return bounds.withUnsafeMutableBufferPointer { bounds -> Int? in
                var count = 0
                var start = 0
                while let p = memchr(base + start, Int32(comma), n - start) {
                    guard 2 * count + 4 <= bounds.count else { return nil }
                    let end = UnsafeRawPointer(p) - base
                    bounds[2 * count] = start
                    bounds[2 * count + 1] = end
                    count += 1
                    start = end + 1
                }
                bounds[2 * count] = start
                bounds[2 * count + 1] = n
                return count + 1
            }
        }
        inScratch = true
        // Unescaping only shrinks a line: `scratch` is made at least as long as the line (and
        // kept for the next ones) and written through a pointer (`append(contentsOf:)` per run
        // of bytes was ~100 instructions a call, a sixth of reading a directory whose lines
        // have quotes).
        if scratch.count < n { scratch = [UInt8](repeating: 0, count: max(n, 2 * scratch.count)) }
        return scratch.withUnsafeMutableBytes { out in
            bounds.withUnsafeMutableBufferPointer { bounds -> Int? in
                var count = 0
                var used = 0  // bytes of `scratch` written
                var fieldStart = 0  // in `scratch`
                var quoted = false
                var i = 0
                while i < n {
                    // A run of plain bytes is copied at once.
                    var j = i
                    if quoted {
                        while j < n && line[j] != quote { j += 1 }
                    } else {
                        while j < n, line[j] != comma, line[j] != quote, line[j] != backslash { j += 1 }
                    }
                    if j > i {
                        (out.baseAddress! + used).copyMemory(from: base + i, byteCount: j - i)
                        used += j - i
                        i = j
                        continue
                    }
                    let c = line[i]
                    if quoted {
                        // c is `"`
                        if i + 1 < n && line[i + 1] == quote {
                            out[used] = quote
                            used += 1
                            i += 1
                        } else {
                            quoted = false
                        }
                    } else if c == backslash && i + 1 < n && line[i + 1] == comma {
                        out[used] = comma
                        used += 1
                        i += 1
                    } else if c == comma {
                        guard 2 * count + 4 <= bounds.count else { return nil }
                        bounds[2 * count] = fieldStart
                        bounds[2 * count + 1] = used
                        count += 1
                        fieldStart = used
                    } else if c == quote && used == fieldStart {
                        quoted = true
                    } else {
                        out[used] = c
                        used += 1
                    }
                    i += 1
                }
                bounds[2 * count] = fieldStart
                bounds[2 * count + 1] = used
                return count + 1
            }
        }
    }
}
