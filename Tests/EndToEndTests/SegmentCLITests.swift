import AuthStatsTestSupport
import Foundation
import Testing
import AuthStatsCore

/// `--segments` on the command line: refusals before reading, safe export file names.
@Suite("Segments on the command line")
struct SegmentCLITests {
    @Test("a definition authstats cannot evaluate is refused before any input is read: exit 64, --out untouched")
    func refused() throws {
        let folder = CLI.temporaryFolder("segcli")
        let definitions = folder.appendingPathComponent("segments.json")
        try Data(#"{"SegmentsResponse":{"Item":[{"Name":"ok","Dimensions":{}},{"Name":"far","Dimensions":{"Behavior":{"Recency":{"Duration":"DAY_90","RecencyType":"ACTIVE"}}}}]}}"#.utf8)
            .write(to: definitions)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["report", "sample-logs", "--segments", definitions.path, "--out", out.path])
        #expect(result.status == 64)
        #expect(result.stderr.contains(#"segments.json: segment "far": SegmentsResponse.Item[1].Dimensions.Behavior.Recency.Duration: "DAY_90" is not one of HR_24, DAY_7, DAY_14, DAY_30"#), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let missing = try CLI.run(["report", "sample-logs", "--segments", folder.appendingPathComponent("nope.json").path, "--out", out.path])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("Unable to read the segment definitions \(folder.path)/nope.json: No such file or directory"), "\(missing.stderr)")
        // A folder: said so (the reason was "Inappropriate ioctl for device", an errno left over).
        for option in ["--segments", "--clients"] {
            let given = try CLI.run(["report", "sample-logs", option, folder.path, "--out", out.path])
            #expect(given.status == 64)
            #expect(given.stderr.contains("\(folder.path): is a folder"), "\(given.stderr)")
        }
    }

    @Test("segment names with /, .., non-ASCII and a clash-prone pair give safe, distinct files inside segments/")
    func fileNames() throws {
        let folder = CLI.temporaryFolder("segnames")
        let definitions = folder.appendingPathComponent("segments.json")
        let names = ["../../escape", "a/b", "a%2Fb", "..", "ñandú 🐦", "CON", "Pro", "pro"]
        let json = "[" + names.map { #"{"Name": \#(JSONText.quote($0)), "Dimensions": {}}"# }.joined(separator: ",") + "]"
        try Data(json.utf8).write(to: definitions)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["report", "sample-logs", "--segments", definitions.path, "--out", out.path, "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("segments").path).sorted()
        #expect(files.count == names.count)
        for file in files {
            #expect(!file.contains("/") && !file.hasPrefix(".") && file.hasSuffix(".csv"), "\(file)")
        }
        #expect(files.contains("ñandú %F0%9F%90%A6.csv"))  // letters kept, a symbol percent-encoded
        // Distinct on a file system that ignores case too: the later of Pro and pro is suffixed.
        #expect(Set(files.map { $0.lowercased() }).count == names.count, "\(files)")
        #expect(files.contains("Pro.csv") && files.contains { $0.hasPrefix("pro%~") }, "\(files)")
        // Nothing outside --out.
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("escape.csv").path))
        let table = try String(contentsOf: out.appendingPathComponent("segments.csv"), encoding: .utf8)
        #expect(table.split(separator: "\n").count == names.count + 1)
        // Every segment with no dimension holds every user; each export lists their endpoints.
        let rows = table.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(Set(rows.map { $0[1] }).count == 1)
    }

    @Test("--breakdown-attribute: an address attribute is refused; a name given twice is one dimension")
    func breakdownAttribute() throws {
        let out = CLI.temporaryFolder("attr")
        let refused = try CLI.run(["report", "sample-logs", "--users", "sample-logs/users/list-users.json", "--breakdown-attribute", "email", "--out", out.path])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("email is never written to a report"))
        // Nor the user id: a row per user (docs/segments.md lists it with them).
        let sub = try CLI.run(["report", "sample-logs", "--breakdown-attribute", "sub", "--out", out.path])
        #expect(sub.status == 64 && sub.stderr.contains("sub is never written to a report (it is the user id: a row per user)"), "\(sub.stderr)")
        let twice = try CLI.run([
            "report", "sample-logs", "--users", "sample-logs/users/list-users.json", "--breakdown-attribute", "custom:plan",
            "--breakdown-attribute", "custom:plan", "--out", out.path, "-q",
        ])
        #expect(twice.status == 0)
        let rows = try String(contentsOf: out.appendingPathComponent("breakdown.csv"), encoding: .utf8).split(separator: "\n")
            .filter { $0.contains(",attr:custom:plan,") }
        #expect(!rows.isEmpty)
        #expect(Set(rows).count == rows.count)
        // Profiles are made for the breakdown, but the segment tables come with --segments only
        // (a review, 2026-12-07: they were written empty, and the page had a Segments section).
        for name in ["segments.csv", "segments.json", "segment_daily.csv", "segment_daily.json", "segments"] {
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(!page.contains(">Segments<"))
    }

