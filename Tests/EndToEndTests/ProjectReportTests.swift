import AuthStatsTestSupport
import Foundation
import Testing

/// `--clients` and `--by-project` (issue 14): each event's project, and a report set per project.
@Suite("Per-project reports")
struct ProjectReportTests {
    static let arguments = [
        "report", "sample-logs", "--users", "sample-logs/users/list-users.json", "--clients", "sample-logs/clients.json",
        "--by-project", "--segments", "sample-logs/segments.json", "-q",
    ]

    static func table(_ url: URL) throws -> [[String: String]] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    @Test("events split exactly among the projects; distinct users per project are exact, not sums")
    func projects() throws {
        let out = CLI.temporaryFolder("projects")
        let result = try CLI.run(Self.arguments + ["--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let projects = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("projects").path).sorted()
        #expect(projects == ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"])
        let top = try Self.table(out.appendingPathComponent("daily.csv"))
        let parts = try projects.map { try Self.table(out.appendingPathComponent("projects/\($0)/daily.csv")) }
        var someDayShared = false
        for (index, day) in top.enumerated() {
            for column in ["sign_ups", "sign_ins", "auth_failures", "events"] {
                #expect(parts.reduce(0) { $0 + Int($1[index][column]!)! } == Int(day[column]!)!, "\(day["date"]!) \(column)")
            }
            let sum = parts.reduce(0) { $0 + Int($1[index]["active_users"]!)! }
            #expect(sum >= Int(day["active_users"]!)!)
            if sum > Int(day["active_users"]!)! { someDayShared = true }
        }
        // Users on a phone and on the web use two app clients of two projects: counted in each.
        #expect(someDayShared)
        // The breakdown's project_id rows are the projects' own daily counts.
        let breakdown = try Self.table(out.appendingPathComponent("breakdown.csv")).filter { $0["dimension"] == "project_id" }
        for (project, rows) in zip(projects, parts) {
            for row in rows where Int(row["events"]!)! > 0 {
                let match = breakdown.first { $0["date"] == row["date"] && $0["value"] == project }
                #expect(match?["sign_ins"] == row["sign_ins"] && match?["active_users"] == row["active_users"], "\(project) \(row["date"]!)")
            }
        }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("projects/\(projects[0])/segments/struggling-to-sign-in.csv").path))
        // report.html: a section per project, linking each project's own page.
        let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(page.contains(#"<section id="projects">"#))
        for project in projects {
            #expect(page.contains(#"href="projects/\#(project)/report.html""#))
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("projects/\(project)/report.html").path))
        }
        // Each project's page names its project, gives its own totals, and leaves the inputs
        // (the whole run's) to the run's page instead of counting none of them.
        for (project, rows) in zip(projects, parts) {
            let own = try String(contentsOf: out.appendingPathComponent("projects/\(project)/report.html"), encoding: .utf8)
            #expect(own.contains("<h1>Authentication analytics: project \(project)</h1>"))
            #expect(own.contains("<title>authstats: project \(project): "))
            #expect(own.contains(#"<a href="../../report.html#inputs">"#))
            #expect(!own.contains("<dt>Inputs</dt>") && !own.contains("<dt>Events</dt>"))
            #expect(own.contains("<dt>Sign-ups</dt><dd>\(rows.reduce(0) { $0 + Int($1["sign_ups"]!)! })</dd>"))
            // The run's page shows its average daily active users as the project's page does:
            // the mean of daily.csv, one decimal, half up (it was cut to a whole number).
            let active = rows.reduce(0) { $0 + Int($1["active_users"]!)! }
            let tenths = (2 * active * 10 + rows.count) / (2 * rows.count)
            let mean = tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
            let row = page.components(separatedBy: "<bdi>\(project)</bdi></th>").dropFirst().first ?? ""
            #expect(row.prefix(400).contains(">\(mean)</td>"), "\(mean) in \(row.prefix(400))")
        }
        #expect(!page.contains("<h1>Authentication analytics: project"))
    }

    @Test("the same bytes for --jobs 1 and 2")
    func jobs() throws {
        var outputs: [[String: Data]] = []
        for jobs in ["1", "2"] {
            let out = CLI.temporaryFolder("projects-jobs")
            #expect(try CLI.run(Self.arguments + ["--jobs", jobs, "--out", out.path]).status == 0)
            var files: [String: Data] = [:]
            let enumerator = FileManager.default.enumerator(atPath: out.appendingPathComponent("projects").path)!
            while let name = enumerator.nextObject() as? String {
                guard name.hasSuffix(".csv") || name.hasSuffix(".json") else { continue }
                files[name] = try Data(contentsOf: out.appendingPathComponent("projects/\(name)"))
            }
            outputs.append(files)
        }
        #expect(outputs[0].count > 20)
        #expect(outputs[0] == outputs[1])
    }

