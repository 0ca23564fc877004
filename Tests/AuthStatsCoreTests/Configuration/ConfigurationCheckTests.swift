import Testing

@testable import AuthStatsCore

@Suite("check-config rules: clients, projects, regions, ARNs")
struct ConfigurationCheckTests {
    typealias F = ConfigurationFixtures

    func check(_ texts: String..., roles: IAMRoles? = nil, strict: Bool = false) -> ConfigurationReport {
        var configuration = AnalyticsConfiguration()
        var findings: [ConfigurationFinding] = []
        for (index, text) in texts.enumerated() { findings += configuration.load(Array(text.utf8), name: "file\(index + 1)") }
        return ConfigurationCheck.run(configuration, roles: roles, readFindings: findings, strict: strict)
    }

    func arn(_ region: String, _ project: String = F.projectA, partition: String = "aws") -> String {
        "arn:\(partition):mobiletargeting:\(region):111122223333:apps/\(project)"
    }

    @Test("a good configuration has no findings")
    func clean() {
        let report = check(
            F.describe("a", name: "web", analytics: ["ApplicationArn": arn("eu-west-1"), "UserDataShared": true]),
            F.describe("b", analytics: ["ApplicationId": F.projectB, "RoleArn": F.roleARN, "ExternalId": "x"]))
        #expect(report.findings.isEmpty)
        #expect(report.exitStatus == 0)
        #expect(!report.rolesChecked)
    }

    @Test("a project's region: an ApplicationArn's, not the us-east-1 an ApplicationId alone stands for, whatever the clients' order")
    func projectRegion() {
        let (configuration, _) = F.configuration(
            F.describe("a0legacy", analytics: ["ApplicationId": F.projectA]),
            F.describe("b1inregion", analytics: ["ApplicationArn": arn("eu-west-1")]))
        #expect(configuration.projects.map { $0.project.region } == ["eu-west-1"])
        let (alone, _) = F.configuration(F.describe("a0legacy", analytics: ["ApplicationId": F.projectA]))
        #expect(alone.projects.map { $0.project.region } == ["us-east-1"])
    }

    @Test("a project id that is not 32 hex characters, in ApplicationId or inside ApplicationArn, names the field")
    func projectID() {
        let report = check(
            F.describe("a", name: "web", analytics: ["ApplicationId": "0123456789abcdef", "RoleArn": F.roleARN]),
            F.describe("b", analytics: ["ApplicationArn": arn("eu-west-1", "not-hex-at-all")]))
        #expect(F.codes(report.findings) == ["project-id", "project-id"])
        #expect(report.findings.map(\.field) == ["ApplicationId", "ApplicationArn"])
        #expect(report.findings[0].clientID == "a" && report.findings[0].clientName == "web")
        #expect(report.findings[0].message == "'0123456789abcdef' is not a Pinpoint project id: 32 hex characters")
        #expect(report.exitStatus == 1)
    }

