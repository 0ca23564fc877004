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
}
