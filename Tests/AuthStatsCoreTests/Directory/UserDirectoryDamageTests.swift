import Testing

@testable import AuthStatsCore

/// Issue 11: a list-users file cut short, or damaged, keeps every user before the damage.
@Suite("User directory: damaged list-users files keep the users before the damage")
struct UserDirectoryDamageTests {
    /// Two pages: users a, b, c, then d, e; one user a line.
    let pages = """
        {"Users": [
        {"Username": "a", "Attributes": [{"Name": "sub", "Value": "sub-a"}]},
        {"Username": "b", "Attributes": [{"Name": "sub", "Value": "sub-b"}]},
        {"Username": "c", "Attributes": [{"Name": "sub", "Value": "sub-c"}]}
        ], "PaginationToken": "t1"}
        {"Users": [
        {"Username": "d", "Attributes": [{"Name": "sub", "Value": "sub-d"}]},
        {"Username": "e", "Attributes": [{"Name": "sub", "Value": "sub-e"}]}
        ]}

        """

    func load(_ bytes: [UInt8]) throws -> (subs: [String], problems: [String]) {
        var directory = UserDirectory()
        let problems = try directory.load(bytes, name: "users.json")
        return (directory.allUsers().keys.sorted(), problems)
    }

    /// The text up to (not including) the first `marker`.
    func cut(before marker: String) -> [UInt8] {
        Array(pages.utf8.prefix(pages.utf8.distance(from: pages.startIndex, to: pages.range(of: marker)!.lowerBound)))
    }

    @Test("whole: five users, no problem")
    func whole() throws {
        let (subs, problems) = try load(Array(pages.utf8))
        #expect(subs == ["sub-a", "sub-b", "sub-c", "sub-d", "sub-e"])
        #expect(problems.isEmpty)
    }

