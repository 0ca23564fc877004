import AuthStatsCore
import AuthStatsTestSupport
import Foundation
import Testing

/// `authstats check-config` run as a program: the committed samples, exit statuses, both
/// output formats, what is on stdout and stderr (`docs/configuration.md`).
@Suite("Command line: check-config")
struct CheckConfigCLITests {
    static let iam = ["--iam", "sample-logs/iam/CognitoPinpointAnalytics.role.json", "--iam", "sample-logs/iam/CognitoPinpointAnalytics.policy.json"]

    /// The mistakes sample with all its IAM files.
    static func mistakes() throws -> [String] {
        let folder = CLI.packageRoot.appendingPathComponent("Tests/Samples/config-mistakes/iam")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        return ["Tests/Samples/config-mistakes/clients.json"] + names.flatMap { ["--iam", "Tests/Samples/config-mistakes/iam/\($0)"] }
    }

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

    @Test("the sample passes: three clients, two projects, the role checked; exit 0 also with --strict")
    func samplePasses() throws {
        let result = try CLI.run(["check-config", "sample-logs/clients.json"] + Self.iam)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(result.stdout.hasPrefix("app clients: 3\n"))
        #expect(result.stdout.contains("\nproject 0123456789abcdef0123456789abcdef (eu-west-1): 1 client\n"))
        #expect(result.stdout.contains("\nproject fedcba9876543210fedcba9876543210 (us-east-1): 2 clients\n"))
        #expect(result.stdout.hasSuffix("\ncheck-config: no errors, no warnings\n"))
        #expect(try CLI.run(["check-config", "sample-logs/clients.json", "--strict"] + Self.iam).status == 0)
        // Without --iam the roles are not checked, and it still passes.
        let alone = try CLI.run(["check-config", "sample-logs/clients.json"])
        #expect(alone.status == 0)
        #expect(alone.stdout.contains("roles: not checked (no --iam files)"))
    }

    @Test("the sample's clients are the client ids the sample logs use")
    func sampleClientsAreTheLogs() throws {
        var configuration = AnalyticsConfiguration()
        let bytes = try [UInt8](Data(contentsOf: CLI.packageRoot.appendingPathComponent("sample-logs/clients.json")))
        #expect(configuration.load(bytes, name: "clients.json").isEmpty)
        for id in ["3n4mobileclient0example", "7webclient1example2abc"] {
            #expect(configuration.sentAnalytics(client: id), "\(id)")
        }
        // The Pinpoint stream of the sample is the mobile client's project.
        #expect(configuration.project(ofClient: "3n4mobileclient0example")?.id == "0123456789abcdef0123456789abcdef")
        #expect(Set(configuration.projects.map(\.project.region)) == ["eu-west-1", "us-east-1"])
    }

    @Test("the mistakes sample shows every kind of error and warning (but no-clients) and exits 1")
    func mistakesSample() throws {
        let result = try CLI.run(["check-config"] + Self.mistakes())
        #expect(result.status == 1)
        let codes = Set(result.stdout.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("error: ") || line.hasPrefix("warning: "), let open = line.lastIndex(of: "[") else { return nil }
            return String(line[line.index(after: open)..<line.index(before: line.endIndex)])
        })
        let expected = Set(ConfigurationFinding.Code.allCases.map(\.rawValue)).subtracting(["no-clients"])
        #expect(codes == expected)
        #expect(result.stdout.contains("check-config: 20 errors, 4 warnings\n"))
    }

    @Test("--format json: the same findings, parseable, sorted; the same bytes on every run")
    func json() throws {
        let arguments = ["check-config", "--format", "json"] + (try Self.mistakes())
        let result = try CLI.run(arguments)
        #expect(result.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["errors"] as? Int == 20 && object["warnings"] as? Int == 4 && object["exit_status"] as? Int == 1)
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.count == 24)
        #expect(findings.allSatisfy { $0.keys.sorted() == ["client_id", "client_name", "code", "field", "file", "message", "project_id", "severity"] })
        let text = try CLI.run(["check-config"] + (try Self.mistakes()))
        let textFindings = text.stdout.split(separator: "\n").filter { $0.hasPrefix("error: ") || $0.hasPrefix("warning: ") }
        #expect(textFindings.map { $0.hasPrefix("error") ? "error" : "warning" } == findings.map { $0["severity"] as! String })
        #expect(try CLI.run(arguments).stdout == result.stdout)
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