    /// Found by a review on 2026-12-05: a gzipped clients file was read as no clients (exit 0,
    /// a warning that -q hid), and every event was counted as `(unconfigured)`.
    @Test("--clients files are read compressed as check-config reads them; a file that gives no client, or cannot be read whole, is refused (exit 64)")
    func clientFiles() throws {
        let folder = CLI.temporaryFolder("clients-files")
        let plain = try Data(contentsOf: URL(fileURLWithPath: "sample-logs/clients.json"))
        let gzipped = folder.appendingPathComponent("clients.json.gz")
        try TestFiles.gzip([String(decoding: plain, as: UTF8.self)], to: gzipped.path)
        func run(_ clients: String) throws -> CLI.Result {
            try CLI.run(Self.arguments.map { $0 == "sample-logs/clients.json" ? clients : $0 } + ["--out", folder.appendingPathComponent("out").path])
        }
        let compressed = try run(gzipped.path)
        #expect(compressed.status == 0, "\(compressed.stderr)")
        let expected = CLI.temporaryFolder("clients-plain")
        #expect(try CLI.run(Self.arguments + ["--out", expected.path]).status == 0)
        // The same tables (the page and summary.json differ: sample-logs/clients.json, read as an
        // input when it is not the --clients file, is a skipped input there).
        let out = folder.appendingPathComponent("out")
        for table in ["breakdown.csv", "daily.csv", "projects/0123456789abcdef0123456789abcdef/daily.csv", "projects/fedcba9876543210fedcba9876543210/breakdown.csv"] {
            #expect(try Data(contentsOf: out.appendingPathComponent(table)) == Data(contentsOf: expected.appendingPathComponent(table)), "\(table)")
        }

        let cut = folder.appendingPathComponent("cut.json.gz")
        let whole = try Data(contentsOf: gzipped)
        try whole.prefix(whole.count - 12).write(to: cut)
        let empty = folder.appendingPathComponent("empty.json")
        try Data("{\"UserPoolClients\": []}".utf8).write(to: empty)
        for (file, message) in [
            (cut.path, "Unable to read the app client configuration \(cut.path): truncated gzip input"),
            (empty.path, "no app client in \(empty.path): it lists none"),
            ("sample-logs/iam/CognitoPinpointAnalytics.role.json", "no app client in sample-logs/iam/CognitoPinpointAnalytics.role.json: document 1: not describe-user-pool-client"),
        ] {
            let refused = try run(file)
            #expect(refused.status == 64, "\(file): \(refused.stderr)")
            #expect(refused.stderr.contains(message), "\(refused.stderr)")
        }
        // An empty pool beside one with clients is no mistake (a script that exports every pool);
        // an empty file, or `[]`, beside one is (a failed export), as a review found.
        let beside = try CLI.run(Self.arguments + ["--clients", empty.path, "--out", folder.appendingPathComponent("beside").path])
        #expect(beside.status == 0, "\(beside.stderr)")
        for (name, text) in [("zero.json", ""), ("blank.json", "  \n"), ("array.json", "[]")] {
            let file = folder.appendingPathComponent(name)
            try Data(text.utf8).write(to: file)
            let refused = try CLI.run(Self.arguments + ["--clients", file.path, "--out", folder.appendingPathComponent("beside").path])
            #expect(refused.status == 64 && refused.stderr.contains("no app client in \(file.path): it is empty or lists none"), "\(name): \(refused.stderr)")
        }
    }

