import AuthStatsTestSupport
import Foundation
import Testing

/// report.html in a real browser: headless Chromium loads the page the CLI wrote for
/// `sample-logs/` (and one full of hostile values), with a checking script put in front of
/// everything else in a copy of it. The checking script records script errors and
/// Content-Security-Policy violations, and on `load` writes what each chart holds into the
/// DOM, which `--dump-dom` prints; the test compares that with the report tables.
///
/// Chromium is installed when missing (`Chromium.ensure()`); these tests never skip.
/// `RECORD_SCREENSHOT=1` also writes the screenshot to docs/report-screenshot.png (the README's).
@Suite("report.html in headless Chromium", .serialized)
struct HTMLBrowserTests {
    /// What the checking script reports.
    struct Check: Decodable {
        struct Chart: Decodable {
            struct DayMark: Decodable {
                var day: String
                var values: String
                var tip: String
                var marks: Int
                var width: Double
            }

            var id: String
            var title: String
            var width: Double
            var height: Double
            var lines: Int
            var days: [DayMark]
        }

        var errors: [String]
        var violations: [String]
        var script: String?
        var injectedRan: Bool
        var charts: [Chart]
        var heat: [[String]]
        var readout: String
        var images: Int
        var handlers: Int
        var scripts: Int
        var overflow: Double
        var text: String
    }

    /// Runs before the page's own markup: collects errors, and on load reads the charts.
    static let checkingScript = """
        window.__check = {errors: [], violations: []};
        window.addEventListener("error", function (e) { __check.errors.push(String(e.message || e.type)); }, true);
        window.addEventListener("unhandledrejection", function (e) { __check.errors.push("unhandled rejection: " + e.reason); });
        document.addEventListener("securitypolicyviolation", function (e) { __check.violations.push(e.violatedDirective + " " + e.blockedURI); });
        /* How far the page reaches past the width of the root element (the window, or the
           phone's width when one is set): the right edge of every element outside the
           scrolling table boxes. */
        function overflow() {
          var width = document.documentElement.getBoundingClientRect().width, right = 0;
          Array.prototype.forEach.call(document.body.querySelectorAll("*"), function (el) {
            if (el.closest(".scroll") && !el.classList.contains("scroll")) return;
            right = Math.max(right, el.getBoundingClientRect().right);
          });
          return right - width;
        }
        window.addEventListener("load", function () {
          var map = Array.prototype.map;
          var charts = map.call(document.querySelectorAll("svg[data-chart]"), function (svg) {
            var box = svg.getBoundingClientRect();
            return {id: svg.getAttribute("data-chart"), title: svg.closest("figure").querySelector("h3").textContent,
              width: box.width, height: box.height, lines: svg.querySelectorAll("path.line").length,
              days: map.call(svg.querySelectorAll("g.day"), function (g) {
                return {day: g.getAttribute("data-day"), values: g.getAttribute("data-values"),
                  tip: g.querySelector("title").textContent, marks: g.querySelectorAll(".bar, .dot").length,
                  width: g.getBoundingClientRect().width};
              })};
          });
          var heat = map.call(document.querySelectorAll("table.heat tbody tr"), function (tr) {
            return map.call(tr.children, function (cell) { return cell.textContent; });
          });
          var readout = "";
          var first = document.querySelector("svg[data-chart] g.day");
          if (first) {
            first.querySelector("rect.hit").dispatchEvent(new MouseEvent("click", {bubbles: true}));
            readout = first.closest("figure").querySelector("output.readout").textContent;
          }
          var scripts = document.scripts.length;
          var injected = document.createElement("script");
          injected.textContent = "window.__injected = true;";
          document.body.appendChild(injected);
          var result = {errors: __check.errors, violations: __check.violations,
            script: document.documentElement.getAttribute("data-script"), injectedRan: window.__injected === true,
            charts: charts, heat: heat, readout: readout, images: document.images.length,
            handlers: document.querySelectorAll("[onerror],[onload],[onclick],[onmouseover]").length, scripts: scripts,
            overflow: overflow(), text: document.body.innerText};
          var pre = document.createElement("pre");
          pre.id = "browser-check";
          pre.textContent = btoa(unescape(encodeURIComponent(JSON.stringify(result))));
          document.body.appendChild(pre);
        });
        """