    @Test("cut inside user b: user a kept, the cut reported at the file's end")
    func cutInsideUser() throws {
        let bytes = cut(before: #""Value": "sub-b""#)
        let (subs, problems) = try load(bytes)
        #expect(subs == ["sub-a"])
        #expect(problems == [
            "users.json: page 1: the file ends inside user 2 at byte \(bytes.count); the rest of the file is not read (1 user of this page before it kept)"
        ])
    }

    @Test("cut inside the second page, before its Users: the first page's three users kept")
    func cutInsideSecondPage() throws {
        let bytes = Array(cut(before: #"{"Username": "d""#).dropLast(5))  // inside `{"Users": [\n`
        let (subs, problems) = try load(bytes)
        #expect(subs == ["sub-a", "sub-b", "sub-c"])
        #expect(problems.count == 1)
        #expect(problems[0].hasPrefix("users.json: page 2: "))
        #expect(problems[0].hasSuffix("at byte \(bytes.count); the rest of the file is not read (0 users of this page before it kept)"))
    }

    @Test("a damaged byte inside user c: users a and b kept, the damage reported at its byte")
    func damagedUser() throws {
        var bytes = Array(pages.utf8)
        let at = pages.utf8.distance(from: pages.startIndex, to: pages.range(of: #""Username": "c""#)!.lowerBound) + 10
        bytes[at] = UInt8(ascii: "!")  // `"Username"! "c"`
        let (subs, problems) = try load(bytes)
        #expect(subs == ["sub-a", "sub-b"])
        #expect(problems == [
            "users.json: page 1: invalid JSON in user 3: expected ':' after object key at byte \(at); the rest of the file is not read (2 users of this page before it kept)"
        ])
    }

    /// Reported as damage until 2026-12-05, when a file read in part came to make the run's
    /// exit status 1: NUL bytes are padding, as between input records.
    @Test("NUL padding after the last page (copytruncate) and between pages passes; every user kept")
    func padding() throws {
        let (subs, problems) = try load(Array(pages.utf8) + [0, 0, 0, 0])
        #expect(subs.count == 5)
        #expect(problems.isEmpty, "\(problems)")
        let (between, none) = try load(Array(pages.utf8) + [0, 0, 0x0A] + Array(pages.utf8))
        #expect(between.count == 5 && none.isEmpty, "\(none)")
    }

    @Test("cut just after the Users array opened: no user, a warning, not an error")
    func cutAtStart() throws {
        let (subs, problems) = try load(Array(#"{"Users": ["#.utf8))
        #expect(subs.isEmpty)
        #expect(problems == ["users.json: page 1: the file ends inside the Users array at byte 11; the rest of the file is not read (0 users of this page before it kept)"])
    }

    @Test("a file with no list-users page at all is still an error")
    func notAPage() {
        #expect(throws: UserDirectory.Failure.self) { try load(Array(#"{"Groups": []}"#.utf8)) }
        #expect(throws: UserDirectory.Failure.self) { try load(Array(#"{"Grou"#.utf8)) }
    }

    /// The first page alone, as `list-users --max-items` or a loop stopped after one page
    /// leaves it: its users kept, the file read in part (exit status 1 in a run).
    @Test("a last page with a pagination token: its users kept, the listing said to go on", arguments: ["PaginationToken", "NextToken"])
    func lastPageWithToken(key: String) throws {
        var directory = UserDirectory()
        let first = pages.components(separatedBy: "\n{\"Users\"")[0].replacingOccurrences(of: "PaginationToken", with: key)
        let problems = try directory.load(Array(first.utf8), name: "users.json")
        #expect(directory.allUsers().keys.sorted() == ["sub-a", "sub-b", "sub-c"])
        #expect(problems.count == 1 && problems[0].hasPrefix("users.json: page 1, the file's last, ends with a pagination token"), "\(problems)")
        #expect(directory.stoppedEarly == ["users.json"])
    }

    /// Found by a review on 2026-12-07: pages saved a file each, given as `--users` one after
    /// the other, were each "read in part" but the last.
    @Test("a last page with a token, when another file follows, is no listing cut short")
    func tokenBeforeAnotherFile() throws {
        var directory = UserDirectory()
        directory.listingMayContinue = true
        let first = pages.components(separatedBy: "\n{\"Users\"")[0]
        #expect(try directory.load(Array(first.utf8), name: "page-1.json").isEmpty && directory.stoppedEarly.isEmpty)
        directory.listingMayContinue = false
        let second = "{\"Users\"" + pages.components(separatedBy: "\n{\"Users\"")[1]
        #expect(try directory.load(Array(second.utf8), name: "page-2.json").isEmpty && directory.allUsers().count == 5)
    }

    @Test("a token that is null or empty, or on a page before the last, is no listing cut short")
    func tokenNotLast() throws {
        for last in [#", "PaginationToken": null"#, #", "PaginationToken": """#, ""] {
            var directory = UserDirectory()
            let text = pages.replacingOccurrences(of: "\n]}\n", with: "\n]\(last)}\n")
            // The last page's end is where the token goes (else the cases would test nothing).
            #expect(last.isEmpty || text.contains(last))
            let problems = try directory.load(Array(text.utf8), name: "users.json")
            #expect(directory.allUsers().count == 5 && problems.isEmpty && directory.stoppedEarly.isEmpty, "\(last): \(problems)")
        }
    }

    /// `list-users --attributes-to-get email` leaves `sub` out: every user skipped, which was a
    /// warning per user and nothing with `--quiet`.
    @Test("a file of which no user can be read is read in part, and says so once")
    func noUserReadable() throws {
        let noSub = pages.replacingOccurrences(of: #"{"Name": "sub", "Value": "sub-"#, with: #"{"Name": "email", "Value": "mail-"#)
        var directory = UserDirectory()
        let problems = try directory.load(Array(noSub.utf8), name: "users.json")
        #expect(directory.allUsers().isEmpty)
        #expect(problems.count == 6)
        #expect(problems.last == "users.json: none of its 5 users could be read (each is said above; the first: page 1, user 1: no sub attribute; skipped): it adds no one to the directory")
        #expect(directory.stoppedEarly == ["users.json"])
        // The first page alone: the token's message and this one, as one.
        var firstOnly = UserDirectory()
        let first = noSub.components(separatedBy: "\n{\"Users\"")[0]
        let both = try firstOnly.load(Array(first.utf8), name: "users.json")
        #expect(both.count == 4 && both[3].hasSuffix("the users it holds are kept; and none of its 3 users could be read (each is said above; the first: page 1, user 1: no sub attribute; skipped): it adds no one to the directory"), "\(both)")
        // A second file whose users are all skipped after a good one is read in part on its own.
        var two = UserDirectory()
        _ = try two.load(Array(pages.utf8), name: "good.json")
        let second = try two.load(Array(noSub.utf8), name: "bad.json")
        #expect(two.stoppedEarly == ["bad.json"] && second.last?.hasPrefix("bad.json: none of its 5 users") == true)
    }

    @Test("list-users output in another form than its JSON is refused by name", arguments: [
        ("[{\"Username\": \"a\"}]", "a JSON array, not list-users output"),
        ("  [\n]", "a JSON array, not list-users output"),
        ("USERS\t2023-05-01\tTrue\n", "the AWS CLI's text output"),
        ("Users:\n- Username: a\n", "the AWS CLI's YAML output"),
        ("-----------\n|  ListUsers  |\n", "the AWS CLI's table output"),
    ])
    func otherForms(text: String, named: String) {
        #expect {
            var directory = UserDirectory()
            _ = try directory.load(Array(text.utf8), name: "users.out")
        } throws: { error in
            "\(error)".hasPrefix("Unable to read the user directory users.out: \(named)") && "\(error)".contains("--output json")
        }
    }

    @Test("a user CSV whose lines end in a lone carriage return is refused, not read as one line")
    func loneCarriageReturns() {
        #expect {
            var directory = UserDirectory()
            _ = try directory.load(Array("cognito:username,sub\ra,sub-a\rb,sub-b\r".utf8), name: "users.csv")
        } throws: { error in
            "\(error)".contains("its lines end with a lone carriage return (CR)")
        }
        // `\r\n` is a line break as ever; so is `\r\r\n` (Python's csv module on Windows), and a
        // `\r` inside a quoted header field is the field's (a review found both refused).
        for text in ["cognito:username,sub\r\na,sub-a\r\n", "cognito:username,sub\r\r\na,sub-a\r\r\n", "\"cognito:\rusername\",sub\na,sub-a\n"] {
            var directory = UserDirectory()
            let problems = try? directory.load(Array(text.utf8), name: "users.csv")
            #expect(problems == [] && directory.count == 1, "\(text.debugDescription): \(problems ?? ["refused"])")
        }
    }
}
