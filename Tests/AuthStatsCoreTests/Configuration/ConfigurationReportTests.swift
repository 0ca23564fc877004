import Foundation
import Testing

@testable import AuthStatsCore

@Suite("check-config output: text and --format json")
struct ConfigurationReportTests {
    typealias F = ConfigurationFixtures

    func report(strict: Bool = false) -> ConfigurationReport {
        let (configuration, findings) = F.configuration(
            F.describe("web1", name: "web", analytics: ["ApplicationArn": "arn:aws:mobiletargeting:us-east-1:111122223333:apps/\(F.projectA)", "UserDataShared": true])
                + F.describe("adm2", name: "admin", analytics: ["ApplicationId": F.projectA, "RoleArn": F.roleARN, "ExternalId": "e"])
                + F.describe("old3", name: "legacy\u{1B}[2J"))
        return ConfigurationCheck.run(configuration, roles: nil, readFindings: findings, strict: strict)
    }

    @Test("the text: a line per client, a table per project, the findings and the total")
    func text() {
        var out = ""
        report().writeText(to: &out)
        let expected = """
            app clients: 3
              client  name           user pool            project                           region     role              user data
              adm2    admin          eu-west-1_AbCdEf123  0123456789abcdef0123456789abcdef  us-east-1  CognitoPinpoint   not shared
              old3    legacy\\x1b[2J  eu-west-1_AbCdEf123  (unconfigured)                    -          -                 -
              web1    web            eu-west-1_AbCdEf123  0123456789abcdef0123456789abcdef  us-east-1  (service-linked)  shared

            project 0123456789abcdef0123456789abcdef (us-east-1): 2 clients
              client  name   user pool            user data
              adm2    admin  eu-west-1_AbCdEf123  not shared
              web1    web    eu-west-1_AbCdEf123  shared

            roles: not checked (no --iam files)
            warning: client old3 (legacy\\x1b[2J), AnalyticsConfiguration: no analytics configuration: Cognito sent this client's events to no Pinpoint project [unconfigured]
            check-config: no errors, 1 warning

            """
        #expect(out == expected)
    }

    @Test("--strict: the warning is an error, and the total says why")
    func strictText() {
        var out = ""
        report(strict: true).writeText(to: &out)
        #expect(out.contains("\nerror: client old3 "))
        #expect(out.hasSuffix("check-config: 1 error, no warnings (--strict: warnings count as errors)\n"))
    }

    @Test("the JSON: the same findings, every key in every object, keys sorted, parseable")
    func json() throws {
        var out = ""
        report().writeJSON(to: &out)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "authstats.check-config/1")
        #expect(object["errors"] as? Int == 0 && object["warnings"] as? Int == 1 && object["exit_status"] as? Int == 0)
        #expect(object["roles_checked"] as? Bool == false && object["strict"] as? Bool == false)
        let clients = try #require(object["clients"] as? [[String: Any]])
        #expect(clients.map { $0["client_id"] as? String } == ["adm2", "old3", "web1"])
        #expect(clients.allSatisfy { $0.count == 14 })
        #expect(clients[0]["project_region"] as? String == "us-east-1")
        #expect(clients[1]["project_id"] is NSNull)
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.count == 1)
        #expect(findings[0]["code"] as? String == "unconfigured" && findings[0]["severity"] as? String == "warning")
        #expect(findings[0]["file"] is NSNull && findings[0]["field"] as? String == "AnalyticsConfiguration")
        let projects = try #require(object["projects"] as? [[String: Any]])
        #expect(projects.count == 1 && projects[0]["user_pools"] as? [String] == [F.pool])
        // Keys come sorted: at the top level, and in each client and finding object.
        let topLevel = out.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { String($0.split(separator: "\"")[1]) }
        #expect(topLevel == ["clients", "errors", "exit_status", "findings", "projects", "roles_checked", "schema", "strict", "warnings"])
        for line in out.split(separator: "\n") where line.hasPrefix("    {\"analytics\"") || line.hasPrefix("    {\"client_id\"") {
            let keys = line.matches(of: try Regex(#""([a-z_]+)": "#)).map { String(line[$0.range].dropFirst().dropLast(3)) }
            #expect(keys == keys.sorted(), "\(line)")
        }
        var strict = ""
        report(strict: true).writeJSON(to: &strict)
        #expect(strict.contains(#""severity": "error""#) && strict.contains(#""exit_status": 1"#))
    }

    @Test("two runs over files in another order print the same bytes")
    func deterministic() throws {
        let files = [
            F.describe("b", analytics: ["ApplicationId": F.projectB]), F.describe("a", analytics: ["ApplicationId": "bad"]),
            F.describe("c", pool: "eu-west-1_Other", analytics: ["ApplicationId": F.projectB]),
        ]
        func run(_ texts: [String]) -> (String, String) {
            var configuration = AnalyticsConfiguration()
            for text in texts { _ = configuration.load(Array(text.utf8), name: "f") }
            let report = ConfigurationCheck.run(configuration, roles: nil)
            var text = ""
            var json = ""
            report.writeText(to: &text)
            report.writeJSON(to: &json)
            return (text, json)
        }
        let one = run(files)
        let other = run(files.reversed())
        #expect(one.0 == other.0)
        // The JSON names each client's document, which moved: compare without it.
        let document = try Regex(#""document": \d+"#)
        #expect(one.1.replacing(document, with: "") == other.1.replacing(document, with: ""))
    }
}