    /// Loads a copy of `page` with the checking script first in `<head>` (before the page's
    /// Content-Security-Policy, which applies only to what follows it).
    ///
    /// - Parameter phone: lay the page out `phone` pixels wide (the root element's width:
    ///   headless Chromium's window is never narrower than 500 pixels).
    func check(_ page: URL, phone: Int? = nil) throws -> Check {
        let html = try String(contentsOf: page, encoding: .utf8)
        let narrow = phone.map { "<style>html{width:\($0)px}</style>\n" } ?? ""
        let checked = html.replacingOccurrences(of: "<head>\n", with: "<head>\n\(narrow)<script>\(Self.checkingScript)</script>\n")
        #expect(checked != html, "no <head> in \(page.path)")
        let copy = page.deletingLastPathComponent().appendingPathComponent("checked-\(phone ?? 0).html")
        try checked.write(to: copy, atomically: true, encoding: .utf8)
        let dom = try Chromium.dumpDOM(copy)
        guard let start = dom.range(of: "<pre id=\"browser-check\">"),
            let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex),
            let data = Data(base64Encoded: String(dom[start.upperBound..<end.lowerBound]))
        else {
            throw Chromium.Failure(description: "the checking script wrote no result; the DOM was:\n\(dom.prefix(2000))")
        }
        return try JSONDecoder().decode(Check.self, from: data)
    }

    /// The rows of a report's `.json` twin.
    func rows(_ folder: URL, _ name: String) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("\(name).json")))
        return (object as! [String: Any])["rows"] as! [[String: Any]]
    }

    /// The page loaded cleanly: no script error, no policy violation, its own script ran,
    /// a script put in afterwards did not (the policy holds), nothing to load.
    func expectClean(_ check: Check) {
        #expect(check.errors.isEmpty, "script errors: \(check.errors)")
        #expect(check.violations.isEmpty, "Content-Security-Policy violations: \(check.violations)")
        #expect(check.script == "ready", "the page's own script did not run")
        #expect(!check.injectedRan, "a script added to the page ran: the Content-Security-Policy does not hold")
        #expect(check.images == 0)
        #expect(check.handlers == 0)
        #expect(check.scripts == 2, "the checking script and the page's own; found \(check.scripts)")
    }

    @Test("sample-logs/: loads with no script error, every chart holds its data points, prints, fits a phone; a screenshot")
    func samplePage() throws {
        let started = Date()
        let out = CLI.temporaryFolder("html")
        let result = try CLI.run([
            "report", "sample-logs", "--users", GoldenReportTests.directory, "--segments", GoldenReportTests.segments,
            "--out", out.path, "-q",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let page = out.appendingPathComponent("report.html")
        let check = try check(page)
        expectClean(check)

        let daily = try rows(out, "daily")
        let days = daily.map { $0["date"] as! String }
        func ints(_ row: [String: Any], _ keys: [String]) -> String { keys.map { String(row[$0] as! Int) }.joined(separator: ",") }
        func permille(_ n: Int, _ d: Int) -> Int { d == 0 ? 0 : (2 * n * 1000 + d) / (2 * d) }
        var expected: [String: [String]] = [
            "active-users": daily.map { ints($0, ["active_users", "wau_7d", "mau_30d"]) },
            "new-users": daily.map { ints($0, ["new_users"]) },
            "auth": daily.map { ints($0, ["sign_ups", "sign_ins", "auth_failures"]) },
            "failure-rate": daily.map {
                let (f, s) = ($0["auth_failures"] as! Int, $0["sign_ins"] as! Int)
                return String(permille(f, f + s))
            },
            "sessions": daily.map { ints($0, ["sessions"]) },
            "session-duration": daily.map { ints($0, ["median_session_seconds"]) },
        ]
        var expectedNames: [String: [String]] = [:]

        // Breakdowns: per dimension, the five values with the most events, then the rest.
        let breakdown = try rows(out, "breakdown")
        let order = ["platform", "app_version", "locale", "country", "client_id", "source", "user_type"]
        let dimensions = order.filter { name in breakdown.contains { $0["dimension"] as! String == name } }
        for (index, dimension) in dimensions.enumerated() {
            let rows = breakdown.filter { $0["dimension"] as! String == dimension }
            var totals: [String: Int] = [:]
            for row in rows { totals[row["value"] as! String, default: 0] += row["events"] as! Int }
            let ranked = totals.keys.sorted { totals[$0]! != totals[$1]! ? totals[$0]! > totals[$1]! : Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            let top = Array(ranked.prefix(5))
            expectedNames["breakdown-\(index)"] = top + (ranked.count > 5 ? ["Other (\(ranked.count - 5) value\(ranked.count == 6 ? "" : "s"))"] : [])
            expected["breakdown-\(index)"] = days.map { day in
                let ofDay = rows.filter { $0["date"] as! String == day }
                func events(_ value: String) -> Int { ofDay.first { $0["value"] as! String == value }?["events"] as? Int ?? 0 }
                let rest = ofDay.filter { !top.contains($0["value"] as! String) }.reduce(0) { $0 + ($1["events"] as! Int) }
                return (top.map(events) + (ranked.count > 5 ? [rest] : [])).map(String.init).joined(separator: ",")
            }
        }
        // Segments: active users per day, one chart per segment in definition order.
        let segments = try rows(out, "segments").map { $0["segment"] as! String }
        let segmentDaily = try rows(out, "segment_daily")
        for (index, segment) in segments.enumerated() {
            expected["segment-\(index)"] = days.map { day in
                String(segmentDaily.first { $0["date"] as! String == day && $0["segment"] as! String == segment }!["active_users"] as! Int)
            }
        }

        #expect(Set(check.charts.map(\.id)) == Set(expected.keys), "charts: \(check.charts.map(\.id))")
        for chart in check.charts {
            #expect(chart.width > 250 && chart.height > 100, "\(chart.id) is drawn \(chart.width)×\(chart.height)")
            #expect(chart.days.map(\.day) == days, "\(chart.id): days")
            #expect(chart.days.map(\.values) == expected[chart.id], "\(chart.id): values")
            let series = chart.days.first.map { $0.values.split(separator: ",").count } ?? 0
            for mark in chart.days {
                #expect(mark.width > 1, "\(chart.id) \(mark.day): no hover area")
                let values = mark.values.split(separator: ",").compactMap { Int($0) }
                // Lines: a dot per series; bars: a piece per value above 0.
                #expect(mark.marks == (chart.lines > 0 ? series : values.filter { $0 > 0 }.count), "\(chart.id) \(mark.day): marks")
                let lines = mark.tip.split(separator: "\n").map(String.init)
                #expect(lines.first?.hasSuffix(mark.day) == true, "\(chart.id): hover value \(mark.tip)")
            }
            if chart.id.hasPrefix("segment-") { #expect(chart.title == segments[Int(chart.id.dropFirst(8))!]) }
            if let names = expectedNames[chart.id], let tip = chart.days.first?.tip {
                let shown = tip.split(separator: "\n").dropFirst().dropLast().map { String($0[..<$0.lastIndex(of: ":")!]) }
                #expect(shown == names, "\(chart.id): series")
            }
        }
        #expect(check.readout == check.charts.first?.days.first?.tip.replacingOccurrences(of: "\n", with: " · "))

        let retention = try rows(out, "retention")
        #expect(check.heat.map { $0.first } == retention.map { $0["cohort_date"] as? String })
        #expect(check.heat.map { $0[1] } == retention.map { String($0["cohort_size"] as! Int) })
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let inputs = (summary["totals"] as! [String: Int])["inputs"]!
        #expect(check.text.contains("Inputs\n\(inputs)"), "the inputs section shows \(inputs) inputs")
        #expect(check.overflow <= 0.5, "the page is wider than the window by \(check.overflow) px")

        // A phone: nothing wider than the screen (wide tables scroll in their box), every
        // chart one column as wide as the screen allows.
        let phone = try self.check(page, phone: 360)
        expectClean(phone)
        #expect(phone.overflow <= 0.5, "on a 360-pixel phone the page is wider than the screen by \(phone.overflow) px")
        for chart in phone.charts { #expect(chart.width > 300 && chart.width <= 330, "\(chart.id) on a phone: \(chart.width) px") }

        // Printed: a PDF of several pages.
        let pdf = out.appendingPathComponent("report.pdf")
        try Chromium.printToPDF(page, to: pdf)
        let printed = try Data(contentsOf: pdf)
        #expect(printed.starts(with: Data("%PDF".utf8)) && printed.count > 20_000, "print to PDF: \(printed.count) bytes")

        let screenshot = out.appendingPathComponent("report.png")
        try Chromium.screenshot(page, to: screenshot, width: 1280, height: 1700)
        let png = try Data(contentsOf: screenshot)
        #expect(png.starts(with: Data([0x89, 0x50, 0x4E, 0x47])) && png.count > 20_000, "screenshot: \(png.count) bytes")
        if ProcessInfo.processInfo.environment["RECORD_SCREENSHOT"] == "1" {
            let readme = CLI.packageRoot.appendingPathComponent("docs/report-screenshot.png")
            try? FileManager.default.removeItem(at: readme)
            try FileManager.default.copyItem(at: screenshot, to: readme)
        }
        print("HTMLBrowserTests.samplePage: \(String(format: "%.1f", Date().timeIntervalSince(started))) s with Chromium")
    }

    static let hostile = "</script><img src=x onerror=alert(1)>"
    static let quoted = "\"'><svg onload=alert(2)>"

    @Test("values from the logs (ids, versions, segment and file names, rejects) stay text in the browser")
    func hostileValues() throws {
        let folder = CLI.temporaryFolder("hostile")
        // A file whose path holds the hostile text: "<" is a folder, "script>…" the file in it.
        let inner = folder.appendingPathComponent("<")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        let file = inner.appendingPathComponent("script><img src=x onerror=alert(1)>.json")
        var lines: [String] = []
        for (day, value) in [
            ("2026-11-01", Self.hostile), ("2026-11-02", Self.quoted), ("2026-11-02", "ok & <b>fine</b>"), ("2026-11-02", Self.overridden),
        ] {
            var line = PinpointLine(
                "_userauth.sign_in", iso: "\(day)T10:00:00Z", user: value + day, client: value, session: nil, platform: value)
            line.appVersion = value
            line.country = value
            lines.append(line.json)
        }
        lines.append(Self.hostile + " " + Self.quoted)  // a reject
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let segments = folder.appendingPathComponent("segments.json")
        let names = [Self.hostile, Self.quoted, Self.long].map { "{\"Name\": \(jsonString($0)), \"Dimensions\": {}}" }
        try ("[" + names.joined(separator: ", ") + "]").write(to: segments, atomically: true, encoding: .utf8)

        let out = CLI.temporaryFolder("hostile-out")
        let result = try CLI.run([
            "report", inner.path, "--segments", segments.path, "--breakdown-attribute", Self.quoted, "--out", out.path, "-q",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let page = out.appendingPathComponent("report.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        // As markup (an element, or an attribute out of its quotes: the browser's check below
        // counts handler attributes) they would begin with an unescaped "<" or quote.
        for markup in ["<img", "<svg onload", "<b>", "\"'>"] {
            let found = html.contains(markup)
            #expect(!found, "\(markup) reached the page as markup")
        }
        #expect(html.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("&quot;&#39;&gt;&lt;svg onload=alert(2)&gt;"))

        let check = try check(page)
        expectClean(check)
        // Shown as text, where a reader finds them.
        #expect(check.text.contains(Self.hostile), "the hostile value is not shown as text")
        #expect(check.text.contains(Self.quoted))
        #expect(check.text.contains("ok & <b>fine</b>"))
        #expect(check.text.contains(file.path), "the file name is not shown")
        #expect(check.charts.contains { $0.title == Self.hostile })
        #expect(check.charts.contains { $0.title == "Attribute " + Self.quoted })
        let platform = check.charts.first { $0.title == "Platform" }
        #expect(platform?.days.first?.tip.contains(Self.hostile) == true)
        // A right-to-left override in a value is isolated in the day text: the counts after it
        // keep their order.
        // (The platform lower-cased, as breakdown.csv has it.)
        let tip = platform?.days.last?.tip ?? ""
        #expect(tip.contains("\u{2068}\(Self.overridden.lowercased())\u{2069}: 1"), "\(tip.unicodeScalars.map { String($0.value, radix: 16) })")
        // A segment name of 600 characters: its chart's title cut, the page no wider than a phone.
        #expect(check.charts.contains { $0.title == String(Self.long.prefix(200)) + "…" })
        let phone = try self.check(page, phone: 360)
        #expect(phone.overflow <= 0.5, "on a 360-pixel phone the page is wider than the screen by \(phone.overflow) px")
    }

    static let overridden = "iOS\u{202E}"
    static let long = String(repeating: "segment_", count: 75)

    func jsonString(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
    }
}

/// `authstats report` and report.html: `--no-html`, the first rejects, the previous period.
@Suite("report.html from the command line")
struct HTMLReportCLITests {
    @Test("--no-html writes no report.html, and removes one an earlier run left in --out")
    func noHTML() throws {
        let out = CLI.temporaryFolder("nohtml")
        #expect(try CLI.run(["report", "sample-logs", "--out", out.path, "-q"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
        #expect(try CLI.run(["report", "sample-logs", "--out", out.path, "-q", "--no-html"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("daily.csv").path))
    }

    /// The record texts of the page's rejects table, in order.
    func rejectTexts(_ html: String) -> [String] {
        html.components(separatedBy: "<td><code>").dropFirst().map { String($0[..<$0.range(of: "</code>")!.lowerBound]) }
    }

    @Test("the page lists the first rejects of rejects.ndjson, in input order with several workers, within --max-rejects")
    func firstRejects() throws {
        let folder = CLI.temporaryFolder("rejects")
        for i in 0..<12 {
            try "not json \(i)\n{\"event_type\":\"x\",\"event_timestamp\":1793491200000}\nbad again \(i)\n".write(
                to: folder.appendingPathComponent(String(format: "f%02d.ndjson", i)), atomically: true, encoding: .utf8)
        }
        for (limit, shown) in [(10_000, 20), (3, 3), (0, 0)] {
            let out = CLI.temporaryFolder()
            #expect(try CLI.run(["report", folder.path, "--out", out.path, "--jobs", "3", "--max-rejects", String(limit), "-q"]).status == 0)
            let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
            let expected = (0..<12).flatMap { ["not json \($0)", "bad again \($0)"] }.prefix(shown)
            #expect(rejectTexts(html) == Array(expected), "--max-rejects \(limit)")
            #expect(html.contains("24 rejected; rejects.ndjson holds \(min(24, limit))"))
        }
    }

    @Test("with --from inside the data, the headline compares with the days of the same length before")
    func previousPeriod() throws {
        let out = CLI.temporaryFolder("from")
        let before = CLI.temporaryFolder("before")
        // A tiny dedup window and session memory: the second pass over spilled activity reads
        // the same triples as the first.
        #expect(try CLI.run(["report", "sample-logs", "--from", "2026-11-02", "--out", out.path, "-q", "--dedup-window", "25", "--session-memory", "4096"]).status == 0)
        #expect(try CLI.run(["report", "sample-logs", "--from", "2026-10-28", "--to", "2026-11-01", "--out", before.path, "-q"]).status == 0)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("Changes are against the 5 days before, 2026-10-28 to 2026-11-01."))
        let rows = try String(contentsOf: before.appendingPathComponent("daily.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Int($0) ?? 0 } }
        func sum(_ column: Int) -> Int { rows.reduce(0) { $0 + $1[column] } }
        // The hover text of each change holds the previous period's value.
        let previous = html.components(separatedBy: "title=\"Previous period: ").dropFirst().map { String($0[..<$0.firstIndex(of: "\"")!]) }
        let activeDays = sum(4)
        let mean = (2 * activeDays * 10 + rows.count) / (2 * rows.count)
        #expect(previous.prefix(2) == ["\(sum(1))", "\(sum(2))"])
        #expect(previous[3] == "\(mean / 10).\(mean % 10)")
        #expect(previous[4] == "\(rows.last![7])")
        // Without --from, the data never reaches before the range: no change is shown.
        let plain = try String(contentsOf: URL(fileURLWithPath: "Tests/EndToEndTests/Golden/report.html", relativeTo: CLI.packageRoot), encoding: .utf8)
        #expect(!plain.contains("Previous period") && plain.contains("No change is shown"))
    }
}