    /// A Pinpoint sign-in of `user` at `millis` through endpoint `id` (channel and address
    /// as given, `nil` left out), with the given `endpoint.User.UserAttributes` JSON.
    static func signIn(_ user: String, at millis: Int64, endpoint id: String, channel: String?, address: String?, userAttributes: String = "{}") -> String {
        var endpoint = #"{"Id":"\#(id)""#
        if let channel { endpoint += #","ChannelType":"\#(channel)""# }
        if let address { endpoint += #","Address":"\#(address)""# }
        endpoint += #","Demographic":{"Platform":"ios"},"User":{"UserId":"\#(user)","UserAttributes":\#(userAttributes)}}"#
        return #"{"event_type":"_userauth.sign_in","event_timestamp":\#(millis),"arrival_timestamp":\#(millis + 100),"application":{"app_id":"0123456789abcdef0123456789abcdef"},"client":{"client_id":"\#(id)"},"session":{"session_id":"\#(id)-s","start_timestamp":\#(millis)},"endpoint":\#(endpoint)}"#
    }

    @Test("no address without --share-user-data: an endpoint of CUSTOM, of no channel or of a channel Pinpoint has not (email) is a row without its address; a push endpoint keeps its token; EMAIL is no row; an attribute Email is no column")
    func addressesWithheld() throws {
        let folder = CLI.temporaryFolder("segprivacy")
        let t: Int64 = 1_773_144_000_000  // 2026-03-10T12:00:00Z
        let events = [
            Self.signIn("u1", at: t, endpoint: "e1", channel: nil, address: "one@example.com"),
            Self.signIn("u2", at: t, endpoint: "e2", channel: "email", address: "two@example.com"),
            Self.signIn("u3", at: t, endpoint: "e3", channel: "CUSTOM", address: "+15557777"),
            Self.signIn("u4", at: t, endpoint: "e4", channel: "EMAIL", address: "four@example.com"),
            Self.signIn("u5", at: t, endpoint: "e5", channel: "GCM", address: "device-token-5", userAttributes: #"{"Email":["five@example.com"],"PHONE_NUMBER":["+15550005"],"plan":["pro"]}"#),
        ]
        try Data((events.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("events.json"))
        let definitions = folder.appendingPathComponent("segments.json")
        try Data(#"[{"Name":"all","Dimensions":{}}]"#.utf8).write(to: definitions)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["report", folder.appendingPathComponent("events.json").path, "--segments", definitions.path, "--out", out.path, "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let export = try String(contentsOf: out.appendingPathComponent("segments/all.csv"), encoding: .utf8)
        // The push endpoint keeps its address (a device token); the others are rows without
        // theirs; the EMAIL endpoint (not shared) is none. No attribute column named email or
        // phone_number in any case; the others stay.
        let lines = export.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(Array(lines) == [
            "ChannelType,Address,Id,User.UserId,Demographic.Platform,Demographic.AppVersion,Demographic.Locale,Location.Country,User.UserAttributes.plan",
            ",,e1,u1,ios,,,,",
            "email,,e2,u2,ios,,,,",
            "CUSTOM,,e3,u3,ios,,,,",
            "GCM,device-token-5,e5,u5,ios,,,,pro",
        ], "\(export)")
        for file in try FileManager.default.subpathsOfDirectory(atPath: out.path) where !file.hasSuffix("rejects.ndjson") {
            guard let text = try? String(contentsOf: out.appendingPathComponent(file), encoding: .utf8) else { continue }
            #expect(!text.contains("@example.com") && !text.contains("+1555"), "\(file)")
        }
        let table = try String(contentsOf: out.appendingPathComponent("segments.csv"), encoding: .utf8)
        #expect(table.split(separator: "\n")[1].hasPrefix("all,5,"), "\(table)")  // every user a member, counted
        let breakdown = try CLI.run(["report", folder.appendingPathComponent("events.json").path, "--breakdown-attribute", "Email", "--out", out.path])
        #expect(breakdown.status == 64)
        #expect(breakdown.stderr.contains("Email is never written to a report"), "\(breakdown.stderr)")
    }

    /// Found by a review on 2026-12-05: addresses under other attribute names (a directory's
    /// `custom:email`, a Pinpoint `EMAIL_ADDRESS`, an endpoint attribute `contact`, a `name`
    /// with an address in it) went into member exports, attribute breakdowns and the page, and
    /// a rejected record's address into the page's rejects.
    @Test("no address under any attribute name, in any report but rejects.ndjson, with or without --share-user-data (then only a verified directory email, as an EMAIL endpoint)", arguments: [false, true])
    func addressesByShape(share: Bool) throws {
        let folder = CLI.temporaryFolder("segprivacy-shape")
        let t: Int64 = 1_773_144_000_000  // 2026-03-10T12:00:00Z
        let events = [
            Self.signIn("u1", at: t, endpoint: "e1", channel: "GCM", address: "token-1"),
            Self.signIn("u2", at: t, endpoint: "e2", channel: "GCM", address: "token-2",
                        userAttributes: #"{"EMAIL_ADDRESS":["x@example.com"],"custom:email":["y@example.org"],"plan":["pro"],"mobile":["+1 (555) 010-0999"]}"#),
            // An address as a push endpoint's token, in demographic fields and the country
            // (a review found them in the member export and breakdown.csv, 2026-12-05).
            #"{"event_type":"_userauth.sign_in","event_timestamp":1773144000000,"client":{"client_id":"ep-u4"},"endpoint":{"User":{"UserId":"u4"},"Id":"e4","ChannelType":"GCM","Address":"ann@example.com","Demographic":{"Platform":"Android","AppVersion":"bob@example.com","Make":"+1 555 010 0999","Model":"carl@example.org","Locale":"en_US"},"Location":{"Country":"dan@example.com"}},"session":{"session_id":"s4","start_timestamp":1773144000000}}"#,
            #"{"event_type":"_userauth.sign_in","event_timestamp":1773144000000,"client":{"client_id":"ep-u5"},"endpoint":{"User":{"UserId":"u5"},"Id":"e5","ChannelType":"APNS","Address":"+15550100002"}}"#,
            // Rejected (a time that is no time), an address in its text, and one in the time
            // itself, which the reject's reason quotes (a review found reasons unmasked).
            #"{"event_type":"_userauth.sign_in","event_timestamp":"bad","endpoint":{"Address":"leak@example.com","User":{"UserId":"u9"}}}"#,
            #"{"event_type":"_userauth.sign_in","event_timestamp":"leak1@example.com","endpoint":{"User":{"UserId":"u9"}}}"#,
        ]
        try Data((events.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("events.json"))
        let users = folder.appendingPathComponent("users.json")
        try Data(#"""
            {"Users": [{"Username": "u1", "Attributes": [{"Name": "sub", "Value": "u1"}, {"Name": "email", "Value": "verified@example.com"},
              {"Name": "email_verified", "Value": "true"}, {"Name": "custom:email", "Value": "alt@example.com"}, {"Name": "name", "Value": "Ann ann@example.net"},
              {"Name": "custom:phone", "Value": "+15559999999"}, {"Name": "custom:plan", "Value": ""}], "UserStatus": "CONFIRMED", "Enabled": true}]}
            """#.utf8).write(to: users)
        let definitions = folder.appendingPathComponent("segments.json")
        try Data(#"[{"Name":"all","Dimensions":{}}]"#.utf8).write(to: definitions)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["report", folder.appendingPathComponent("events.json").path, "--users", users.path, "--segments", definitions.path,
                                  "--breakdown-attribute", "custom:email", "--breakdown-attribute", "custom:plan", "--sessions-detail", "--out", out.path, "-q"]
                                 + (share ? ["--share-user-data"] : []))
        #expect(result.status == 0, "\(result.stderr)")
        for file in try FileManager.default.subpathsOfDirectory(atPath: out.path) where !file.hasSuffix("rejects.ndjson") {
            guard var text = try? String(contentsOf: out.appendingPathComponent(file), encoding: .utf8) else { continue }
            if share && file == "segments/all.csv" {
                #expect(text.contains("EMAIL,verified@example.com,"), "\(text)")
                text = text.replacingOccurrences(of: "verified@example.com", with: "")
            }
            #expect(!text.contains("@example.") && !text.contains("+1555") && !text.contains("555) 010"), "\(file): \(text)")
        }
        let breakdown = try String(contentsOf: out.appendingPathComponent("breakdown.csv"), encoding: .utf8)
        #expect(breakdown.contains("attr:custom:email,(withheld),"), "\(breakdown)")
        #expect(breakdown.contains("app_version,(withheld),") && breakdown.contains("country,(withheld),"), "\(breakdown)")
        // An empty value is none: (unknown), as from a CSV directory.
        #expect(breakdown.contains("attr:custom:plan,(unknown),") && !breakdown.contains("attr:custom:plan,,"), "\(breakdown)")
        let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(page.contains("(withheld)"), "the reject's address withheld on the page")
        let rejects = try String(contentsOf: out.appendingPathComponent("rejects.ndjson"), encoding: .utf8)
        #expect(rejects.contains("leak@example.com"), "rejects.ndjson keeps the record as it came")
    }

    /// A review found the first withholding of dimension values splitting a project: an event
    /// whose values were made anew kept its raw project id, one whose profile was cached took
    /// the table's `(withheld)`, so one project's events went to two folders, as --jobs split them.
    @Test("ids are written as they are: a project id shaped like an address is one project, the same for --jobs 1 and 2; its app_version is withheld")
    func projectIDsAsTheyAre() throws {
        let folder = CLI.temporaryFolder("segprivacy-projects")
        let inputs = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        func line(_ i: Int) -> String {
            #"{"event_type":"_userauth.sign_in","event_timestamp":\#(1_773_144_000_000 + Int64(i) * 60_000),"application":{"app_id":"appx@example.com","version_name":"ann@example.com"},"client":{"client_id":"c\#(i)"},"device":{"platform":{"name":"android"}}}"#
        }
        try Data(((0..<3).map(line).joined(separator: "\n") + "\n").utf8).write(to: inputs.appendingPathComponent("a.json"))
        try Data(((3..<6).map(line).joined(separator: "\n") + "\n").utf8).write(to: inputs.appendingPathComponent("b.json"))
        var outs: [URL] = []
        for jobs in ["1", "2"] {
            let out = folder.appendingPathComponent("out-\(jobs)")
            let result = try CLI.run(["report", inputs.path, "--clients", "sample-logs/clients.json", "--by-project", "--jobs", jobs, "--out", out.path, "-q"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(Reliability.names(out.appendingPathComponent("projects")) == ["appx@example.com"], "--jobs \(jobs)")
            let breakdown = try String(contentsOf: out.appendingPathComponent("projects/appx@example.com/breakdown.csv"), encoding: .utf8)
            #expect(breakdown.contains("app_version,(withheld),") && !breakdown.contains("ann@"), "\(breakdown)")
            outs.append(out)
        }
        for name in ["breakdown.csv", "daily.csv", "projects/appx@example.com/daily.csv", "projects/appx@example.com/breakdown.csv"] {
            #expect(try Data(contentsOf: outs[0].appendingPathComponent(name)) == Data(contentsOf: outs[1].appendingPathComponent(name)), "\(name)")
        }
    }

    /// Until 2026-12-05 a file with no definition stopped the run (exit 64): a nightly
    /// `aws pinpoint get-segments > segments.json` of a project whose segments were all deleted
    /// failed every night.
    @Test("definition files with no segment (get-segments of an empty project, an empty array): a warning, the segment tables with no rows")
    func noDefinitions() throws {
        let folder = CLI.temporaryFolder("segempty")
        try Data((Self.signIn("u1", at: 1_773_144_000_000, endpoint: "e1", channel: "GCM", address: "token-1") + "\n").utf8)
            .write(to: folder.appendingPathComponent("events.json"))
        for (name, text) in [("items.json", #"{"SegmentsResponse":{"Item":[]}}"#), ("array.json", "[]")] {
            try Data(text.utf8).write(to: folder.appendingPathComponent(name))
            let out = folder.appendingPathComponent("out-\(name)")
            let result = try CLI.run(["report", folder.appendingPathComponent("events.json").path, "--segments", folder.appendingPathComponent(name).path, "--out", out.path, "-q"])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(result.stderr.contains("no segment definitions in \(folder.appendingPathComponent(name).path): the segment reports have no rows"), "\(result.stderr)")
            #expect(try String(contentsOf: out.appendingPathComponent("segments.csv"), encoding: .utf8)
                == "segment,users,active_users_last_day,mau_30d_last_day,sign_ups,sign_ins,auth_failures,wau_7d_last_day,sessions,endpoints,file\n")
            #expect(try String(contentsOf: out.appendingPathComponent("segment_daily.csv"), encoding: .utf8) == "date,segment,sign_ups,sign_ins,auth_failures,active_users\n")
            // The page says so where its segments would be (it had no segments section).
            let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
            #expect(page.contains("<section id=\"segments\">") && page.contains("The --segments files hold no segment definition"))
        }
    }

    @Test("a user whose every event is after --to is not yet a user: no member, not INACTIVE")
    func usersAsOfTheLastDay() throws {
        let folder = CLI.temporaryFolder("segasof")
        let day: Int64 = 86_400_000
        let march5: Int64 = 1_772_712_000_000  // 2026-03-05T12:00:00Z
        let events = [
            Self.signIn("early", at: march5, endpoint: "e1", channel: "GCM", address: "t1"),
            Self.signIn("early", at: march5 + 5 * day, endpoint: "e1", channel: "GCM", address: "t1"),
            Self.signIn("late", at: march5 + 5 * day, endpoint: "e2", channel: "GCM", address: "t2"),
        ]
        let input = folder.appendingPathComponent("events.json")
        try Data((events.joined(separator: "\n") + "\n").utf8).write(to: input)
        let definitions = folder.appendingPathComponent("segments.json")
        try Data(#"[{"Name":"all","Dimensions":{}},{"Name":"inactive","Dimensions":{"Behavior":{"Recency":{"Duration":"DAY_30","RecencyType":"INACTIVE"}}}}]"#.utf8)
            .write(to: definitions)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["report", input.path, "--segments", definitions.path, "--to", "2026-03-06", "--out", out.path, "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try String(contentsOf: out.appendingPathComponent("segments.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows[1][0] == "all" && rows[1][1] == "1", "\(rows)")
        #expect(rows[2][0] == "inactive" && rows[2][1] == "0", "\(rows)")
        let export = try String(contentsOf: out.appendingPathComponent("segments/all.csv"), encoding: .utf8)
        #expect(export.contains(",e1,early,") && !export.contains("late"), "\(export)")
        // The whole range: both are users.
        let whole = try CLI.run(["report", input.path, "--segments", definitions.path, "--out", out.path, "-q"])
        #expect(whole.status == 0)
        let all = try String(contentsOf: out.appendingPathComponent("segments.csv"), encoding: .utf8).split(separator: "\n")[1]
        #expect(all.hasPrefix("all,2,"), "\(all)")
    }

    @Test("with --state, --to before the state's newest day says that segments use the latest profiles")
    func stateProfilesWarned() throws {
        let folder = CLI.temporaryFolder("segstateto")
        let march5: Int64 = 1_772_712_000_000
        let input = folder.appendingPathComponent("events.json")
        try Data((Self.signIn("u", at: march5, endpoint: "e", channel: "GCM", address: "t") + "\n"
            + Self.signIn("u", at: march5 + 5 * 86_400_000, endpoint: "e", channel: "GCM", address: "t") + "\n").utf8).write(to: input)
        let definitions = folder.appendingPathComponent("segments.json")
        try Data(#"[{"Name":"all","Dimensions":{}}]"#.utf8).write(to: definitions)
        let state = folder.appendingPathComponent("state")
        let out = folder.appendingPathComponent("out")
        let before = try CLI.run(["report", input.path, "--state", state.path, "--segments", definitions.path, "--to", "2026-03-06", "--out", out.path])
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stderr.contains("segments are evaluated on the profiles as of 2026-03-10 (the newest day the state holds), not as of --to 2026-03-06"), "\(before.stderr)")
        let whole = try CLI.run(["report", "--state", state.path, "--segments", definitions.path, "--out", out.path])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(!whole.stderr.contains("segments are evaluated on the profiles as of"))
    }
}
