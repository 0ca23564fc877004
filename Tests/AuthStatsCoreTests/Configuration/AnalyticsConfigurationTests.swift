import Testing

@testable import AuthStatsCore

@Suite("Client configuration files: describe-user-pool-client and list-user-pool-clients outputs")
struct AnalyticsConfigurationTests {
    typealias F = ConfigurationFixtures

    @Test("a describe output: every field of the analytics configuration, and the project in lower case")
    func describeOutput() throws {
        let text = """
            {
                "UserPoolClient": {
                    "UserPoolId": "eu-west-1_AbCdEf123",
                    "ClientName": "ios-app",
                    "ClientId": "5exampleclientid",
                    "CreationDate": 1704067200.0,
                    "ReadAttributes": ["email", "custom:plan"],
                    "AnalyticsConfiguration": {
                        "ApplicationId": "0123456789ABCDEF0123456789ABCDEF",
                        "RoleArn": "arn:aws:iam::111122223333:role/CognitoPinpoint",
                        "ExternalId": "ext-1",
                        "UserDataShared": true
                    }
                }
            }
            """
        let (configuration, findings) = F.configuration(text)
        #expect(findings.isEmpty)
        let client = try #require(configuration.client("5exampleclientid"))
        #expect(client.name == "ios-app")
        #expect(client.userPoolID == "eu-west-1_AbCdEf123")
        #expect(client.poolRegion == "eu-west-1")
        #expect(client.source == AppClient.Source(file: "file1", document: 1))
        let analytics = try #require(client.analytics)
        #expect(analytics.applicationID == "0123456789ABCDEF0123456789ABCDEF")
        #expect(analytics.roleARN == "arn:aws:iam::111122223333:role/CognitoPinpoint")
        #expect(analytics.externalID == "ext-1")
        #expect(analytics.userDataShared)
        // An ApplicationId without an ARN names a us-east-1 project.
        #expect(configuration.project(ofClient: "5exampleclientid") == PinpointProject(id: "0123456789abcdef0123456789abcdef", region: "us-east-1"))
        #expect(configuration.sentAnalytics(client: "5exampleclientid"))
    }

    @Test("ApplicationArn gives the project and its region; it wins over ApplicationId")
    func applicationARN() {
        let (configuration, _) = F.configuration(
            F.describe(
                "c1", analytics: ["ApplicationArn": "arn:aws-cn:mobiletargeting:cn-north-1:111122223333:apps/\(F.projectA)", "ApplicationId": F.projectB]))
        #expect(configuration.project(ofClient: "c1") == PinpointProject(id: F.projectA, region: "cn-north-1"))
    }

    @Test("concatenated objects, a JSON array and a bare UserPoolClientType all read; documents numbered in file order")
    func shapes() {
        let text = F.describe("a") + "\n" + "[\(F.describe("b")), \(F.describe("c"))]" + F.json(["ClientId": "d", "UserPoolId": F.pool])
        let (configuration, findings) = F.configuration(text)
        #expect(findings.isEmpty)
        #expect(configuration.clients.map(\.clientID) == ["a", "b", "c", "d"])
        #expect(configuration.clients.map(\.source.document) == [1, 2, 3, 4])
    }

    @Test("list-user-pool-clients output: ids, names and pools, no analytics; a describe output of the same client stands for it")
    func listOutput() throws {
        let list = """
            {"UserPoolClients": [
                {"ClientId": "a", "UserPoolId": "eu-west-1_AbCdEf123", "ClientName": "web"},
                {"ClientId": "b", "UserPoolId": "eu-west-1_AbCdEf123", "ClientName": "admin"}
            ], "NextToken": "x"}
            """
        let (configuration, findings) = F.configuration(list, F.describe("a", analytics: ["ApplicationId": F.projectA]))
        #expect(findings.isEmpty)
        #expect(configuration.clients.count == 2)
        #expect(configuration.entries.count == 3)
        let a = try #require(configuration.client("a"))
        #expect(a.name == "web")  // from the list page: the describe output had none
        #expect(a.source.file == "file2")
        #expect(configuration.project(ofClient: "a")?.id == F.projectA)
        let b = try #require(configuration.client("b"))
        #expect(b.analytics == nil)
        #expect(b.source.isListPage)
        #expect(configuration.project(ofClient: "b") == nil)
        #expect(!configuration.sentAnalytics(client: "b"))
        #expect(configuration.project(ofClient: "unknown") == nil)
    }

