import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

@Suite("User directory (--users): list-users pages and the user CSV")
struct UserDirectoryTests {
    /// Two list-users pages back to back, pretty-printed as the AWS CLI does.
    let listUsers = """
        {
            "Users": [
                {
                    "Username": "Google_1234567890",
                    "Attributes": [
                        {"Name": "sub", "Value": "sub-fed"},
                        {"Name": "email", "Value": "ana@example.com"},
                        {"Name": "email_verified", "Value": "false"},
                        {"Name": "custom:plan", "Value": "pro"},
                        {"Name": "identities", "Value": "[{\\"userId\\":\\"1234567890\\",\\"providerName\\":\\"Google\\",\\"providerType\\":\\"Google\\",\\"issuer\\":null,\\"primary\\":true,\\"dateCreated\\":1706745600123}]"}
                    ],
                    "UserCreateDate": 1706745600.123,
                    "Enabled": true,
                    "UserStatus": "EXTERNAL_PROVIDER"
                }
            ],
            "PaginationToken": "abc"
        }
        {
            "Users": [
                {
                    "Username": "jdoe",
                    "Attributes": [
                        {"Name": "sub", "Value": "sub-local"},
                        {"Name": "email", "Value": "j,doe@example.com"},
                        {"Name": "custom:plan", "Value": "free"}
                    ],
                    "Enabled": false,
                    "UserStatus": "CONFIRMED"
                },
                {
                    "Username": "nosub",
                    "Attributes": [{"Name": "email", "Value": "x@example.com"}],
                    "UserStatus": "CONFIRMED"
                }
            ]
        }
        """

    /// The same users as the user CSV (the user without a sub is not in it).
    let csv = """
        cognito:username,sub,email,email_verified,custom:plan,identities,UserStatus,Enabled,cognito:mfa_enabled
        Google_1234567890,sub-fed,ana@example.com,false,pro,[{"userId":"1234567890"\\,"providerName":"Google"\\,"providerType":"Google"\\,"issuer":null\\,"primary":true\\,"dateCreated":1706745600123}],EXTERNAL_PROVIDER,true,
        jdoe,sub-local,j\\,doe@example.com,,free,,CONFIRMED,false,
        short,line

        """

    func load(_ text: String, name: String = "users") throws -> (UserDirectory, [String]) {
        var directory = UserDirectory()
        let problems = try directory.load(Array(text.utf8), name: name)
        return (directory, problems)
    }

    @Test("list-users pages: every attribute, status, enabled; malformed entries reported with their position")
    func listUsersPages() throws {
        let (directory, problems) = try load(listUsers, name: "list-users.json")
        #expect(directory.count == 2)
        let fed = try #require(directory.allUsers()["sub-fed"])
        #expect(fed.username == "Google_1234567890")
        #expect(fed.status == "EXTERNAL_PROVIDER")
        #expect(fed.enabled == true)
        #expect(fed.attributes["custom:plan"] == "pro")
        #expect(fed.isFederated)
        #expect(fed.identityProviders == ["Google"])
        let local = try #require(directory.allUsers()["sub-local"])
        #expect(local.attributes["email"] == "j,doe@example.com")
        #expect(local.enabled == false)
        #expect(!local.isFederated)
        #expect(problems == ["list-users.json: page 2, user 2: no sub attribute; skipped"])
    }

    @Test("the CSV export gives the same directory")
    func csvSame() throws {
        let (fromJSON, _) = try load(listUsers)
        let (fromCSV, problems) = try load(csv, name: "users.csv")
        #expect(fromCSV.allUsers()["sub-fed"] == fromJSON.allUsers()["sub-fed"].map { user in
            var copy = user
            copy.attributes["cognito:mfa_enabled"] = nil
            return copy
        })
        var local = try #require(fromJSON.allUsers()["sub-local"])
        local.attributes["email_verified"] = nil
        #expect(fromCSV.allUsers()["sub-local"] == local)
        #expect(problems == ["users.csv: line 4: 2 fields, the header has 9; skipped"])
    }

    @Test("a federated user from the directory is federated in the breakdown; an unlisted one keeps its own type")
    func userType() throws {
        let (directory, _) = try load(listUsers)
        let run = InMemoryRun(
            [("p", Array([PinpointLine("_userauth.sign_in", iso: "2026-01-01T10:00:00Z", user: "sub-fed"),
                          PinpointLine("_userauth.sign_in", iso: "2026-01-01T11:00:00Z", user: "sub-local"),
                          PinpointLine("_userauth.sign_in", iso: "2026-01-01T12:00:00Z", user: "sub-other")].ndjson.utf8))],
            directory: directory)
        #expect(run.breakdown("2026-01-01", .userType, "federated")?.signIns == 1)
        #expect(run.breakdown("2026-01-01", .userType, "local")?.signIns == 1)
        #expect(run.breakdown("2026-01-01", .userType, "(unknown)")?.signIns == 1)
    }

    @Test("identities that name no provider (empty, [], white space, null, {}, other text) leave a user local; any provider makes it federated")
    func emptyIdentities() throws {
        // null, {} and other text name none either (they counted as linked, a review found).
        for (value, federated) in [("", false), ("[]", false), ("[ ]", false), ("null", false), ("{}", false), ("garbage", false),
                                   (#"[{"providerName":"Google"}]"#, true), (#"[{"p":"provider","providerName":"Facebook"}]"#, true), ("providerNam", false)] {
            let csv = "cognito:username,sub,identities,UserStatus\nu,sub-x,\"\(value.replacingOccurrences(of: "\"", with: "\"\""))\",CONFIRMED\n"
            let (directory, _) = try load(csv, name: "users.csv")
            let run = InMemoryRun(
                [("p", Array([PinpointLine("_userauth.sign_in", iso: "2026-01-01T10:00:00Z", user: "sub-x")].ndjson.utf8))], directory: directory)
            #expect(run.breakdown("2026-01-01", .userType, federated ? "federated" : "local")?.signIns == 1, "identities \(value)")
            #expect(DirectoryUser.linksIdentities(value.utf8) == federated)
        }
    }

    @Test("a file that is not a directory at all is an error that names it")
    func notADirectory() {
        #expect(throws: UserDirectory.Failure.self) { try load("hello,world\n1,2\n", name: "x.csv") }
        do {
            _ = try load("cognito:username,email\njdoe,j@example.com\n", name: "nosub.csv")
            Issue.record("accepted a CSV without sub")
        } catch {
            #expect("\(error)" == "Unable to read the user directory nosub.csv: the CSV has no sub column, so its users cannot be matched to events; export the sub of each user")
        }
        do {
            _ = try load(#"{"Groups": []}"#, name: "groups.json")
            Issue.record("accepted JSON without Users")
        } catch {
            #expect("\(error)" == "Unable to read the user directory groups.json: no list-users page (`{\"Users\": [...]}`) in it")
        }
    }
}
