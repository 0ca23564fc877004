import AuthStatsCore
import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsGenerator

/// The generator's shape options (issue 18): each writes the shape it names, and changes
/// nothing else.
@Suite("generate: the shapes of real buckets")
struct ShapeOptionTests {
    static func small(_ options: inout ExportGenerator.Options) {
        options.users = 300
        options.days = 3
        options.seed = 5
        options.activity = 0.2
    }

    @Test("--buffer-seconds: the hourly objects' records, one object per window of delivery, in delivery order, cut at the buffer size")
    func bufferWindows() throws {
        let hourly = try GeneratedFiles { Self.small(&$0); $0.newlineDelimited = true }
        let windowed = try GeneratedFiles {
            Self.small(&$0)
            $0.newlineDelimited = true
            $0.bufferSeconds = 300
            $0.bufferBytes = 40_000
        }
        #expect(windowed.pinpointLines.sorted() == hourly.pinpointLines.sorted())
        #expect(windowed.pinpoint.count > 3 * hourly.pinpoint.count, "\(windowed.pinpoint.count) against \(hourly.pinpoint.count)")
        let window: Int64 = 300_000
        for (path, text) in windowed.pinpoint {
            // Named by its first record's delivery: …-YYYY-MM-DD-HH-MM-SS-<uuid>.gz
            let parts = path.split(separator: "/").last!.split(separator: "-")
            let named = Timestamps.iso8601("\(parts[3])-\(parts[4])-\(parts[5])T\(parts[6]):\(parts[7]):\(parts[8])Z")!
            let opened = named - named % window
            let lines = text.split(separator: "\n").map(String.init)
            // Each record was delivered in this window: at its arrival, or (a copy delivered
            // again) an hour later; in delivery order.
            var last: Int64 = 0
            for line in lines {
                let arrival = GeneratedFiles.number("arrival_timestamp", in: line)!
                let delivery = [arrival, arrival + 3_600_000].first { $0 >= opened && $0 < opened + window }
                #expect(delivery != nil, "\(path): arrival \(arrival) outside its window")
                #expect((delivery ?? 0) >= last, "\(path): not in delivery order")
                last = delivery ?? last
            }
            // At most the buffer size, but for the record that crossed it.
            #expect(text.utf8.count - lines.last!.utf8.count - 1 < 40_000, "\(path): \(text.utf8.count) bytes")
        }
    }

    @Test("--buffer-seconds: CloudTrail and activity-log files per window, with the same Cognito records")
    func bufferWindowsOtherKinds() throws {
        func configure(_ options: inout ExportGenerator.Options) {
            Self.small(&options)
            options.kinds = [.activity, .cloudtrail]
        }
        let hourly = try GeneratedFiles(configure)
        let windowed = try GeneratedFiles { configure(&$0); $0.bufferSeconds = 300 }
        func cognitoRecords(_ files: GeneratedFiles) -> [String] {
            files.files.flatMap { path, text -> [String] in
                if path.contains("/CloudTrail/") {
                    let object = try! JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
                    return (object["Records"] as! [[String: Any]]).filter { $0["eventSource"] as? String == "cognito-idp.amazonaws.com" }
                        .map { $0["eventID"] as! String }
                }
                if path.contains("userAuthEvents") { return text.split(separator: "\n").map { String($0.drop { $0 != "{" }) } }
                return []
            }.sorted()
        }
        #expect(cognitoRecords(windowed) == cognitoRecords(hourly))
        #expect(windowed.cloudTrail.count > 2 * hourly.cloudTrail.count, "\(windowed.cloudTrail.count) against \(hourly.cloudTrail.count)")
        // CloudTrail names a file by its delivery: the end of its window.
        for path in windowed.cloudTrail.keys {
            let stamp = path.split(separator: "_")[3]  // YYYYMMDDTHHmmZ
            #expect(Int(stamp.dropFirst(11).prefix(2))! % 5 == 0, "\(path)")
        }
    }

    @Test("--back-to-back: every Pinpoint object without newlines; the same objects as newline-delimited")
    func backToBack() throws {
        let delimited = try GeneratedFiles { Self.small(&$0); $0.newlineDelimited = true }
        let joined = try GeneratedFiles { Self.small(&$0); $0.backToBack = true }
        #expect(Set(joined.pinpoint.keys) == Set(delimited.pinpoint.keys))
        for (path, text) in delimited.pinpoint {
            #expect(joined.pinpoint[path] == text.replacingOccurrences(of: "\n", with: ""), "\(path)")
        }
        #expect(joined.pinpoint.values.allSatisfy { !$0.contains("\n") })
        #expect(joined.pinpoint.values.filter { $0.contains("}{\"event_type\"") }.count > joined.pinpoint.count / 2)
    }

