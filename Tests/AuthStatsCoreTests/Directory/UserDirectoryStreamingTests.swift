import Testing

@testable import AuthStatsCore

extension UserDirectory {
    /// Every user, in the order the segment pass gets them (from a copy: the directory
    /// itself is not consumed, and spilled runs stay for other copies).
    func sortedList() -> [(hash: UInt64, user: DirectoryUser)] {
        var copy = self
        let stream = copy.sortedUsers()
        var out: [(hash: UInt64, user: DirectoryUser)] = []
        while let next = stream.next() { out.append(next) }
        return out
    }

    /// Every user by `sub` (what `users` was; for the tests).
    func allUsers() -> [String: DirectoryUser] {
        Dictionary(sortedList().map { ($0.user.sub, $0.user) }, uniquingKeysWith: { _, later in later })
    }
}

/// The directory read a chunk at a time, its users kept as records that spill past a budget
/// and come back once each, in hash order.
@Suite("User directory: streamed loading, spilled users, later entries win")
struct UserDirectoryStreamingTests {
    /// `count` users as list-users pages of `perPage`, pretty-printed as the AWS CLI does;
    /// every third federated, attributes with escapes and a comma.
    static func listUsers(_ count: Int, perPage: Int = 60, from first: Int = 0, plan: String = "pro") -> String {
        var pages: [String] = []
        var i = first
        while i < first + count {
            let users = (i..<min(first + count, i + perPage)).map { n in
                """
                        {
                            "Username": "user\(n)",
                            "Attributes": [
                                {"Name": "sub", "Value": "sub-\(n)"},
                                {"Name": "email", "Value": "user\(n)@example.com"},
                                {"Name": "custom:plan", "Value": "\(plan)"},
                                {"Name": "custom:note", "Value": "a \\"quoted\\", \\u00e9 \\\\ note"}\(n % 3 == 0 ? #",{"Name": "identities", "Value": "[{\"providerName\":\"Google\"}]"}"# : "")
                            ],
                            "UserCreateDate": 1706745600.123,
                            "Enabled": \(n % 5 == 0 ? "false" : "true"),
                            "UserStatus": "\(n % 3 == 0 ? "EXTERNAL_PROVIDER" : "CONFIRMED")"
                        }
                """
            }
            // Every page but the last gives the next one's token, as list-users does.
            let token = i + perPage < first + count ? ",\n    \"PaginationToken\": \"t\(i)\"" : ""
            pages.append("{\n    \"Users\": [\n" + users.joined(separator: ",\n") + "\n    ]\(token)\n}\n")
            i += perPage
        }
        return pages.joined()
    }

    /// The same users as a user CSV.
    static func csv(_ count: Int, from first: Int = 0, plan: String = "pro") -> String {
        var lines = ["cognito:username,sub,email,custom:plan,custom:note,identities,UserStatus,Enabled"]
        for n in first..<first + count {
            let identities = n % 3 == 0 ? #"[{"providerName":"Google"}]"# : ""
            lines.append(
                "user\(n),sub-\(n),user\(n)@example.com,\(plan),\"a \"\"quoted\"\", é \\ note\",\(identities),"
                    + "\(n % 3 == 0 ? "EXTERNAL_PROVIDER" : "CONFIRMED"),\(n % 5 == 0 ? "false" : "true")")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func load(
        _ texts: [String], budget: Int = UserDirectory.defaultMemoryBudget, store: (any SpillStore)? = nil, chunk: Int = 1 << 20,
        background: Bool = false, threads: Int = 1, keepsUsers: Bool = true
    ) throws -> (UserDirectory, [String]) {
        var directory = UserDirectory(memoryBudget: budget, store: store, keepsUsers: keepsUsers, background: background, loadThreads: threads)
        var problems: [String] = []
        for (index, text) in texts.enumerated() {
            problems += try directory.load(Array(text.utf8), name: "file\(index + 1)", chunk: chunk)
        }
        return (directory, problems)
    }

    @Test("a directory larger than its budget spills, and gives the same users in the same (hash) order")
    func spilled() throws {
        let store = MemorySpillStore()
        let (inMemory, _) = try Self.load([Self.listUsers(500)])
        let (spilled, problems) = try Self.load([Self.listUsers(500)], budget: 8 << 10, store: store)
        #expect(problems.isEmpty)
        #expect(inMemory.spilledRuns == 0)
        #expect(spilled.spilledRuns > 5)
        #expect(spilled.count == 500)
        let expected = inMemory.sortedList()
        let got = spilled.sortedList()
        #expect(got.count == 500)
        #expect(got.map(\.hash) == expected.map(\.hash))
        #expect(got.map(\.user) == expected.map(\.user))
        #expect(got.map(\.hash) == got.map(\.hash).sorted())
        #expect(got.allSatisfy { $0.hash == UserID($0.user.sub).hash })
        let user3 = try #require(got.first { $0.user.sub == "sub-3" }?.user)
        #expect(user3 == DirectoryUser(
            sub: "sub-3", username: "user3", status: "EXTERNAL_PROVIDER", enabled: true,
            attributes: [
                "sub": "sub-3", "email": "user3@example.com", "custom:plan": "pro", "custom:note": "a \"quoted\", é \\ note",
                "identities": #"[{"providerName":"Google"}]"#,
            ]))
        // The spilled runs are read once, then gone from the store.
        #expect(spilled.userType(of: UserID("sub-3")) == "federated")
        #expect(spilled.userType(of: UserID("sub-4")) == "local")
        #expect(spilled.userType(of: UserID("sub-nobody")) == nil)
    }

