import AuthStatsCore
import AuthStatsTestSupport
import Foundation
import Testing

/// `authstats check-config` run as a program: exit statuses, both output formats, what is
/// on stdout and stderr (`docs/configuration.md`).
@Suite("Command line: check-config")
struct CheckConfigCLITests {
    /// Two clients of one project, as `describe-user-pool-client` prints them, back to back.
    static let clients = """
        {"UserPoolClient": {"UserPoolId": "eu-west-1_AbCdEf123", "ClientName": "web", "ClientId": "webclient1",
          "AnalyticsConfiguration": {"ApplicationId": "fedcba9876543210fedcba9876543210",
            "RoleArn": "arn:aws:iam::111122223333:role/CognitoPinpoint", "UserDataShared": false}}}
        {"UserPoolClient": {"UserPoolId": "eu-west-1_AbCdEf123", "ClientName": "mobile", "ClientId": "mobileclient2",
          "AnalyticsConfiguration": {"ApplicationArn": "arn:aws:mobiletargeting:us-east-1:111122223333:apps/fedcba9876543210fedcba9876543210",
            "UserDataShared": true}}}
        """

    func write(_ text: String, _ name: String = "file.json") throws -> String {
        let url = CLI.temporaryFolder().appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test("--strict turns a warning into exit 1")
    func strict() throws {
        let list = try write(#"{"UserPoolClients": [{"ClientId": "abc", "UserPoolId": "eu-west-1_AbCdEf123", "ClientName": "web"}]}"#)
        let plain = try CLI.run(["check-config", list])
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("warning: client abc (web), AnalyticsConfiguration: no analytics configuration"))
        let strict = try CLI.run(["check-config", list, "--strict"])
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("error: client abc (web), AnalyticsConfiguration: no analytics configuration"))
        #expect(strict.stdout.hasSuffix("check-config: 1 error, no warnings (--strict: warnings count as errors)\n"))
    }

    @Test("malformed JSON is an error finding naming the file: exit 1")
    func malformed() throws {
        let path = try write(#"{"UserPoolClient": {"ClientId": "abc""#)
        let result = try CLI.run(["check-config", path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("error: \(path): not JSON at byte 37 (the file ends inside a JSON value); 0 document(s) before it read [invalid-json]"))
    }

    @Test("a file that cannot be read: exit 2, the file and the reason on stderr, nothing checked")
    func unreadable() throws {
        let result = try CLI.run(["check-config", try write(Self.clients), "--iam", "/nonexistent/role.json"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("authstats: error: Unable to read /nonexistent/role.json: No such file or directory"))
    }

    @Test("a compressed client file reads like a plain one")
    func compressed() throws {
        let path = try write(Self.clients)
        let plain = try CLI.run(["check-config", path])
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("\nproject fedcba9876543210fedcba9876543210 (us-east-1): 2 clients\n"))
        #expect(try CLI.program(URL(fileURLWithPath: "/bin/gzip"), [path]).status == 0)
        let result = try CLI.run(["check-config", path + ".gz"])
        #expect(result.status == 0)
        #expect(result.stdout == plain.stdout.replacingOccurrences(of: path, with: path + ".gz"))
    }

    @Test("bad usage exits 64", arguments: [["check-config"], ["check-config", "clients.json", "--format", "xml"]])
    func usage(arguments: [String]) throws {
        #expect(try CLI.run(arguments).status == 64)
    }

    @Test("--help documents the inputs and the exit statuses")
    func help() throws {
        let result = try CLI.run(["check-config", "--help"])
        #expect(result.status == 0)
        let help = result.stdout.replacingOccurrences(of: "\n", with: " ")
        #expect(help.contains("describe-user-pool-client"))
        #expect(help.contains("2 a file could not be read"))
        #expect(help.contains("64 bad usage"))
    }
}
