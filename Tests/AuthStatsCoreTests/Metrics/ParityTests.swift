import Foundation
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

    /// The left-out events of `lines` and one counted one, delivered again in a second file.
    static let copies = [
        trailRecord("InitiateAuth", time: "2024-06-17T16:00:02Z", requestParameters: "{}", additional: hostedUI, eventID: "t2"),
        activityRecord("SignIn", "Pass", timestamp: "1718640005000", sub: "act-google", idp: "Google", eventID: "a1"),
        activityRecord("PasswordChange", "Pass", timestamp: "1718640007000", sub: "act-local", eventID: "a3"),
        trailRecord("ChangePassword", time: "2024-06-17T16:00:03Z", sub: "ct-local", eventID: "t3"),
        trailRecord("InitiateAuth", time: "2024-06-17T16:00:04Z", sub: "dir-federated", eventID: "t4"),
        activityRecord("SignIn", "Pass", timestamp: "1718640006000", sub: "act-local", eventID: "a2"),
    ].joined(separator: "\n")

    /// A second delivery of a left-out event is a duplicate, as any copy is: the copies' file
    /// has 6 duplicates and nothing skipped, `left_out` counts each event once, and the
    /// tables are those of the first file alone; the same with the fingerprints spilled.
    @Test("a second delivery of a left-out event is a duplicate, not left out again", arguments: [false, true])
    func copiesOfLeftOut(spilled: Bool) {
        let streams = [("mixed.ndjson", Array(Self.lines.utf8)), ("copies.ndjson", Array(Self.copies.utf8))]
        let store = MemorySpillStore()
        let run = InMemoryRun(
            streams, dedupCapacity: spilled ? 3 : DuplicateFilter.defaultCapacity, spill: spilled ? store : nil,
            directory: Self.directory, configure: { $0.pinpointParity = true })
        if spilled { #expect(store.written > 3) }
        let once = InMemoryRun([streams[0]], directory: Self.directory, configure: { $0.pinpointParity = true })
        #expect(run.parityLeftOut == [.hostedUI: 1, .otherOperation: 2, .federatedUser: 2])
        #expect(run.inputs.map(\.skipped) == [5, 0])
        #expect(run.inputs.map(\.duplicates) == [0, 6])
        #expect(run.inputs.map(\.events) == [4, 0])
        #expect(run.inputs[1].skipReasons.isEmpty)
        #expect(run.accumulator.duplicates == 6)
        #expect(run.accumulator.events == 4)
        #expect(run.reports.daily == once.reports.daily)
        // Read the other way round, the copies' file comes first and keeps the events; the
        // mixed file's deliveries of them are its duplicates.
        let reversed = InMemoryRun(
            Array(streams.reversed()), directory: Self.directory, configure: { $0.pinpointParity = true })
        #expect(reversed.parityLeftOut == [.hostedUI: 1, .otherOperation: 2, .federatedUser: 2])
        #expect(reversed.inputs.map(\.skipped) == [5, 0])
        #expect(reversed.inputs.map(\.duplicates) == [0, 6])
        #expect(reversed.reports.daily == once.reports.daily)
    }

    /// Deliveries judged apart (a nightly batch given another `--users` directory than an
    /// earlier one) are not each other's copies: a counted copy taken back for a left-out first
    /// delivery would have stayed in the sessions and the users, which never saw that one.
    @Test("a left-out delivery and a counted delivery of one record are not each other's copy")
    func judgedApart() throws {
        let line = activityRecord("SignIn", "Pass", timestamp: "1718640006000", sub: "act-local", eventID: "a2")
        let event = try #require(decodedEvent(line))
        var clock = DayClock(timeZone: TimeZone(identifier: "UTC")!)
        let day = clock.day(ofMillis: event.time)
        var accumulator = MetricsAccumulator()
        accumulator.logLeftOut(event, day: day, position: 0, reason: .federatedUser)
        accumulator.add(event, day: day, position: 1 << 24)
        accumulator.settle()
        #expect(accumulator.resolveDuplicates().isEmpty)
        #expect(accumulator.events == 1 && accumulator.duplicates == 0)
        // Two left-out deliveries are: the second is the copy.
        var leftOut = MetricsAccumulator()
        leftOut.logLeftOut(event, day: day, position: 0, reason: .federatedUser)
        leftOut.logLeftOut(event, day: day, position: 1 << 24, reason: .federatedUser)
        #expect(leftOut.resolveDuplicates().map(\.input) == [1 << 24])
        #expect(leftOut.duplicates == 1 && leftOut.events == 0)
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