    @Test("the CSV gives the same users as list-users, in memory and spilled")
    func csvSame() throws {
        let (json, _) = try Self.load([Self.listUsers(300)])
        let (csv, problems) = try Self.load([Self.csv(300)], budget: 4 << 10, store: MemorySpillStore())
        #expect(problems.isEmpty)
        #expect(csv.spilledRuns > 0)
        #expect(csv.sortedList().map(\.user) == json.sortedList().map(\.user))
    }

    @Test("any chunk size gives the same users and problems", arguments: [1, 2, 7, 64, 1000])
    func chunks(chunk: Int) throws {
        let texts = [
            Self.listUsers(40, perPage: 7),
            Self.csv(40, from: 20) + "short,line\n\nuser-x,,e,p,n,,CONFIRMED,true\n",
            Self.listUsers(3) + #"{"Users": [{"Attributes": []}, 17, {"Attributes": [{"Value": "x"}]}], "x": [1, 2.5e3, true, null]}{"Groups": []}"#,
        ]
        let (whole, wholeProblems) = try Self.load(texts)
        let (chunked, chunkedProblems) = try Self.load(texts, chunk: chunk)
        #expect(chunkedProblems == wholeProblems)
        #expect(chunked.sortedList().map(\.user) == whole.sortedList().map(\.user))
        #expect(wholeProblems == [
            "file2: line 42: 2 fields, the header has 8; skipped",
            "file2: line 44: no sub; skipped",
            "file3: page 2, user 1: no sub attribute; skipped",
            "file3: page 2, user 2: not an object; skipped",
            "file3: page 2, user 3: an attribute without a Name; skipped",
            "file3: page 3: not a list-users page (no \"Users\" array); skipped",
        ])
        // The damage tests' cuts, read a few bytes at a time.
        for cut in [100, 500, 1000, 1500] {
            let text = Array(Self.listUsers(10).utf8.prefix(cut))
            var a = UserDirectory()
            var b = UserDirectory()
            let problemsA = try? a.load(text, name: "cut")
            let problemsB = try? b.load(text, name: "cut", chunk: chunk)
            #expect(problemsA == problemsB)
            #expect(a.sortedList().map(\.user) == b.sortedList().map(\.user))
        }
    }

    @Test("a sub listed twice: the later entry wins, in one file or across files, spilled or not")
    func laterWins() throws {
        // In one CSV: user 1 twice, the second time as another plan and no longer federated.
        let twice = Self.csv(3) + "renamed,sub-0,new@example.com,free,,,CONFIRMED,true\n"
        for store in [nil, MemorySpillStore()] as [MemorySpillStore?] {
            let (directory, problems) = try Self.load([twice], budget: 256, store: store)
            #expect(problems.isEmpty)
            #expect(directory.count == 3)
            let users = directory.sortedList()
            #expect(users.count == 3)
            let first = try #require(users.first { $0.user.sub == "sub-0" }?.user)
            #expect(first.username == "renamed")
            #expect(first.attributes["custom:plan"] == "free")
            #expect(first.attributes["identities"] == nil)
            #expect(directory.userType(of: UserID("sub-0")) == "local")
        }
        // Across files: list-users, then a CSV that lists half of them again on another plan;
        // the first file spilled before the second one is read.
        let (directory, _) = try Self.load([Self.listUsers(200), Self.csv(100, from: 100, plan: "enterprise")], budget: 4 << 10, store: MemorySpillStore())
        #expect(directory.count == 200)
        let users = directory.sortedList()
        #expect(users.count == 200)
        for (_, user) in users {
            let n = Int(user.sub.dropFirst(4))!
            #expect(user.attributes["custom:plan"] == (n >= 100 ? "enterprise" : "pro"), "\(user.sub)")
        }
        // And the other way round: the earlier file's entries lose.
        let (reversed, _) = try Self.load([Self.csv(100, from: 100, plan: "enterprise"), Self.listUsers(200)], budget: 4 << 10, store: MemorySpillStore())
        #expect(reversed.sortedList().allSatisfy { $0.user.attributes["custom:plan"] == "pro" })
    }

    @Test("records sorted and spilled on a thread of their own (background) give what the loading thread's log gives")
    func background() throws {
        // Several files, later entries replacing earlier ones, more than one batch of the
        // writer (1 MB), spilled at a few budgets and not at all.
        let texts = [Self.listUsers(3000, perPage: 60), Self.csv(2500, from: 1500, plan: "enterprise"), Self.csv(40, from: 10, plan: "free")]
        for budget in [4 << 10, 256 << 10, UserDirectory.defaultMemoryBudget] {
            let plainStore = MemorySpillStore()
            let backgroundStore = MemorySpillStore()
            let (plain, plainProblems) = try Self.load(texts, budget: budget, store: plainStore)
            let (threaded, problems) = try Self.load(texts, budget: budget, store: backgroundStore, background: true)
            #expect(problems == plainProblems)
            #expect(threaded.count == plain.count)
            #expect(threaded.count == 4000)
            #expect(threaded.spilledRuns == plain.spilledRuns)
            #expect(backgroundStore.written == plainStore.written)
            let expected = plain.sortedList()
            let got = threaded.sortedList()
            #expect(got.count == 4000)
            #expect(got.map(\.hash) == expected.map(\.hash))
            #expect(got.map(\.user) == expected.map(\.user))
            // Every copy streams them all, as with the plain log.
            #expect(threaded.sortedList().map(\.user) == expected.map(\.user))
            #expect(got.first { $0.user.sub == "sub-15" }?.user.attributes["custom:plan"] == "free")
            #expect(got.first { $0.user.sub == "sub-1600" }?.user.attributes["custom:plan"] == "enterprise")
            #expect(got.first { $0.user.sub == "sub-900" }?.user.attributes["custom:plan"] == "pro")
            #expect(threaded.userType(of: UserID("sub-3")) == "federated")
            #expect(threaded.userType(of: UserID("sub-4")) == "local")
        }
        // Users added one by one (no file): the same too.
        var plain = UserDirectory(memoryBudget: 1 << 10, store: MemorySpillStore())
        var threaded = UserDirectory(memoryBudget: 1 << 10, store: MemorySpillStore(), background: true)
        for n in 0..<300 {
            let user = DirectoryUser(sub: "s\(n % 250)", username: "u\(n)", attributes: ["custom:n": "\(n)"])
            plain.add(user)
            threaded.add(user)
        }
        #expect(threaded.sortedList().map(\.user) == plain.sortedList().map(\.user))
        #expect(threaded.sortedList().count == 250)
    }

    /// A directory loaded by `load` (chunk size, background) on several threads against one
    /// thread's (`one`, its problems and store): the same problems, stops, users, records,
    /// types and spills at every chunk size, with the records' writer in the background or not.
    static func expectLikeOneThread(
        _ one: UserDirectory, _ oneProblems: [String], _ oneStore: MemorySpillStore,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ load: (Int, Bool) throws -> (UserDirectory, [String], MemorySpillStore)
    ) throws {
        let users = one.sortedList()
        for chunk in [1, 5, 64, 300, 1 << 20] {
            for background in [false, true] {
                let (many, problems, store) = try load(chunk, background)
                #expect(problems == oneProblems, "chunk \(chunk)", sourceLocation: sourceLocation)
                #expect(many.stoppedEarly == one.stoppedEarly, sourceLocation: sourceLocation)
                #expect(many.count == one.count, sourceLocation: sourceLocation)
                #expect(many.spilledRuns == one.spilledRuns && store.written == oneStore.written, "chunk \(chunk)", sourceLocation: sourceLocation)
                let got = many.sortedList()
                #expect(got.map(\.hash) == users.map(\.hash), sourceLocation: sourceLocation)
                #expect(got.map(\.user) == users.map(\.user), "chunk \(chunk), background \(background)", sourceLocation: sourceLocation)
                #expect(users.allSatisfy { many.userType(of: UserID($0.user.sub)) == one.userType(of: UserID($0.user.sub)) }, sourceLocation: sourceLocation)
            }
        }
    }

    @Test("a CSV parsed in blocks on several threads gives the users, records, spills and problems of one thread", arguments: [2, 3, 8])
    func csvThreads(threads: Int) throws {
        // Blocks of every size from a byte to the whole file, lines cut anywhere: later entries
        // of a sub in other blocks (they win), problems (a short line, no sub, empty lines),
        // CRLF, quotes, a sub that is not UTF-8, a second file, and the last line cut short.
        func withoutHeader(_ text: String) -> [UInt8] { Array(Array(text.utf8).drop { $0 != 0x0A }.dropFirst()) }
        var first = Array((Self.csv(120) + "short,line\n\r\n\nuser-x,,e,p,n,,CONFIRMED,true\n").utf8) + withoutHeader(Self.csv(60, from: 30, plan: "free"))
        // A sub that is not UTF-8 (a lone lead byte), a value of any bytes.
        first += Array("user-bad,sub-".utf8) + [0xC3] + Array("x,bad@example.com,pro,n".utf8) + [0xFF] + Array(",,CONFIRMED,true\n".utf8)
        let second = Array((Self.csv(50, from: 100, plan: "team") + "user-cut,sub-cut,c").utf8)
        func load(threads: Int, chunk: Int, background: Bool, keepsUsers: Bool = true) throws -> (UserDirectory, [String], MemorySpillStore) {
            let store = MemorySpillStore()
            var directory = UserDirectory(memoryBudget: 3 << 10, store: store, keepsUsers: keepsUsers, background: background, loadThreads: threads)
            var problems = try directory.load(first, name: "a.csv", chunk: chunk)
            problems += try directory.load(second, name: "b.csv", chunk: chunk)
            return (directory, problems, store)
        }
        let (one, oneProblems, oneStore) = try load(threads: 1, chunk: 1 << 20, background: false)
        #expect(oneProblems == [
            "a.csv: line 122: 2 fields, the header has 8; skipped",
            "a.csv: line 125: no sub; skipped",
            "b.csv: line 52: 3 fields, the header has 8, and the file ends inside it: it was cut short; the users before it are kept",
        ])
        #expect(one.stoppedEarly == ["b.csv"])
        #expect(one.count == 150 + 1)
        let users = one.sortedList()
        #expect(users.first { $0.user.sub == "sub-40" }?.user.attributes["custom:plan"] == "free")
        #expect(users.first { $0.user.sub == "sub-110" }?.user.attributes["custom:plan"] == "team")
        #expect(users.first { $0.user.sub == "sub-10" }?.user.attributes["custom:plan"] == "pro")
        #expect(users.contains { $0.user.sub.hasPrefix("sub-\u{FFFD}") })
        try Self.expectLikeOneThread(one, oneProblems, oneStore) { try load(threads: threads, chunk: $0, background: $1) }
        // Small files' edges, each against what one thread reads of it line by line: a header
        // alone (with and without its line break), a byte order mark, a lone `\r` at the end, a
        // `\n\r` at the end, `\r` alone between lines (one line for the reader), blank lines.
        let edges: [(String, [String], Int)] = [
            ("sub,custom:plan\n", [], 0),
            ("sub,custom:plan", [], 0),
            ("\u{FEFF}sub,custom:plan\r\ns1,a\r\n", [], 1),
            ("sub,custom:plan\ns1,a\ns2,b\r", [], 2),
            ("sub,custom:plan\ns1,a\n\r", [], 1),
            (
                "sub,custom:plan\ns1,a\rs2,b\n",
                ["e.csv: line 2: 3 fields, the header has 2; skipped", "e.csv: none of its 1 user could be read (each is said above; the first: line 2: 3 fields, the header has 2; skipped): it adds no one to the directory"], 0
            ),
            ("sub,custom:plan\n\n\ns1,a\n\ns2\n", ["e.csv: line 6: 1 fields, the header has 2; skipped"], 1),
        ]
        for (text, expected, count) in edges {
            for chunk in [1, 3, 1 << 20] {
                var directory = UserDirectory(memoryBudget: 1 << 10, store: MemorySpillStore(), loadThreads: threads)
                #expect(try directory.load(Array(text.utf8), name: "e.csv", chunk: chunk) == expected, "\(text.debugDescription)")
                #expect(directory.count == count && directory.stoppedEarly.isEmpty == (count > 0 || expected.isEmpty), "\(text.debugDescription)")
            }
        }
        // The types alone (no segments): the same types, nothing spilled.
        let (types, typesProblems, typesStore) = try load(threads: threads, chunk: 64, background: true, keepsUsers: false)
        #expect(typesProblems == oneProblems && types.count == one.count && typesStore.written == 0)
        #expect(one.sortedList().allSatisfy { types.userType(of: UserID($0.user.sub)) == one.userType(of: UserID($0.user.sub)) })
        #expect(types.userType(of: UserID("sub-3")) == "federated" && types.userType(of: UserID("sub-4")) == "local")
    }

    @Test("list-users read in blocks on several threads gives the users, records, spills and problems of one thread", arguments: [2, 3, 8])
    func listUsersThreads(threads: Int) throws {
        // Blocks of every size from one user to the whole file: later entries of a sub in
        // other blocks and pages (they win), each kind of skipped user, a page without users
        // between pages with users, a sub that is not UTF-8, damage in the middle of a page
        // (the rest of the file not read), a second file cut short inside a user.
        let skipped = #"{"Users": [{"Attributes": []}, 17, {"Attributes": [{"Value": "x"}]}, {"Attributes": [{"Name": "sub", "Value": "sub-\u00e9\\\n"}]}], "x": [1, 2.5e3, true, null]}"#
        var first = Array((Self.listUsers(120, perPage: 25) + skipped + #"{"Groups": []}"# + Self.listUsers(60, perPage: 7, from: 30, plan: "free")).utf8)
        let damaged = Self.listUsers(10, perPage: 10, from: 500) + #"{"Users": [{"Attributes": []}, {"Attributes" [] }, {"Attributes": []}]}"# + Self.listUsers(5, from: 900)
        first += Array(damaged.utf8)
        // Cut 1,500 bytes before its end, inside a user of the third page: the users whole
        // before the cut are those whose closing brace (a line of its own) it holds.
        let second = Array(Self.listUsers(50, perPage: 20, from: 100, plan: "team").utf8.dropLast(1500))
        let thirdPage = try #require(String(decoding: second, as: UTF8.self).components(separatedBy: #""Users": ["#).last)
        let whole = thirdPage.components(separatedBy: "\n        }").count - 1
        func load(threads: Int, chunk: Int, background: Bool, keepsUsers: Bool = true) throws -> (UserDirectory, [String], MemorySpillStore) {
            let store = MemorySpillStore()
            var directory = UserDirectory(memoryBudget: 3 << 10, store: store, keepsUsers: keepsUsers, background: background, loadThreads: threads)
            var problems = try directory.load(first, name: "a.json", chunk: chunk)
            problems += try directory.load(second, name: "b.json", chunk: chunk)
            return (directory, problems, store)
        }
        let (one, oneProblems, oneStore) = try load(threads: 1, chunk: 1 << 20, background: false)
        // Where the damage is: the `[` where the `:` should be.
        let key = Array(#""Attributes" ["#.utf8)
        let damageAt = try #require(first.indices.first { first[$0...].starts(with: key) }) + key.count - 1
        #expect(oneProblems == [
            "a.json: page 6, user 1: no sub attribute; skipped",
            "a.json: page 6, user 2: not an object; skipped",
            "a.json: page 6, user 3: an attribute without a Name; skipped",
            "a.json: page 7: not a list-users page (no \"Users\" array); skipped",
            "a.json: page 18, user 1: no sub attribute; skipped",
            "a.json: page 18: invalid JSON in user 2: expected ':' after object key at byte \(damageAt); the rest of the file is not read (1 user of this page before it kept)",
            "b.json: page 3: the file ends inside user \(whole + 1) at byte \(second.count); the rest of the file is not read (\(whole) users of this page before it kept)",
        ])
        #expect(one.stoppedEarly == ["a.json", "b.json"])
        let users = one.sortedList()
        #expect(users.first { $0.user.sub == "sub-40" }?.user.attributes["custom:plan"] == "free")
        #expect(users.first { $0.user.sub == "sub-110" }?.user.attributes["custom:plan"] == "team")
        #expect(users.first { $0.user.sub == "sub-10" }?.user.attributes["custom:plan"] == "pro")
        #expect(users.contains { $0.user.sub == "sub-é\\\n" })
        #expect(!users.contains { $0.user.sub == "sub-900" })  // after the damage
        try Self.expectLikeOneThread(one, oneProblems, oneStore) { try load(threads: threads, chunk: $0, background: $1) }
        // The types alone (no segments): the same types, nothing spilled.
        let (types, typesProblems, typesStore) = try load(threads: threads, chunk: 64, background: true, keepsUsers: false)
        #expect(typesProblems == oneProblems && types.count == one.count && typesStore.written == 0)
        #expect(one.sortedList().allSatisfy { types.userType(of: UserID($0.user.sub)) == one.userType(of: UserID($0.user.sub)) })
        // A file of pages without users only: refused, on any number of threads.
        var none = UserDirectory(loadThreads: threads)
        #expect(throws: UserDirectory.Failure.self) { try none.load(Array(#"{"Groups": []}{"x": 1}"#.utf8), name: "g.json", chunk: 3) }
    }

    @Test("types set 16 at a time (their slots loaded side by side) are the types set one by one")
    func typesInGroups() {
        // Hashes that collide in the low bits (the slot) as well as spread ones, some set
        // twice with another flag (the later counts), across the table's growth.
        var entries: [(hash: UInt64, federated: Bool)] = []
        for i in 0..<5000 {
            let hash = i % 7 == 0 ? UInt64(i + 1) << 40 : UInt64(i) &* 0x9E37_79B9_7F4A_7C15
            entries.append((hash, i % 3 == 0))
        }
        entries += entries.prefix(777).map { ($0.hash, !$0.federated) }
        entries.append((0, true))
        var one = UserTypeTable()
        for entry in entries { one.set(entry.hash, federated: entry.federated) }
        for size in [1, 5, 16, 17, 1000, entries.count] {
            var grouped = UserTypeTable()
            var start = 0
            while start < entries.count {
                let end = min(start + size, entries.count)
                entries[start..<end].withUnsafeBufferPointer { grouped.set($0) }
                start = end
            }
            #expect(grouped.count == one.count)
            #expect(entries.allSatisfy { grouped.federated($0.hash) == one.federated($0.hash) })
            #expect(grouped.federated(12345) == nil && one.federated(12345) == nil)
        }
        #expect(one.count == 5001)
        #expect(one.federated(entries[0].hash) == false)  // set again, flipped
    }

    @Test("without keepsUsers (no segments, no attribute breakdowns): the user_types only, nothing spilled")
    func typesOnly() throws {
        let store = MemorySpillStore()
        var directory = UserDirectory(memoryBudget: 1 << 10, store: store, keepsUsers: false)
        let problems = try directory.load(Array(Self.listUsers(100).utf8), name: "u.json")
        #expect(problems.isEmpty)
        #expect(directory.count == 100)
        #expect(directory.userType(of: UserID("sub-3")) == "federated")
        #expect(directory.userType(of: UserID("sub-4")) == "local")
        #expect(store.written == 0)
        #expect(directory.sortedList().isEmpty)
    }

    @Test("a file cut short keeps the users before the damage, whatever the chunk")
    func cutShort() throws {
        let text = Self.listUsers(100, perPage: 40)
        let cut = text.range(of: #""Username": "user57""#)!.lowerBound
        let bytes = Array(text.utf8.prefix(text.utf8.distance(from: text.startIndex, to: cut)))
        for chunk in [3, 1 << 20] {
            var directory = UserDirectory(memoryBudget: 2 << 10, store: MemorySpillStore())
            let problems = try directory.load(bytes, name: "users.json", chunk: chunk)
            #expect(problems == [
                "users.json: page 2: the file ends inside user 18 at byte \(bytes.count); the rest of the file is not read (17 users of this page before it kept)"
            ])
            #expect(directory.count == 57)
            #expect(directory.sortedList().map(\.user.sub).sorted() == (0..<57).map { "sub-\($0)" }.sorted())
        }
        // A CSV cut inside a line: the ones before are kept, and the file is read only in part
        // (a short line with a line break after it is only skipped, `csvSame`).
        let csv = Self.csv(10)
        let line = csv.range(of: "user7,")!.upperBound
        var directory = UserDirectory()
        let problems = try directory.load(Array(csv.utf8.prefix(csv.utf8.distance(from: csv.startIndex, to: line))), name: "users.csv", chunk: 16)
        #expect(problems == ["users.csv: line 9: 2 fields, the header has 8, and the file ends inside it: it was cut short; the users before it are kept"])
        #expect(directory.stoppedEarly == ["users.csv"])
        #expect(directory.count == 7)
        // Whole lines with no line break after the last: nothing is cut.
        var whole = UserDirectory()
        #expect(try whole.load(Array(csv.utf8.dropLast()), name: "users.csv", chunk: 16).isEmpty)
        #expect(whole.stoppedEarly.isEmpty && whole.count == 10)
        // A `\r` last, with no `\n` after it: a blank line, not a line cut short.
        var carriageReturn = UserDirectory()
        #expect(try carriageReturn.load(Array((csv + "\r").utf8), name: "users.csv", chunk: 16).isEmpty)
        #expect(carriageReturn.stoppedEarly.isEmpty && carriageReturn.count == 10)
    }

    @Test("the CSV: quotes, escaped commas, CRLF, a byte order mark, empty lines, values of any bytes")
    func csvDetails() throws {
        let text = "\u{FEFF}sub,Username,enabled,note\r\n\r\ns1,u1,TRUE,\"x,\"\"y\"\"\"\r\ns2,,no,a\\,b\\c\r\n\n"
        var directory = UserDirectory()
        let problems = try directory.load(Array(text.utf8) + Array("s3,u3,true,nul\0byte\n".utf8), name: "u.csv", chunk: 5)
        #expect(problems.isEmpty)
        let users = directory.allUsers()
        #expect(users["s1"] == DirectoryUser(sub: "s1", username: "u1", enabled: true, attributes: ["sub": "s1", "note": "x,\"y\""]))
        #expect(users["s2"] == DirectoryUser(sub: "s2", enabled: false, attributes: ["sub": "s2", "note": "a,b\\c"]))
        #expect(users["s3"]?.attributes["note"] == "nul\0byte")
        #expect(UserDirectory.fields(#"a,"b,c",d\,e"#) == ["a", "b,c", "d,e"])
        // One splitter for every line, as a file is read: a longer quoted line after a short
        // one (the unescaping buffer grows), a line that ends in a backslash, then a short one.
        var fields = CSVFields()
        func split(_ line: String) -> [String] {
            Array(line.utf8).withUnsafeBytes { raw in
                let count = fields.split(raw)
                return fields.withFields(line: raw) { field in (0..<count).map { String(decoding: field($0), as: UTF8.self) } }
            }
        }
        #expect(split(#""a""#) == ["a"])
        let long = String(repeating: "x", count: 10_000)
        #expect(split("\"\(long)\",\"y\"\"z\",w\\,v") == [long, "y\"z", "w,v"])
        #expect(split(#""q",ends\"#) == ["q", #"ends\"#])
        #expect(split(#""b",c"#) == ["b", "c"])
        // More fields than the splitter has room for at first (it makes room as it goes),
        // plain and quoted, after a short line; then empty lines, plain and `\r` alone.
        let commas = String(repeating: ",", count: 300)
        #expect(split(commas) == Array(repeating: "", count: 301))
        #expect(split("a") == ["a"])
        #expect(split("\"q\"" + commas) == ["q"] + Array(repeating: "", count: 300))
        #expect(split("") == [""])
        #expect(split("\r") == [""])
        // A line with more fields than the header is skipped, as one with fewer.
        var wide = UserDirectory()
        let problems2 = try wide.load(Array("sub,a\ns1,x\ns2,x,y\ns3,\"x\",y,z\n".utf8), name: "w.csv", chunk: 7)
        #expect(problems2 == ["w.csv: line 3: 3 fields, the header has 2; skipped", "w.csv: line 4: 4 fields, the header has 2; skipped"])
        #expect(wide.count == 1)
    }

    @Test("a plain line splits at its commas as the unescaping rules say: every length, a quote or backslash inside a field, bytes that differ from the delimiters by the high bit")
    func csvSplitPlain() {
        var fields = CSVFields()
        func split(_ line: [UInt8]) -> [[UInt8]] {
            line.withUnsafeBytes { raw in
                let count = fields.split(raw)
                return fields.withFields(line: raw) { field in (0..<count).map { Array(field($0)) } }
            }
        }
        // What the rules give a line whose quotes and backslashes are inside a field and not
        // before a comma: the bytes between its commas (a `\r` last dropped).
        func expected(_ line: [UInt8]) -> [[UInt8]] {
            let body = line.last == 0x0D ? Array(line.dropLast()) : line
            return body.split(separator: 0x2C, omittingEmptySubsequences: false).map(Array.init)
        }
        // Plain bytes, and the delimiters' neighbours: `"` `,` `\\` with the high bit set, and
        // the bytes beside them.
        let plain: [UInt8] = [0x61, 0x30, 0x20, 0x00, 0xA2, 0xAC, 0xDC, 0x21, 0x23, 0x2B, 0x2D, 0x5B, 0x5D, 0xC3, 0xA9, 0xFF, 0x80, 0x7F]
        var seed: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            // A fixed sequence: the same lines every run.
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        for length in 0...70 {
            for _ in 0..<40 {
                var line = (0..<length).map { _ in next(5) == 0 ? 0x2C : plain[next(plain.count)] }
                if next(4) == 0 { line.append(0x0D) }
                #expect(split(line) == expected(line), "\(line)")
                // A `"` or `\\` inside a field, neither first nor before a comma: a byte of it.
                let places = line.indices.filter { i in
                    i > 0 && line[i - 1] != 0x2C && line[i] != 0x2C && line[i] != 0x0D && (i + 1 == line.count || line[i + 1] != 0x2C)
                }
                if let place = places.isEmpty ? nil : places[next(places.count)] {
                    var marked = line
                    marked[place] = next(2) == 0 ? 0x22 : 0x5C
                    #expect(split(marked) == expected(marked), "\(marked)")
                }
            }
        }
        // More fields than there is room for at first.
        let many = Array(repeating: Array("ab,".utf8), count: 400).flatMap { $0 }
        #expect(split(many) == expected(many))
        // A quote that opens a field after a word of commas: unescaped.
        #expect(split(Array(",,,,,,,,\"x,y\"".utf8)) == Array(repeating: [], count: 8) + [Array("x,y".utf8)])
        #expect(split(Array("abcdefgh\\,ijk".utf8)) == [Array("abcdefgh,ijk".utf8)])
    }

    @Test("attribute names match as bytes, and text that is not ASCII as a String too")
    func attributeNames() {
        let names = AttributeNames(["custom:plan", "caf\u{E9}", "K"])
        func has(_ name: String) -> Bool { Array(name.utf8).withUnsafeBytes { names.contains($0) } }
        #expect(has("custom:plan") && !has("custom:pla") && !has("custom:plan2") && !has(""))
        #expect(has("caf\u{E9}"))  // the same bytes
        #expect(has("cafe\u{301}"))  // canonically equivalent, other bytes
        #expect(has("\u{212A}"))  // KELVIN SIGN, canonically K
        // Past eight bytes (tested a word at a time): a byte of 0x80 or more in a whole word
        // and in the tail.
        let long = AttributeNames(["custom:Kelvin-plan", "custom:abcdefgh\u{E9}"])
        func hasLong(_ name: String) -> Bool { Array(name.utf8).withUnsafeBytes { long.contains($0) } }
        #expect(hasLong("custom:Kelvin-plan") && hasLong("custom:\u{212A}elvin-plan") && hasLong("custom:abcdefghe\u{301}"))
        #expect(!hasLong("custom:Kelvin-plam") && !hasLong("custom:\u{212A}elvin-plam"))
        for (text, ascii) in [("", true), ("abcdefg", true), ("abcdefgh", true), ("abcdefghijklmnopq", true),
                              ("\u{E9}bcdefgh", false), ("abcdefgh\u{E9}", false), ("abcdefghijklmno\u{E9}", false)] {
            #expect(Array(text.utf8).withUnsafeBytes(AttributeNames.isASCII) == ascii, "\(text)")
        }
    }

    @Test("list-users: escaped keys, repeated keys (the later counts), Enabled as 1 or 0, a Value that is not a string")
    func listUsersDetails() throws {
        let text = """
            {"Users": [
              {"Username": "a", "Username": "b", "Enabled": 1, "UserStatus": 5,
               "Attr\\u0069butes": [{"Name": "sub", "Value": "s1"}, {"Name": "n", "Value": 3}, {"Name": "n2", "Value": "x", "Value": "y"}]},
              {"Enabled": 0, "Attributes": [{"Name": "sub", "Value": "s2"}, {"Name": "custom:x", "Value": "1"}], "Attributes": [{"Name": "sub", "Value": "s3"}]},
              {"Attributes": [{"Value": "no name"}], "Username": "c\\u0064", "Attributes": [{"Name": "sub", "Value": "s4"}]},
              {"Attributes": [{"Name": "sub", "Value": "s5"}], "Attributes": null},
              {"Attributes": [{"Name": "sub", "Value": "s6"}], "Attributes": [{"Value": "no name"}]}
            ]}
            """
        var directory = UserDirectory()
        let problems = try directory.load(Array(text.utf8), name: "u.json")
        // What an earlier `Attributes` gave (its sub, its attributes, its problem) goes with it.
        #expect(problems == ["u.json: page 1, user 4: no Attributes list; skipped", "u.json: page 1, user 5: an attribute without a Name; skipped"])
        let users = directory.allUsers()
        // A Value that is not a string is "", and an empty value is not kept (as the CSV's).
        #expect(users["s1"] == DirectoryUser(sub: "s1", username: "b", status: nil, enabled: true, attributes: ["sub": "s1", "n2": "y"]))
        #expect(users["s2"] == nil)
        #expect(users["s3"] == DirectoryUser(sub: "s3", enabled: false, attributes: ["sub": "s3"]))
        #expect(users["s4"] == DirectoryUser(sub: "s4", username: "cd", attributes: ["sub": "s4"]))
        #expect(users["s5"] == nil && users["s6"] == nil && users.count == 3)
    }
}