    @Test("--pinpoint-records cognito: only the _userauth and _session events, 600 to 1,000 bytes, read as the app's records are")
    func cognitoRecords() throws {
        let app = try GeneratedFiles { Self.small(&$0); $0.newlineDelimited = true }
        let cognito = try GeneratedFiles { Self.small(&$0); $0.newlineDelimited = true; $0.pinpointRecords = .cognito }
        let lines = cognito.pinpointLines
        #expect(lines.count > 1000)
        for line in lines {
            #expect((600...1000).contains(line.utf8.count), "\(line.utf8.count) bytes: \(line)")
        }
        for record in GeneratedFiles.objects(lines.joined(separator: "\n")) {
            let type = record["event_type"] as! String
            #expect(type.hasPrefix("_userauth.") || type.hasPrefix("_session."), "\(type)")
            #expect((record["attributes"] as! [String: Any]).isEmpty)
            #expect((record["application"] as! [String: Any])["version_name"] == nil)
            let endpoint = record["endpoint"] as! [String: Any]
            let demographic = endpoint["Demographic"] as! [String: String]
            #expect(demographic["Platform"] != nil && demographic["AppVersion"] != nil && demographic["Locale"] != nil)
            #expect((record["session"] as! [String: Any]).isEmpty == type.hasPrefix("_userauth."))
        }
        // The same events as the app writes of those types.
        let appKeys = GeneratedFiles.eventKeys(app.pinpointLines.filter { $0.contains("\"_userauth.") || $0.contains("\"_session.") })
        #expect(GeneratedFiles.eventKeys(lines) == appKeys)
    }

    @Test("--record-variety high: the same events, in objects that compress 6 to 7:1 (standard: over 9:1)")
    func variety() throws {
        func ratio(_ files: GeneratedFiles) throws -> Double {
            let compressed = try files.pinpoint.keys.reduce(0) {
                $0 + (try FileManager.default.attributesOfItem(atPath: files.folder.appendingPathComponent($1).path)[.size] as! Int)
            }
            return Double(files.pinpoint.values.reduce(0) { $0 + $1.utf8.count }) / Double(compressed)
        }
        func configure(_ options: inout ExportGenerator.Options) {
            options.users = 3000
            options.days = 2
            options.activity = 0.001
            options.newlineDelimited = true
        }
        let standard = try GeneratedFiles(configure)
        let high = try GeneratedFiles { configure(&$0); $0.variety = .high }
        let standardRatio = try ratio(standard)
        let highRatio = try ratio(high)
        #expect(standardRatio > 9, "\(standardRatio)")
        #expect((6...7).contains(highRatio), "\(highRatio)")
        #expect(GeneratedFiles.eventKeys(high.pinpointLines) == GeneratedFiles.eventKeys(standard.pinpointLines))
        // Still records authstats' JSON reader takes: every line parses.
        #expect(GeneratedFiles.objects(high.pinpointLines.joined(separator: "\n")).count == high.pinpointLines.count)
    }

    @Test("--dimension-values: hundreds of app versions, locales and countries; every other property of a user as without")
    func dimensionValues() {
        let plain = (0..<6000).map { GeneratedUser(seed: 3, number: $0, days: 10) }
        let many = (0..<6000).map { GeneratedUser(seed: 3, number: $0, days: 10, dimensionValues: 300) }
        #expect(Set(plain.map(\.version)).count == 4)
        #expect(Set(plain.map(\.locale)).count == 8)
        #expect(Set(many.map(\.version)).count == 300)
        #expect(Set(many.map(\.locale)).count == 300)
        #expect(Set(many.map(\.country)).count == 249)
        #expect(Set(many.map(\.countryName)).count == 249)
        for (a, b) in zip(plain, many) {
            #expect(a.sub == b.sub && a.endpoints == b.endpoints && a.platforms == b.platforms && a.plan == b.plan)
            #expect(a.firstDay == b.firstDay && a.federated == b.federated && a.mfa == b.mfa && a.signedIn == b.signedIn)
        }
        // The version and locale texts: 300 versions 1.0.0 ... 3.9.9; a locale is lang_CC.
        #expect(ManyDimensions.version(0) == "1.0.0" && ManyDimensions.version(299) == "3.9.9")
        #expect(ManyDimensions.locale(0) == "en_AD" && ManyDimensions.locale(249) == "id_AD")
        #expect(Set((0..<5000).map(ManyDimensions.locale)).count == 5000)
    }

    @Test("--other-services: CloudTrail files hold that many other services' records per Cognito record")
    func otherServices() throws {
        let files = try GeneratedFiles {
            Self.small(&$0)
            $0.kinds = [.cloudtrail]
            $0.otherServices = 2
        }
        var cognito = 0
        var others = 0
        for text in files.cloudTrail.values {
            let records = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any])["Records"] as! [[String: Any]]
            let mine = records.filter { $0["eventSource"] as? String == "cognito-idp.amazonaws.com" }.count
            #expect(records.count - mine == 2 * mine)
            cognito += mine
            others += records.count - mine
        }
        #expect(cognito > 100 && others == 2 * cognito)
    }
}