    @Test("a describe output without analytics stands over a list entry")
    func describeOverList() throws {
        let (configuration, _) = F.configuration(#"{"UserPoolClients":[{"ClientId":"a","UserPoolId":"eu-west-1_AbCdEf123"}]}"#, F.describe("a"))
        #expect(try #require(configuration.client("a")).source.file == "file2")
    }

    @Test("malformed JSON is a finding naming the file and the byte; the documents before it are read")
    func malformed() {
        let (configuration, findings) = F.configuration(F.describe("a") + "\n{\"UserPoolClient\": {\"ClientId\": ")
        #expect(configuration.clients.map(\.clientID) == ["a"])
        #expect(F.codes(findings) == ["invalid-json"])
        #expect(findings[0].file == "file1")
        #expect(findings[0].message.hasPrefix("not JSON at byte "))
        let (_, junk) = F.configuration("{\"UserPoolClient\": nope}")
        #expect(F.codes(junk) == ["invalid-json"])
    }

    @Test("values of none of the shapes, and clients without an id, are findings")
    func unknownShapes() {
        let (configuration, findings) = F.configuration(
            #"{"UserPool": {"Id": "eu-west-1_AbCdEf123"}} 42 [[1]] {"UserPoolClient": {"ClientName": "x"}} {"UserPoolClients": [7]}"#)
        #expect(configuration.clients.isEmpty)
        #expect(F.codes(findings) == ["client-id", "unknown-document", "unknown-document", "unknown-document", "unknown-document"])
        #expect(findings.allSatisfy { $0.file == "file1" })
    }

    @Test("wrong types: an AnalyticsConfiguration or UserDataShared of another type is a finding; a mistyped id is shown as its JSON")
    func wrongTypes() throws {
        let text = """
            {"UserPoolClient": {"UserPoolId": "eu-west-1_AbCdEf123", "ClientId": "a", "AnalyticsConfiguration": "oops"}}
            {"UserPoolClient": {"UserPoolId": "eu-west-1_AbCdEf123", "ClientId": "b", "AnalyticsConfiguration": [1]}}
            {"UserPoolClient": {"UserPoolId": "eu-west-1_AbCdEf123", "ClientId": "c", "AnalyticsConfiguration": {"ApplicationArn": "arn:aws:mobiletargeting:eu-west-1:111122223333:apps/\(F.projectA)", "UserDataShared": "true"}}}
            {"UserPoolClient": {"UserPoolId": "eu-west-1_AbCdEf123", "ClientId": {"id": "x"}}}
            {"UserPoolClient": {"UserPoolId": "eu-west-1_AbCdEf123", "ClientId": true}}
            {"UserPoolClient": {"UserPoolId": "eu-west-1_AbCdEf123", "ClientId": "d", "AnalyticsConfiguration": {"ApplicationArn": "arn:aws:mobiletargeting:eu-west-1:111122223333:apps/\(F.projectA)", "UserDataShared": 1}}}
            """
        let (configuration, findings) = F.configuration(text)
        #expect(findings.map(\.message) == [
            "document 1: the AnalyticsConfiguration of client a is string, not an object: not read",
            "document 2: the AnalyticsConfiguration of client b is array, not an object: not read",
            "document 3: the UserDataShared of client c is true, a string, not true or false: taken as false",
            "document 6: the UserDataShared of client d is 1, a number, not true or false: taken as false",
        ])
        #expect(findings.allSatisfy { $0.code == .unknownDocument && $0.severity == .error })
        #expect(configuration.client("c")?.analytics?.userDataShared == false)
        // Not also "unconfigured": the file's finding says what is wrong (until 2026-12-05 both).
        for id in ["a", "b"] { #expect(ConfigurationCheck.check(try #require(configuration.client(id)), roles: nil).isEmpty) }
        // Until 2026-12-05 Swift's text of a dictionary ("[\"id\": \"x\"]") and "1" for true.
        #expect(configuration.client(#"{"id":"x"}"#) != nil)
        #expect(configuration.client("true") != nil)
    }

    @Test("an empty file and an empty AnalyticsConfiguration")
    func empties() throws {
        let (none, findings) = F.configuration("  \n")
        #expect(none.clients.isEmpty && findings.isEmpty)
        let (configuration, _) = F.configuration(F.describe("a", analytics: [:]))
        #expect(try #require(configuration.client("a")).analytics?.namesProject == false)
        #expect(configuration.project(ofClient: "a") == nil)
    }

    @Test("an invalid project id gives no project to the pipeline")
    func invalidProject() {
        let (configuration, _) = F.configuration(F.describe("a", analytics: ["ApplicationId": "0123"]))
        #expect(configuration.project(ofClient: "a") == nil)
        #expect(configuration.projects.isEmpty)
    }

    @Test("sentAnalytics: only where the region table allows the project for the pool")
    func sentAnalytics() {
        let (configuration, _) = F.configuration(
            F.describe("tokyo", pool: "ap-northeast-1_Abc", analytics: ["ApplicationId": F.projectA]),
            F.describe("milan", pool: "eu-south-1_Abc", analytics: ["ApplicationArn": "arn:aws:mobiletargeting:eu-south-1:111122223333:apps/\(F.projectA)"]),
            F.describe("london", pool: "eu-west-2_Abc", analytics: ["ApplicationArn": "arn:aws:mobiletargeting:eu-west-2:111122223333:apps/\(F.projectA)"]))
        #expect(configuration.sentAnalytics(client: "tokyo"))
        #expect(!configuration.sentAnalytics(client: "milan"))
        #expect(!configuration.sentAnalytics(client: "london"))
    }

    /// The answers are worked out when a client is read (the pipeline asks for every event):
    /// each later reading of the same id that changes its entry changes them too.
    @Test("project and sentAnalytics follow the entry a client's later readings make: a pool from a list page, a project from a describe output")
    func answersFollowLaterReadings() {
        // The describe output names a project but no pool: no region to allow it, until a list
        // page gives the pool.
        let describeFirst = F.describe("a", pool: nil, analytics: ["ApplicationId": F.projectA])
        let (alone, _) = F.configuration(describeFirst)
        #expect(alone.project(ofClient: "a")?.id == F.projectA)
        #expect(!alone.sentAnalytics(client: "a"))
        let (withPool, _) = F.configuration(describeFirst, #"{"UserPoolClients":[{"ClientId":"a","UserPoolId":"us-east-1_Abc"}]}"#)
        #expect(withPool.project(ofClient: "a")?.id == F.projectA)
        #expect(withPool.sentAnalytics(client: "a"))
        // A list page first (no analytics at all), then a describe output naming a project in
        // the pool's own region, where Pinpoint was: sent only once both are read.
        let listPage = #"{"UserPoolClients":[{"ClientId":"b","UserPoolId":"eu-west-1_Abc"}]}"#
        let (ranked, _) = F.configuration(
            listPage, F.describe("b", pool: nil, analytics: ["ApplicationArn": "arn:aws:mobiletargeting:eu-west-1:111122223333:apps/\(F.projectB)"]))
        #expect(ranked.project(ofClient: "b") == PinpointProject(id: F.projectB, region: "eu-west-1"))
        #expect(ranked.sentAnalytics(client: "b"))
        let (listOnly, _) = F.configuration(listPage)
        #expect(listOnly.project(ofClient: "b") == nil && !listOnly.sentAnalytics(client: "b"))
    }

    @Test("projects: by id, each with its clients by id")
    func projects() {
        let (configuration, _) = F.configuration(
            F.describe("z", analytics: ["ApplicationId": F.projectA]), F.describe("y", analytics: ["ApplicationId": F.projectB]),
            F.describe("x", analytics: ["ApplicationId": F.projectA.uppercased()]))
        #expect(configuration.projects.map(\.project.id) == [F.projectA, F.projectB])
        #expect(configuration.projects[0].clients.map(\.clientID) == ["x", "z"])
    }
}