/// The segment pass decodes only the attributes its definitions read (`AttributeNames`): that
/// must be exactly the whole profile's attributes of those names, and the verified addresses.
@Suite("Directory records: a profile of only the attributes segments read")
struct ListedProfileSubsetTests {
    @Test("only the named attributes (status and enabled too), the same values; verified addresses kept")
    func subset() {
        var directory = UserDirectory()
        directory.add(DirectoryUser(
            sub: "sub-1", username: "ann", status: "CONFIRMED", enabled: false,
            attributes: [
                "sub": "sub-1", "email": "ann@example.com", "email_verified": "true", "phone_number": "+15551234",
                "phone_number_verified": "false", "custom:plan": "pro", "custom:plant": "fern", "locale": "fr_FR",
            ]))
        var copy = directory
        let stream = copy.sortedUsers()
        let record = stream.nextRecord()!.record
        let whole = record.withUnsafeBytes { DirectoryRecord.listedProfile($0) }
        let names = AttributeNames(["custom:plan", "cognito:enabled", "email", "email_verified", "phone_number", "phone_number_verified"])
        let lean = record.withUnsafeBytes { DirectoryRecord.listedProfile($0, only: names) }
        #expect(Set(lean.attributes.keys) == ["custom:plan", "cognito:enabled", "email", "email_verified", "phone_number", "phone_number_verified"])
        for (name, attribute) in lean.attributes { #expect(whole.attributes[name] == attribute) }
        #expect(lean.attributes["cognito:enabled"]?.values == ["false"])
        #expect(whole.attributes["custom:plant"]?.values == ["fern"] && whole.attributes["cognito:user_status"]?.values == ["CONFIRMED"])
        #expect(lean.verifiedEmail == "ann@example.com" && lean.verifiedEmail == whole.verifiedEmail)
        #expect(lean.verifiedPhone == nil && whole.verifiedPhone == nil)
        #expect(lean.sub == "sub-1")
        // Without the addresses' flags, no verified address (nothing reads it then); without
        // the sub asked for, no sub; the status when named.
        let noAddresses = record.withUnsafeBytes {
            DirectoryRecord.listedProfile($0, only: AttributeNames(["custom:plan", "email", "cognito:user_status"]), withSub: false)
        }
        #expect(noAddresses.sub == "")
        #expect(noAddresses.verifiedEmail == nil && noAddresses.verifiedPhone == nil)
        #expect(noAddresses.attributes == [
            "custom:plan": whole.attributes["custom:plan"]!, "email": whole.attributes["email"]!,
            "cognito:user_status": whole.attributes["cognito:user_status"]!,
        ])
    }

    @Test("a dictionary reused from user to user: each profile keeps its own attributes, kept or not")
    func reused() {
        var directory = UserDirectory()
        directory.add(DirectoryUser(sub: "a", attributes: ["sub": "a", "custom:plan": "pro", "locale": "fr_FR"]))
        directory.add(DirectoryUser(sub: "b", status: "CONFIRMED", attributes: ["sub": "b", "custom:plan": "free"]))
        directory.add(DirectoryUser(sub: "c", attributes: ["sub": "c"]))
        var copy = directory
        let stream = copy.sortedUsers()
        var records: [[UInt8]] = []
        while let (_, record) = stream.nextRecord() { records.append(record) }
        let names = AttributeNames(["custom:plan", "locale", "cognito:user_status"])
        var storage: [String: UserProfile.Attribute] = [:]
        // Every profile kept while the next ones are made (the storage is then shared), and
        // each made again with the one before gone (the storage emptied in place).
        let kept = records.map { record in
            record.withUnsafeBytes { DirectoryRecord.listedProfile($0, only: names, withSub: true, reusing: &storage) }
        }
        for (record, profile) in zip(records, kept) {
            let fresh = record.withUnsafeBytes { DirectoryRecord.listedProfile($0, only: names) }
            #expect(profile.attributes == fresh.attributes, "\(fresh.sub)")
            let again = record.withUnsafeBytes { DirectoryRecord.listedProfile($0, only: names, withSub: true, reusing: &storage) }
            #expect(again.attributes == fresh.attributes && again.sub == fresh.sub)
        }
        let bySub = Dictionary(uniqueKeysWithValues: kept.map { ($0.sub, $0.attributes) })
        #expect(bySub["a"] == ["custom:plan": .init(values: ["pro"], origin: .directory), "locale": .init(values: ["fr_FR"], origin: .directory)])
        #expect(bySub["b"] == [
            "custom:plan": .init(values: ["free"], origin: .directory), "cognito:user_status": .init(values: ["CONFIRMED"], origin: .directory),
        ])
        #expect(bySub["c"] == [:])
    }

    @Test("names compare as whole byte strings, not prefixes")
    func bytes() {
        let names = AttributeNames(["custom:plan"])
        for (name, expected) in [("custom:plan", true), ("custom:pla", false), ("custom:plant", false), ("", false)] {
            #expect(Array(name.utf8).withUnsafeBytes { names.contains($0) } == expected, "\(name)")
        }
        // Non-ASCII names are one name in either normal form, as dictionary keys are.
        let accented = AttributeNames(["custom:caf\u{E9}"])
        #expect(Array("custom:cafe\u{301}".utf8).withUnsafeBytes { accented.contains($0) })
        #expect(!Array("custom:cafe".utf8).withUnsafeBytes { accented.contains($0) })
    }
}