    @Test("--clients: a client two files map to two projects, and list-only clients with --pinpoint-parity, are warned of")
    func clientWarnings() throws {
        let folder = CLI.temporaryFolder("clients-warnings")
        let other = folder.appendingPathComponent("other.json")
        try Data(#"{"UserPoolClient": {"UserPoolId": "eu-west-1_AbCdEf123", "ClientId": "7webclient1example2abc", "AnalyticsConfiguration": {"ApplicationArn": "arn:aws:mobiletargeting:eu-west-1:111122223333:apps/bbbbccccddddeeeeffff000011112222"}}}"#.utf8).write(to: other)
        let two = try CLI.run(["report", "sample-logs", "--clients", "sample-logs/clients.json", "--clients", other.path, "--no-html", "--out", folder.appendingPathComponent("a").path])
        #expect(two.status == 0, "\(two.stderr)")
        #expect(two.stderr.contains("warning: app client 7webclient1example2abc: mapped to 2 projects: "), "\(two.stderr)")
        #expect(two.stderr.contains("its activity-log and CloudTrail events count under project fedcba9876543210fedcba9876543210"), "\(two.stderr)")
        let list = folder.appendingPathComponent("list.json")
        try Data(#"{"UserPoolClients":[{"ClientId":"3n4mobileclient0example","UserPoolId":"eu-west-1_AbCdEf123","ClientName":"mobile"}]}"#.utf8).write(to: list)
        let parity = try CLI.run(["report", "sample-logs", "--clients", list.path, "--pinpoint-parity", "--no-html", "--out", folder.appendingPathComponent("b").path])
        #expect(parity.stderr.contains("warning: every app client of the --clients files comes only from list-user-pool-clients output"), "\(parity.stderr)")
        let plain = try CLI.run(["report", "sample-logs", "--clients", list.path, "--no-html", "--out", folder.appendingPathComponent("c").path])
        #expect(!plain.stderr.contains("list-user-pool-clients"), "\(plain.stderr)")
    }

    /// A state keeps its --clients by content: decompressed since 2026-12-05, so the same
    /// configuration gzipped is the same; and read once, so a FIFO (`--clients <(…)`) works with
    /// --state (its options' hash read it first, and the second read found it empty, a review found).
    @Test("--clients with --state: the same configuration plain, gzipped or through a FIFO is the same option")
    func clientFilesWithState() throws {
        let folder = CLI.temporaryFolder("clients-state")
        let state = folder.appendingPathComponent("state")
        let gzipped = folder.appendingPathComponent("clients.json.gz")
        // The same bytes (a line break more would be another configuration's hash).
        #expect(try CLI.program(URL(fileURLWithPath: "/bin/sh"), ["-c", "gzip -c < sample-logs/clients.json > '\(gzipped.path)'"], in: CLI.packageRoot).status == 0)
        let days = ["2026/11/03", "2026/11/04", "2026/11/05"].map { "sample-logs/\($0)" }
        let plain = try CLI.run(["report", days[0], "--clients", "sample-logs/clients.json", "--state", state.path, "--out", folder.appendingPathComponent("o1").path, "-q"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let packed = try CLI.run(["report", days[1], "--clients", gzipped.path, "--state", state.path, "--out", folder.appendingPathComponent("o2").path, "-q"])
        #expect(packed.status == 0, "\(packed.stderr)")
        let fifo = try CLI.program(URL(fileURLWithPath: "/bin/bash"), [
            "-c", "'\(CLI.executable.path)' report \(days[2]) --clients <(cat sample-logs/clients.json) --state '\(state.path)' --out '\(folder.appendingPathComponent("o3").path)' -q",
        ], in: CLI.packageRoot)
        #expect(fifo.status == 0, "\(fifo.stderr)")
    }

    /// Found by a review of metrics.md §10, 2026-12-07: a project that went quiet had its
    /// cohorts' targets empty ("not known yet") where the run's data reaches them.
    @Test("a project's retention targets are known up to the run's last day with an event, not its own")
    func quietProjectRetention() throws {
        let folder = CLI.temporaryFolder("quiet-project")
        let day0: Int64 = 1_793_491_200_000  // 2026-11-01T00:00:00Z
        // One user of project 0123… active every day of ten; two users of fedcba… (the web
        // app client) signing in once each, on the first two days.
        let app = (0..<10).map { n in
            #"{"event_type":"page","event_timestamp":\#(day0 + Int64(n) * 86_400_000 + 36_000_000),"application":{"app_id":"0123456789abcdef0123456789abcdef"},"client":{"client_id":"c1"},"endpoint":{"User":{"UserId":"p1user"}}}"#
        }
        let web = (0..<2).map { n in
            #"{"eventTimestamp":"\#(day0 + Int64(n) * 86_400_000 + 36_000_000)","eventSource":"USER_ACTIVITY","message":{"eventId":"ev-\#(n)","eventType":"SignIn","userSub":"webuser\#(n)","clientId":"7webclient1example2abc","eventResponse":"Pass"}}"#
        }
        let input = folder.appendingPathComponent("events.ndjson")
        try (app + web).joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["report", input.path, "--clients", "sample-logs/clients.json", "--by-project", "--no-html", "-q", "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let quiet = try String(contentsOf: out.appendingPathComponent("projects/fedcba9876543210fedcba9876543210/retention.csv"), encoding: .utf8)
        // Day 30 lies past 11-10, the run's last day: empty; days 1 and 7 are 0, known.
        #expect(quiet == """
            cohort_date,cohort_size,retained_d1,retained_d7,retained_d30,rate_d1,rate_d7,rate_d30,returned_7d
            2026-11-01,1,0,0,,0.0000,0.0000,,0
            2026-11-02,1,0,0,,0.0000,0.0000,,0

            """)
        let run = try String(contentsOf: out.appendingPathComponent("retention.csv"), encoding: .utf8)
        #expect(run.contains("\n2026-11-02,1,0,0,,0.0000,0.0000,,0\n"), "\(run)")
    }

    @Test("--by-project without --clients is a usage error")
    func usage() throws {
        let result = try CLI.run(["report", "sample-logs", "--by-project", "--out", CLI.temporaryFolder("p").path])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--by-project needs --clients"))
    }
}
