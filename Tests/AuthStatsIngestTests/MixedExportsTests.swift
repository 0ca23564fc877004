import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsCore
@testable import AuthStatsIngest

@Suite("A folder mixing Pinpoint, user activity and CloudTrail exports")
struct MixedExportsTests {
    static let day = "2024-05-02"

    /// Writes `text` gzip-compressed at `name` under `folder`.
    func gz(_ folder: URL, _ name: String, _ text: String) throws {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let writer = try GzipFileWriter(path: url.path)
        try writer.write(text)
        try writer.close()
    }

    func pinpoint(_ type: String, _ time: String, user: String) -> String {
        PinpointLine(type, iso: time, user: user, client: "ep-\(user)", platform: "ios").json
    }

    /// The folder, with what each file holds:
    /// - Pinpoint: u1 signs in and starts a session, u2 views a page (3 events, 2 active);
    /// - activity: sub-1 signs in, sub-2 fails, plus a notification record (skipped);
    /// - CloudTrail: a failure of sub-3, an SRP sign-in of sub-1 (step + answer), the answer
    ///   delivered twice, and an S3 record (skipped);
    /// - a CloudTrail digest file (skipped whole);
    /// - one file holding a Pinpoint event of u4 and a sign-up of sub-5 (format `mixed`).
    func makeFolder() throws -> URL {
        let folder = CLI.temporaryFolder("mixed")
        try gz(folder, "pinpoint/2024/05/02/10/stream-1.gz", [
            pinpoint("_userauth.sign_in", "\(Self.day)T10:00:00Z", user: "u1"),
            pinpoint("_session.start", "\(Self.day)T10:00:05Z", user: "u1"),
            pinpoint("pageView", "\(Self.day)T11:00:00Z", user: "u2"),
        ].joined(separator: "\n") + "\n")
        try gz(folder, "activity/userAuthEvents-1.json.gz", [
            activity("SignIn", "Pass", sub: "sub-1", id: "a1"),
            activity("SignIn", "Fail", sub: "sub-2", id: "a2"),
            #"{"eventTimestamp":"1714644000000","eventSource":"USER_NOTIFICATION","logLevel":"ERROR","message":{"details":"SMS failed"}}"#,
        ].joined(separator: "\n") + "\n")
        let answer = trail("RespondToAuthChallenge", sub: "sub-1", id: "t3", response: #"{"authenticationResult":{}}"#)
        let records = [
            trail("InitiateAuth", sub: "sub-3", id: "t1", error: "NotAuthorizedException"),
            trail("InitiateAuth", sub: "sub-1", id: "t2", response: #"{"challengeName":"PASSWORD_VERIFIER"}"#),
            answer, answer,
            #"{"eventTime":"2024-05-02T12:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetBucketAcl","eventID":"s3-1"}"#,
        ]
        try gz(folder, "AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/02/111122223333_CloudTrail_eu-west-1_20240502T1255Z_abc.json.gz",
               #"{"Records":["# + records.joined(separator: ",") + "]}")
        try gz(folder, "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/05/02/digest.json.gz",
               #"{"awsAccountId":"111122223333","digestStartTime":"2024-05-02T00:00:00Z","digestEndTime":"2024-05-02T01:00:00Z","logFiles":[]}"#)
        try gz(folder, "zz-mixed.ndjson.gz", [
            pinpoint("pageView", "\(Self.day)T13:00:00Z", user: "u4"),
            activity("SignUp", "Pass", sub: "sub-5", id: "a5"),
        ].joined(separator: "\n"))
        return folder
    }

    func activity(_ type: String, _ response: String, sub: String, id: String) -> String {
        #"{"eventTimestamp":"1714644000000","eventSource":"USER_ACTIVITY","logLevel":"INFO","message":{"eventId":"\#(id)","eventType":"\#(type)","eventResponse":"\#(response)","userSub":"\#(sub)","clientId":"c1","idpName":"","country":"Ireland"}}"#
    }

    func trail(_ name: String, sub: String, id: String, error: String? = nil, response: String = "null") -> String {
        let errorField = error.map { #""errorCode":"\#($0)","# } ?? ""
        return #"{"eventTime":"2024-05-02T12:00:00Z","eventSource":"cognito-idp.amazonaws.com","eventName":"\#(name)",\#(errorField)"requestParameters":{"authParameters":"HIDDEN_DUE_TO_SECURITY_REASONS","clientId":"c1"},"responseElements":\#(response),"additionalEventData":{"sub":"\#(sub)"},"eventID":"\#(id)"}"#
    }

    @Test("per-source numbers in the breakdown")
    func perSource() throws {
        let run = FileRun([try makeFolder().path])
        func source(_ name: String) -> [Int]? {
            run.reports.breakdown.first { $0.dimension == .source && $0.value == name }
                .map { [$0.signUps, $0.signIns, $0.authFailures, $0.activeUsers, $0.events] }
        }
        #expect(source("pinpoint") == [0, 1, 0, 3, 4])
        #expect(source("cognito-activity") == [1, 1, 1, 2, 3])
        #expect(source("cloudtrail") == [0, 1, 1, 1, 3])
        #expect(run.reports.daily.map { [$0.signUps, $0.signIns, $0.authFailures, $0.events] } == [[1, 3, 2, 10]])
        // sub-1 is active in both the activity log and CloudTrail: one user.
        #expect(run.reports.daily.first?.activeUsers == 5)
    }

    @Test("summary formats, skipped and duplicate counts per input")
    func summary() throws {
        let folder = try makeFolder()
        let run = FileRun([folder.path])
        let byName = Dictionary(uniqueKeysWithValues: run.inputs.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0) })
        func check(_ name: String, _ format: String, records: Int, events: Int, skipped: Int, duplicates: Int) {
            guard let input = byName[name] else {
                Issue.record("no input \(name)")
                return
            }
            #expect(
                [input.format, "\(input.records)", "\(input.events)", "\(input.skipped)", "\(input.duplicates)"]
                    == [format, "\(records)", "\(events)", "\(skipped)", "\(duplicates)"], "\(name)")
            #expect(input.status == .ok)
        }
        check("stream-1.gz", "pinpoint", records: 3, events: 3, skipped: 0, duplicates: 0)
        check("userAuthEvents-1.json.gz", "cognito-activity", records: 3, events: 2, skipped: 1, duplicates: 0)
        check("111122223333_CloudTrail_eu-west-1_20240502T1255Z_abc.json.gz", "cloudtrail", records: 5, events: 3, skipped: 1, duplicates: 1)
        check("digest.json.gz", "cloudtrail-digest", records: 1, events: 0, skipped: 1, duplicates: 0)
        check("zz-mixed.ndjson.gz", "mixed", records: 2, events: 2, skipped: 0, duplicates: 0)
        #expect(byName["digest.json.gz"]?.skipReasons == ["a CloudTrail digest file": 1])
        #expect(byName["111122223333_CloudTrail_eu-west-1_20240502T1255Z_abc.json.gz"]?.skipReasons == ["a CloudTrail record of s3.amazonaws.com": 1])
        #expect(run.rejects.isEmpty)
    }

    @Test("the same CloudTrail record in two files counts once")
    func duplicateAcrossFiles() throws {
        let folder = try makeFolder()
        let original = folder.appendingPathComponent("AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/02/111122223333_CloudTrail_eu-west-1_20240502T1255Z_abc.json.gz")
        try FileManager.default.copyItem(at: original, to: folder.appendingPathComponent("AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/02/copy.json.gz"))
        let run = FileRun([folder.path])
        #expect(run.reports.breakdown.first { $0.dimension == .source && $0.value == "cloudtrail" }?.events == 3)
        #expect(run.inputs.first { $0.path.hasSuffix("copy.json.gz") }?.duplicates == 4)
    }
}