    @Test(
        "the region rule: the ARN's region, us-east-1 for an ApplicationId",
        arguments: [
            ("ap-northeast-1_Abc", "us-east-1", true), ("ap-south-1_Abc", "us-east-1", true), ("ap-south-1_Abc", "ap-south-1", true),
            ("eu-west-1_Abc", "eu-west-2", false), ("eu-west-2_Abc", "eu-west-2", false), ("eu-west-3_Abc", "eu-west-3", true),
            ("eu-west-3_Abc", "us-east-1", false), ("eu-south-1_Abc", "eu-south-1", false), ("af-south-1_Abc", "us-east-1", false),
        ])
    func regionByARN(pool: String, projectRegion: String, allowed: Bool) {
        let report = check(F.describe("a", pool: pool, analytics: ["ApplicationArn": arn(projectRegion)]))
        #expect(F.codes(report.findings) == (allowed ? [] : ["project-region"]))
        if !allowed { #expect(report.findings[0].field == "ApplicationArn") }
    }

    @Test(
        "an ApplicationId alone is a us-east-1 project",
        arguments: [("ap-northeast-1_Abc", true), ("us-east-1_Abc", true), ("eu-west-3_Abc", false), ("me-south-1_Abc", false)])
    func regionByApplicationID(pool: String, allowed: Bool) {
        let report = check(F.describe("a", pool: pool, analytics: ["ApplicationId": F.projectA, "RoleArn": F.roleARN]))
        #expect(F.codes(report.findings) == (allowed ? [] : ["project-region"]))
    }

    @Test("the messages say what was allowed, and that Pinpoint never existed in the six regions")
    func regionMessages() {
        let london = check(F.describe("a", analytics: ["ApplicationArn": arn("eu-west-2")]))
        #expect(london.findings[0].message == "the project is in eu-west-2, and a pool in eu-west-1 could send analytics only to us-east-1 or eu-west-1")
        let milan = check(F.describe("a", pool: "eu-south-1_Abc", analytics: ["ApplicationArn": arn("eu-south-1")]))
        #expect(milan.findings[0].message.hasPrefix("Pinpoint never existed in eu-south-1 (Europe (Milan))"))
    }

    @Test("one client id mapped to two different projects is an error naming the client and both sources")
    func twoProjects() {
        let report = check(
            F.describe("a", name: "web", analytics: ["ApplicationId": F.projectA, "RoleArn": F.roleARN]),
            F.describe("a", name: "web", analytics: ["ApplicationArn": arn("eu-west-1", F.projectB)]),
            F.describe("a", name: "web", analytics: ["ApplicationId": F.projectA.uppercased(), "RoleArn": F.roleARN]))
        #expect(F.codes(report.findings) == ["two-projects"])
        let finding = report.findings[0]
        #expect(finding.clientID == "a")
        #expect(finding.field == "AnalyticsConfiguration")
        #expect(finding.message.contains("\(F.projectA) (file1, document 1), \(F.projectB) (file2, document 1)"))
    }

    @Test("the same client read twice with the same project is no finding")
    func sameProjectTwice() {
        let report = check(
            F.describe("a", analytics: ["ApplicationId": F.projectA, "RoleArn": F.roleARN]), F.describe("a", analytics: ["ApplicationId": F.projectA, "RoleArn": F.roleARN]))
        #expect(report.findings.isEmpty)
        #expect(report.clients.count == 1)
    }

    @Test("two clients sharing a project in one pool: one project with two clients, no finding; in two pools: a warning")
    func sharedProject() throws {
        let shared = check(
            F.describe("a", analytics: ["ApplicationId": F.projectA, "RoleArn": F.roleARN]), F.describe("b", analytics: ["ApplicationId": F.projectA, "UserDataShared": true, "RoleArn": F.roleARN]))
        #expect(shared.findings.isEmpty)
        #expect(shared.projects.count == 1)
        #expect(shared.projects[0].clients.map(\.clientID) == ["a", "b"])
        let pools = check(
            F.describe("a", analytics: ["ApplicationId": F.projectA, "RoleArn": F.roleARN]),
            F.describe("b", pool: "eu-west-1_Other", analytics: ["ApplicationId": F.projectA, "RoleArn": F.roleARN]))
        #expect(F.codes(pools.findings) == ["project-in-two-pools"])
        let finding = try #require(pools.findings.first)
        #expect(finding.severity == .warning && finding.projectID == F.projectA && finding.clientID == nil)
        #expect(finding.message.hasPrefix("clients in 2 user pools: eu-west-1_AbCdEf123 (a), eu-west-1_Other (b)"))
        #expect(pools.exitStatus == 0)
    }

    @Test("one project id that clients' ApplicationArns put in two regions is an error naming the regions and their clients; in one region, or beside an ApplicationId alone, none")
    func projectInTwoRegions() throws {
        let report = check(
            F.describe("a", analytics: ["ApplicationArn": arn("eu-west-1")]),
            F.describe("b", analytics: ["ApplicationArn": arn("us-east-1")]),
            F.describe("c", analytics: ["ApplicationArn": arn("eu-west-1", F.projectA.uppercased())]),
            F.describe("d", analytics: ["ApplicationId": F.projectA, "RoleArn": F.roleARN]))
        #expect(F.codes(report.findings) == ["project-in-two-regions"])
        let finding = try #require(report.findings.first)
        #expect(finding.severity == .error && finding.projectID == F.projectA && finding.clientID == nil && finding.field == "ApplicationArn")
        #expect(finding.message.hasPrefix("named in 2 regions: eu-west-1 (a, c), us-east-1 (b); a project lives in one region"))
        #expect(report.exitStatus == 1)
        // The region an ApplicationId alone is taken for is the region rule's reading, not
        // the client's word: beside an ARN of another region it is no finding.
        for region in ["us-east-1", "eu-west-1"] {
            let one = check(
                F.describe("a", analytics: ["ApplicationArn": arn(region)]),
                F.describe("b", analytics: ["ApplicationId": F.projectA, "RoleArn": F.roleARN]))
            #expect(one.findings.isEmpty, "\(region)")
        }
    }

    @Test("ARNs that do not parse, and a RoleArn that is not a role")
    func arns() {
        let report = check(
            F.describe("a", analytics: ["ApplicationArn": "arn:aws:mobiletargeting:eu-west-1:apps/\(F.projectA)", "RoleArn": "CognitoPinpoint"]),
            F.describe("b", analytics: ["ApplicationId": F.projectA, "RoleArn": "arn:aws:iam::111122223333:user/writer"]))
        #expect(report.findings.map { "\($0.clientID!) \($0.field!) \($0.code.rawValue)" } == ["a ApplicationArn arn", "a RoleArn arn", "b RoleArn role-arn"])
        #expect(report.findings[2].message == "'arn:aws:iam::111122223333:user/writer' is not an IAM role's ARN (arn:PARTITION:iam::ACCOUNT:role/NAME): its resource 'user/writer' is not role/NAME")
    }

    /// Found by a review on 2026-12-05: an 11-digit account was "an ARN of iam role, not of
    /// an IAM role"; each message now says what is wrong.
    @Test("a RoleArn that is an ARN but no IAM role's says why", arguments: [
        ("arn:aws:iam::11112222333:role/R", "its account '11112222333' is not 12 digits"),
        ("arn:aws:iam:eu-west-1:111122223333:role/R", "IAM ARNs have no region, this one names eu-west-1"),
        ("arn:aws:sts::111122223333:assumed-role/R/s", "its service is sts, not iam"),
        ("arn:aws:iam::111122223333:role/My Role", "its role name holds ' ', which IAM does not allow (only letters, digits and +=,.@_-)"),
        ("arn:aws:iam::111122223333:role/path/", "it names no role after the path"),
        ("arn:aws:iam::111122223333:role/" + String(repeating: "r", count: 65), "its role name has 65 characters, at most 64"),
    ])
    func roleARNProblems(roleARN: String, why: String) {
        let report = check(F.describe("a", analytics: ["ApplicationId": F.projectA, "RoleArn": roleARN]))
        #expect(F.codes(report.findings) == ["role-arn"])
        #expect(report.findings.first?.message == "'\(roleARN)' is not an IAM role's ARN (arn:PARTITION:iam::ACCOUNT:role/NAME): \(why)")
    }

    @Test("an ApplicationId without RoleArn has no role to send with: no-role; with an ApplicationArn the service-linked role serves")
    func noRole() {
        let report = check(
            F.describe("a", name: "web", analytics: ["ApplicationId": F.projectA]),
            F.describe("b", analytics: ["ApplicationArn": arn("us-east-1")]))
        #expect(F.codes(report.findings) == ["no-role"])
        #expect(report.findings.first?.clientID == "a" && report.findings.first?.field == "RoleArn")
        #expect(report.findings.first?.message.hasPrefix("an ApplicationId without RoleArn: Cognito has no role to send analytics with") == true)
    }

    @Test("ApplicationId and the ARN's project differ")
    func mismatch() {
        let report = check(F.describe("a", analytics: ["ApplicationArn": arn("eu-west-1"), "ApplicationId": F.projectB]))
        #expect(F.codes(report.findings) == ["project-id-mismatch"])
    }

    @Test("a pool id without a region is an error for a configured client")
    func poolID() {
        let report = check(F.describe("a", pool: "AbCdEf123", analytics: ["ApplicationId": F.projectA, "RoleArn": F.roleARN]), F.describe("b", pool: nil, analytics: ["ApplicationId": F.projectB, "RoleArn": F.roleARN]))
        #expect(F.codes(report.findings) == ["user-pool-id", "user-pool-id"])
    }

    @Test("a client without analytics is a warning; --strict makes it an error and exit 1")
    func unconfigured() {
        let text = F.describe("a") + F.describe("b", analytics: [:])
        let report = check(text)
        #expect(F.codes(report.findings) == ["unconfigured", "unconfigured"])
        #expect(report.findings.allSatisfy { $0.severity == .warning && $0.field == "AnalyticsConfiguration" })
        #expect(report.errors == 0 && report.warnings == 2 && report.exitStatus == 0)
        let strict = check(text, strict: true)
        #expect(strict.findings.allSatisfy { $0.severity == .error && $0.code == .unconfigured })
        #expect(strict.errors == 2 && strict.warnings == 0 && strict.exitStatus == 1)
    }

    @Test("no clients at all is an error")
    func noClients() {
        #expect(F.codes(check("[]").findings) == ["no-clients"])
    }

    @Test("findings come out in the same order whatever the order of the files")
    func deterministic() {
        let files = [
            F.describe("b", analytics: ["ApplicationId": "12", "RoleArn": F.roleARN]), F.describe("a"),
            F.describe("c", pool: "x", analytics: ["ApplicationArn": "nope", "RoleArn": "nope"]),
        ]
        let one = check(files[0], files[1], files[2])
        let other = check(files[2], files[0], files[1])
        #expect(one.findings.map(\.message) == other.findings.map(\.message))
        #expect(one.findings.map(\.clientID) == ["a", "b", "c", "c", "c"])
        #expect(one.clients.map(\.clientID) == ["a", "b", "c"])
    }
}
