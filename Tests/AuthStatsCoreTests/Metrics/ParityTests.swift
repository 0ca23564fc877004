import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

/// `--pinpoint-parity` (`docs/metrics.md` "Pinpoint parity") on a mixed input, hand-counted.
@Suite("Pinpoint parity")
struct ParityTests {
    static let hostedUI = #"{"requestParameters":{"client_id":["hostedclient"]},"sub":"sub-h"}"#
    static let lines = [
        PinpointLine("_userauth.sign_in", iso: "2024-06-17T16:00:00Z", user: "pp-user").json,  // received
        trailRecord("InitiateAuth", time: "2024-06-17T16:00:01Z", sub: "ct-local", eventID: "t1"),  // received
        trailRecord("InitiateAuth", time: "2024-06-17T16:00:02Z", requestParameters: "{}", additional: hostedUI, eventID: "t2"),  // hosted UI
        trailRecord("ChangePassword", time: "2024-06-17T16:00:03Z", sub: "ct-local", eventID: "t3"),  // not one of the nine
        trailRecord("InitiateAuth", time: "2024-06-17T16:00:04Z", sub: "dir-federated", eventID: "t4"),  // federated (directory)
        activityRecord("SignIn", "Pass", timestamp: "1718640005000", sub: "act-google", idp: "Google", eventID: "a1"),  // federated (record)
        activityRecord("SignIn", "Pass", timestamp: "1718640006000", sub: "act-local", eventID: "a2"),  // received
        activityRecord("PasswordChange", "Pass", timestamp: "1718640007000", sub: "act-local", eventID: "a3"),  // not one of the nine
        activityRecord("SignIn", "Fail", timestamp: "1718640008000", sub: "", eventID: "a4"),  // no user: stays
    ].joined(separator: "\n")

    static var directory: UserDirectory {
        var directory = UserDirectory()
        directory.add(DirectoryUser(sub: "dir-federated", status: "EXTERNAL_PROVIDER", attributes: ["sub": "dir-federated"]))
        return directory
    }

    @Test("only what Pinpoint would have received counts; the rest is counted by reason")
    func leftOut() {
        let run = InMemoryRun(
            [("mixed.ndjson", Array(Self.lines.utf8))], directory: Self.directory, configure: { $0.pinpointParity = true })
        #expect(run.day("2024-06-17")?.signIns == 3)
        #expect(run.day("2024-06-17")?.authFailures == 1)
        #expect(run.day("2024-06-17")?.events == 4)
        #expect(run.parityLeftOut == [.hostedUI: 1, .otherOperation: 2, .federatedUser: 2])
        #expect(run.inputs.first?.skipped == 5)
        #expect(run.inputs.first?.skipReasons["left out by --pinpoint-parity: hosted UI"] == 1)
        // Without the mode, everything counts.
        let all = InMemoryRun([("mixed.ndjson", Array(Self.lines.utf8))], directory: Self.directory)
        #expect(all.day("2024-06-17")?.events == 9)
    }

    @Test("with --clients, only app clients with analytics in a region that had them")
    func clients() {
        var clients = AnalyticsConfiguration()
        let config = #"""
            {"UserPoolClient":{"UserPoolId":"eu-west-1_AbCdEf123","ClientName":"web","ClientId":"3n4exampleclientid9"}}
            {"UserPoolClient":{"UserPoolId":"eu-west-1_AbCdEf123","ClientName":"app","ClientId":"4abc123exampleclientid",
             "AnalyticsConfiguration":{"ApplicationId":"0123456789abcdef0123456789abcdef","RoleArn":"arn:aws:iam::111122223333:role/R","UserDataShared":false}}}
            """#
        _ = clients.load(Array(config.utf8), name: "clients.json")
        let run = InMemoryRun(
            [("mixed.ndjson", Array(Self.lines.utf8))], directory: Self.directory,
            configure: {
                $0.pinpointParity = true
                $0.clients = clients
            })
        // The CloudTrail sign-in of ct-local came through the client without analytics.
        #expect(run.parityLeftOut[.clientWithoutAnalytics] == 1)
        #expect(run.day("2024-06-17")?.signIns == 2)
    }
}
