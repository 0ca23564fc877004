import Foundation
import Mustache
import Testing

@testable import AuthStatsCore
@testable import AuthStatsHTML

/// The whole page: escaping of every value from the logs, its structure, and determinism.
@Suite("report.html: the page")
struct PageTests {
    static let hostile = "</script><img src=x onerror=alert(1)>"
    static let quoted = "\"'><svg onload=alert(2)>"
    /// A quote and a `<` that a combining mark follows, and a `<` that a prepended mark
    /// (U+0600) precedes: one `Character` each, which swift-mustache's own escaping passed
    /// over whole.
    static let combined = "x\"\u{301} onclick=alert(3) <\u{301}img> \u{600}<meta http-equiv=refresh>"
    static let texts = [hostile, quoted, "a & b <b>", "\u{2028}x\u{2029}", "{{css}}", combined]

    /// A run where every text that comes from the logs (or from a definition file) is one
    /// of `texts`.
    static func hostileInput() -> HTMLReport.Input {
        let first = Day(iso: "2026-11-01")!
        var reports = Reports(range: DayRange(first: first, last: first.advanced(by: 2)))
        reports.daily = (0..<3).map { i in
            var row = DailyRow(date: first.advanced(by: i))
            row.signIns = 3 + i
            row.activeUsers = 2
            row.mau30d = 4
            return row
        }
        for (i, text) in texts.enumerated() {
            var row = BreakdownRow(date: first, dimension: .appVersion, value: text)
            row.events = i + 1
            reports.breakdown.append(row)
            var attribute = BreakdownRow(date: first, dimension: .platform, value: text)
            attribute.attribute = text
            attribute.events = 1
            reports.breakdown.append(attribute)
            var segment = SegmentRow(segment: text, file: text + ".csv")
            segment.users = i
            reports.segments.append(segment)
            for day in 0..<3 { reports.segmentDaily.append(SegmentDailyRow(date: first.advanced(by: day), segment: text)) }
        }
        reports.breakdown.sort(by: BreakdownRow.precedes)
        var retention = RetentionRow(cohort: first)
        retention.size = 2
        retention.retainedD1 = 1
        reports.retention = [retention]
        let inputs = texts.map { text -> InputReport in
            var input = InputReport(path: text, member: text)
            input.format = text
            input.compression = text
            input.container = text
            input.status = .partial
            input.error = text
            input.skipReasons = [text: 1]
            input.records = 2
            input.rejected = 1
            input.skipped = 1
            return input
        }
        let rejects = texts.enumerated().map { i, text in
            RejectedRecord(input: text, member: text, record: i + 1, reason: text, raw: Array(text.utf8))
        }
        return HTMLReport.Input(
            run: SummaryWriter.Run(version: "0.1.0", generatedAt: "2026-11-30T02:00:07Z", timezone: "Europe/Berlin"),
            reports: reports, totals: HTMLReport.RunTotals(users: 4, signUps: 0, signIns: 12, authFailures: 0),
            inputs: inputs, firstRejects: rejects)
    }

    /// The page split into its tags (every `<` of the page outside `<style>` and `<script>`
    /// opens one, since text has its `<` escaped), with `<style>` and `<script>` bodies cut out.
    static func tags(_ page: String) -> (tags: [(name: String, attributes: [(String, String)])], style: [String], script: [String]) {
        var rest = Substring(page)
        var tags: [(String, [(String, String)])] = []
        var bodies: [String: [String]] = ["style": [], "script": []]
        while let open = rest.firstIndex(of: "<") {
            let close = rest[open...].firstIndex(of: ">")!
            let inside = rest[rest.index(after: open)..<close]
            let name = String(inside.prefix { !$0.isWhitespace })
            var attributes: [(String, String)] = []
            var scan = inside.dropFirst(name.count)
            while let equals = scan.firstIndex(of: "=") {
                let key = scan[..<equals].trimmingCharacters(in: .whitespaces)
                guard scan[scan.index(after: equals)] == "\"" else {
                    // Not quoted: reported as such (the allowed names never begin so).
                    attributes.append(("unquoted " + key, ""))
                    scan = scan[scan.index(after: equals)...].drop { !$0.isWhitespace }
                    continue
                }
                let valueStart = scan.index(equals, offsetBy: 2)  // past ="
                let valueEnd = scan[valueStart...].firstIndex(of: "\"")!
                attributes.append((key, String(scan[valueStart..<valueEnd])))
                scan = scan[scan.index(after: valueEnd)...]
            }
            tags.append((name, attributes))
            rest = rest[rest.index(after: close)...]
            if name == "style" || name == "script" {
                let end = rest.range(of: "</\(name)>")!
                bodies[name]!.append(String(rest[..<end.lowerBound]))
                rest = rest[end.lowerBound...]
            }
        }
        return (tags, bodies["style"]!, bodies["script"]!)
    }

    static let allowedTags: Set<String> = [
        "!DOCTYPE", "html", "/html", "head", "/head", "meta", "title", "/title", "style", "/style", "body", "/body", "header",
        "/header", "h1", "/h1", "h2", "/h2", "h3", "/h3", "p", "/p", "nav", "/nav", "ul", "/ul", "li", "/li", "a", "/a", "main",
        "/main", "section", "/section", "div", "/div", "figure", "/figure", "figcaption", "/figcaption", "span", "/span", "bdi",
        "/bdi", "svg", "/svg", "text", "/text", "g", "/g", "line", "/line", "path", "/path", "rect", "/rect", "circle", "/circle",
        "output", "/output", "table", "/table", "thead", "/thead", "tbody", "/tbody", "tr", "/tr", "th", "/th", "td", "/td", "dl",
        "/dl", "dt", "/dt", "dd", "/dd", "details", "/details", "summary", "/summary", "code", "/code", "footer", "/footer",
        "script", "/script",
    ]
    static let allowedAttributes: Set<String> = [
        "lang", "charset", "http-equiv", "content", "name", "href", "id", "class", "title", "role", "aria-label", "data-chart",
        "data-day", "data-values", "viewBox", "x", "y", "x1", "x2", "y1", "y2", "width", "height", "d", "cx", "cy", "r", "scope",
    ]

    @Test("values from the logs are text: no tag, attribute, style or script of theirs reaches the page")
    func escaping() {
        let page = HTMLReport.render(Self.hostileInput())
        for text in [Self.hostile, Self.quoted, "a & b <b>"] {
            #expect(!page.contains(text), "\(text) is in the page unescaped")
        }
        #expect(page.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(page.contains("&quot;&#39;&gt;&lt;svg onload=alert(2)&gt;"))
        #expect(page.contains("a &amp; b &lt;b&gt;"))
        #expect(page.contains("{{css}}"), "template syntax in a value is text, not a template")

        let (tags, style, script) = Self.tags(page)
        #expect(style == [PageAssets.stylesheet])
        #expect(script == [PageAssets.script])
        for (name, attributes) in tags {
            #expect(Self.allowedTags.contains(name), "tag <\(name)>")
            for (key, value) in attributes {
                #expect(Self.allowedAttributes.contains(key), "attribute \(key) of <\(name)>")
                if key == "href" { #expect(value.hasPrefix("#"), "a link out of the page: \(value)") }
                #expect(!value.contains("<") && !value.contains("\""), "\(key)=\"\(value)\"")
            }
        }
        // Each value is where a reader looks for it.
        for text in ["&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;.csv", "Attribute &lt;/script&gt;"] {
            #expect(page.contains(text), "\(text)")
        }
        #expect(page.contains("aria-label=\"&quot;&#39;&gt;&lt;svg onload=alert(2)&gt;, "), "a segment name in an attribute")
    }

    @Test("a project's link: its folder's name percent-encoded, so that a browser opens that folder")
    func projectLinks() {
        var input = Self.hostileInput()
        // Folder names as `SegmentFileName` makes them: `..` and `a/b` escaped with `%`.
        input.projects = [
            HTMLReport.Project(id: "..", reports: input.reports, page: "projects/%2E%2E/report.html"),
            HTMLReport.Project(id: "a/b", reports: input.reports, page: "projects/a%2Fb/report.html"),
            HTMLReport.Project(id: "café", reports: input.reports, page: "projects/café/report.html"),
        ]
        let page = HTMLReport.render(input)
        #expect(page.contains("<a href=\"projects/%252E%252E/report.html\">projects/%2E%2E/report.html</a>"))
        #expect(page.contains("<a href=\"projects/a%252Fb/report.html\">projects/a%2Fb/report.html</a>"))
        #expect(page.contains("<a href=\"projects/caf%C3%A9/report.html\">projects/café/report.html</a>"))
        #expect(ProjectsSection.href("projects/0123abcdef/report.html") == "projects/0123abcdef/report.html")
    }

    @Test("the Content-Security-Policy lets exactly the page's style and script apply, and loads nothing")
    func contentSecurityPolicy() {
        let page = HTMLReport.render(Self.hostileInput())
        let policy = PageAssets.contentSecurityPolicy
        #expect(policy.hasPrefix("default-src 'none'; "))
        #expect(policy.contains("style-src \(SHA256.cspSource(PageAssets.stylesheet))"))
        #expect(policy.contains("script-src \(SHA256.cspSource(PageAssets.script))"))
        #expect(page.contains("content=\"\(policy.replacingOccurrences(of: "'", with: "&#39;"))\""))
        // Its meta element comes before the style and script it allows.
        let meta = page.range(of: "http-equiv=\"Content-Security-Policy\"")!.lowerBound
        #expect(meta < page.range(of: "<style>")!.lowerBound)
        // Nothing to fetch: no URL but in-page anchors.
        for scheme in ["http:", "https:", "//", "url(", "@import", "src="] {
            #expect(!PageAssets.stylesheet.contains(scheme) && PageTemplate.all.values.allSatisfy { !$0.contains(scheme) })
        }
    }

    @Test("the templates: raw output only for the page's own style and script, and the chart's marks that DayMark writes escaped; no value inside them")
    func templates() {
        // The page's sections are partials of it, each a template of its own.
        #expect(Set(PageTemplate.all.keys) == ["page", "overview", "breakdowns", "retention", "segments", "projects", "inputs", "chart"])
        // Every partial named is a template (swift-mustache renders an unknown one as nothing),
        // and the page with its sections put back in place is the page as it was written whole.
        var whole = PageTemplate.page
        for (name, template) in PageTemplate.all where name != "page" && name != "chart" {
            #expect(whole.contains("\n{{> \(name)}}\n"), "the page names its section \(name)")
            whole = whole.replacingOccurrences(of: "\n{{> \(name)}}\n", with: "\n" + template.dropFirst(PageTemplate.escaping.count))
        }
        for template in PageTemplate.all.values {
            var rest = Substring(template)
            while let partial = rest.range(of: "{{>") {
                let end = rest.range(of: "}}", range: partial.upperBound..<rest.endIndex)!
                #expect(PageTemplate.all[rest[partial.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespaces)] != nil)
                rest = rest[end.upperBound...]
            }
        }
        HTMLReport.prepare()  // the escaping the templates name, registered
        let unsplit = try! MustacheLibrary(templates: ["whole": MustacheTemplate(string: whole), "chart": MustacheTemplate(string: PageTemplate.chart)])
        let hostile = PageView(Self.hostileInput())
        #expect(unsplit.render(hostile, withTemplate: "whole") == HTMLReport.library.render(hostile, withTemplate: "page"))
        let rawAllowed: [String: Set<String>] = [
            "page": ["css", "script"], "chart": ["legendItems", "axes", "marks"], "retention": ["retentionRows"],
            "inputs": ["listedRows"],
        ]
        for (name, template) in PageTemplate.all {
            var rest = Substring(template)
            while let raw = rest.range(of: "{{{") {
                let end = rest.range(of: "}}}", range: raw.upperBound..<rest.endIndex)!
                #expect(rawAllowed[name, default: []].contains(String(rest[raw.upperBound..<end.lowerBound])), "raw output in \(name)")
                rest = rest[end.upperBound...]
            }
            #expect(!template.contains("{{&"), "the other raw form")
            // Each template (a partial too) starts with the escaping of `HTMLText`.
            #expect(template.hasPrefix("{{% CONTENT_TYPE: AUTHSTATS_HTML}}\n"))
            let handler = try! NSRegularExpression(pattern: "\\son[a-z]+\\s*=")
            #expect(handler.firstMatch(in: template, range: NSRange(template.startIndex..., in: template)) == nil, "an event handler attribute")
        }
        // What the page's code writes as bytes (`HTMLBytes`), from a page of hostile values, by
        // the same rules: the marks, the legends and axes, the retention rows, the inputs listed.
        let view = PageView(Self.hostileInput())
        let charts = view.activity + view.auth + view.sessions + view.breakdowns
        let marks = charts.map(\.marks).joined()
        #expect(marks.contains("<g class=\"day\""))
        let parsed = Self.tags(marks)
        #expect(Set(parsed.tags.map(\.name)) == ["g", "/g", "title", "/title", "rect", "/rect", "circle", "/circle"])
        #expect(parsed.tags.allSatisfy { $0.attributes.allSatisfy { Self.allowedAttributes.contains($0.0) } })
        let written = charts.map { $0.legendItems + $0.axes }.joined() + view.retentionRows + view.inputs.listedRows
        let tags = Self.tags(written).tags
        #expect(Set(tags.map(\.name)).isSubset(of: [
            "li", "/li", "span", "/span", "bdi", "/bdi", "g", "/g", "line", "/line", "text", "/text", "path", "/path", "tr",
            "/tr", "th", "/th", "td", "/td",
        ]))
        #expect(tags.allSatisfy { $0.attributes.allSatisfy { Self.allowedAttributes.contains($0.0) } })
        #expect(!written.contains(Self.hostile) && written.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(PageTemplate.page.contains("<style>{{{css}}}</style>"))
        #expect(PageTemplate.page.contains("<script>{{{script}}}</script>"))
        #expect(PageTemplate.all.values.allSatisfy { !$0.contains("style=\"") }, "inline styles (the policy blocks them)")
    }

    @Test("the legends, axes, retention rows and inputs listed, written as bytes: the page the templates made value by value")
    func writtenParts() throws {
        HTMLReport.prepare()
        let before = try MustacheLibrary(templates: TemplatesBefore.all.mapValues { try MustacheTemplate(string: $0) })
        var inputs = [Self.hostileInput()]
        // A realistic page too: lines and stacked bars, notes, many inputs.
        var real = Self.hostileInput()
        let first = Day(iso: "2026-10-01")!
        real.reports = Reports(range: DayRange(first: first, last: first.advanced(by: 44)))
        real.reports.daily = (0..<45).map { i in
            var row = DailyRow(date: first.advanced(by: i))
            (row.signUps, row.signIns, row.authFailures, row.activeUsers) = (i % 7, 20 + i, i % 3, 15 + i % 9)
            (row.mau30d, row.wau7d, row.sessions, row.events) = (40 + i, 25, 18 + i % 5, 60 + i)
            return row
        }
        real.reports.retention = (0..<40).map { i in
            var row = RetentionRow(cohort: first.advanced(by: i))
            row.size = 10 + i
            row.retainedD1 = i % 4
            row.retainedD7 = i < 38 ? i % 6 : nil
            return row
        }
        for platform in ["ios", "android", "web"] {
            for i in 0..<45 {
                var row = BreakdownRow(date: first.advanced(by: i), dimension: .platform, value: platform)
                row.events = 5 + i % 4
                real.reports.breakdown.append(row)
            }
        }
        real.reports.breakdown.sort(by: BreakdownRow.precedes)
        inputs.append(real)
        for input in inputs {
            let view = PageView(input)
            #expect(!view.retentionRows.isEmpty && !view.inputs.listedRows.isEmpty)
            #expect(before.render(view, withTemplate: "page") == HTMLReport.library.render(view, withTemplate: "page"))
        }
    }

    @Test("the templates' escaping: swift-mustache's five characters and entities, byte by byte, so also before a combining mark")
    func templateEscaping() throws {
        _ = HTMLReport.library  // registers it
        let template = try MustacheTemplate(string: PageTemplate.escaping + "<a title=\"{{v}}\">{{v}}</a>")
        let plain = try MustacheTemplate(string: "<a title=\"{{v}}\">{{v}}</a>")
        for text in Self.texts + ["", "ü & ü", "\t\n\r"] where !text.unicodeScalars.contains(where: { [0x301, 0x600].contains($0.value) || $0.value < 0x20 && ![0x9, 0xA, 0xD].contains($0.value) || $0.value == 0x7F }) {
            // The same as swift-mustache's own escaping wherever no combining mark follows.
            #expect(template.render(["v": text]) == plain.render(["v": text]))
        }
        // Control characters (but tab, line feed and carriage return), which swift-mustache
        // leaves as they are, are U+FFFD.
        #expect(template.render(["v": "\u{0}\u{7F}\u{1B}"]) == "<a title=\"\u{FFFD}\u{FFFD}\u{FFFD}\">\u{FFFD}\u{FFFD}\u{FFFD}</a>")
        let escaped = "x&quot;\u{301} onclick=alert(3) &lt;\u{301}img&gt; \u{600}&lt;meta http-equiv=refresh&gt;"
        #expect(template.render(["v": Self.combined]) == "<a title=\"\(escaped)\">\(escaped)</a>")
        // Where swift-mustache's own leaves that quote as it is: it would end the attribute.
        #expect(plain.render(["v": Self.combined]).hasPrefix("<a title=\"x\"\u{301} onclick"))
        #expect(plain.render(["v": "\u{600}<meta>"]) == "<a title=\"\u{600}<meta&gt;\">\u{600}<meta&gt;</a>")
    }

    @Test("the same input gives the same bytes; the run's time is nowhere in the page")
    func deterministic() {
        let input = Self.hostileInput()
        let page = HTMLReport.render(input)
        #expect(HTMLReport.render(input) == page)
        var other = input
        other.run.generatedAt = "2030-01-01T00:00:00Z"
        // The same skip reasons, added in another order.
        other.inputs = input.inputs.map { report in
            var copy = report
            copy.skipReasons = [:]
            for (key, value) in report.skipReasons.sorted(by: { $0.key > $1.key }) { copy.skipReasons[key] = value }
            return copy
        }
        #expect(HTMLReport.render(other) == page)
        #expect(!page.contains("2026-11-30") && !page.contains("02:00:07"))
        var out = ""
        HTMLReport.write(input, to: &out)
        #expect(out == page)
    }

    @Test("each chart of the page: its name and its days' values")
    func charts() {
        let page = HTMLReport.render(Self.hostileInput())
        let charts = Self.tags(page).tags.filter { $0.name == "svg" }.compactMap { $0.attributes.first { $0.0 == "data-chart" }?.1 }
        #expect(charts == [
            "active-users", "new-users", "auth", "failure-rate", "sessions", "session-duration",
            // app_version, then the six attributes (each text is also an attribute name)
            "breakdown-0", "breakdown-1", "breakdown-2", "breakdown-3", "breakdown-4", "breakdown-5", "breakdown-6",
            "segment-0", "segment-1", "segment-2", "segment-3", "segment-4", "segment-5",
        ])
        let values = Self.tags(page).tags.filter { $0.name == "g" }.compactMap { $0.attributes.first { $0.0 == "data-values" }?.1 }
        #expect(values.prefix(3) == ["2,0,4", "2,0,4", "2,0,4"])
        #expect(values[6...8] == ["0,3,0", "0,4,0", "0,5,0"])
    }

    @Test("a range of more than two years is charted over its days with events, two years of them at most, said on the page; two years or less whole; figures over the whole range")
    func longRange() {
        func page(days: Int, events: [Int], anonymous: [Int] = []) -> (page: String, days: [String]) {
            let first = Day(iso: "1970-01-01")!
            var input = Self.hostileInput()
            var reports = Reports(range: DayRange(first: first, last: first.advanced(by: days - 1)))
            reports.daily = (0..<days).map { i in
                var row = DailyRow(date: first.advanced(by: i))
                if events.contains(i) {
                    row.signIns = 2
                    row.activeUsers = 1
                }
                // An event without a user or session (the breakdown charts draw it).
                if anonymous.contains(i) { row.events = 1 }
                // The 30-day window runs on past an event: not an event of the day.
                row.mau30d = events.contains { $0 <= i && i < $0 + 30 } ? 1 : 0
                return row
            }
            for day in events {
                var row = BreakdownRow(date: first.advanced(by: day), dimension: .platform, value: "ios")
                (row.events, row.signIns) = (2, 2)
                reports.breakdown.append(row)
            }
            for day in events { reports.segmentDaily.append(SegmentDailyRow(date: first.advanced(by: day), segment: Self.texts[0])) }
            reports.segments = input.reports.segments
            input.reports = reports
            let page = HTMLReport.render(input)
            let active = Self.tags(page).tags.filter { $0.name == "g" }.compactMap { $0.attributes.first { $0.0 == "data-day" }?.1 }
            return (page, active)
        }
        // 130 years, events on two days 400 days apart: their span is drawn, every chart alike.
        let wide = page(days: 47_482, events: [10_000, 10_400])
        // 13 charts: 6 of the days, the breakdown's, the six segments'.
        #expect(wide.days.count == 401 * 13, "\(wide.days.count)")
        #expect(wide.days.first == "1997-05-19" && wide.days.last == "1998-06-23", "\(wide.days.first ?? "") \(wide.days.last ?? "")")
        #expect(wide.page.contains("The charts show 1997-05-19 to 1998-06-23, the days with events of a range of more than 731 days"))
        // The figures are the range's: 4 sign-ins.
        #expect(wide.page.contains("<div class=\"value\">4</div>"))
        // A day with only events that have no user counts as a day with events.
        let anonymous = page(days: 47_482, events: [10_000, 10_400], anonymous: [9_990])
        #expect(anonymous.days.first == "1997-05-09" && anonymous.days.count == 411 * 13, "\(anonymous.days.first ?? "")")
        // Events further apart than two years (one from a device's wrong clock): the last two
        // years up to the last of them, not decades of empty days.
        let apart = page(days: 47_482, events: [10, 20_000, 20_500])
        #expect(Set(apart.days).count == 731 && apart.days.first == "2024-02-17" && apart.days.last == "2026-02-16", "\(apart.days.first ?? "") \(apart.days.last ?? "")")
        #expect(apart.page.contains("The charts show 2024-02-17 to 2026-02-16, the 731 days up to its last day with an event of a range of more than 731 days"))
        #expect(apart.page.contains("<div class=\"value\">6</div>"))
        // The breakdown's legend and note count the whole range, as breakdown.csv does, not
        // the drawn days only (4 events there).
        #expect(apart.page.contains("platform in breakdown.csv: 1 value, 6 events"))
        #expect(apart.page.contains("6 events (100.0%), 6 sign-ins"))
        // Two years to the day: drawn whole, empty days and all; no note.
        let two = page(days: 731, events: [100])
        #expect(Set(two.days).count == 731 && two.days.first == "1970-01-01")
        #expect(!two.page.contains("The charts show"))
        // Longer, and no event at all: the last two years.
        let none = page(days: 1_000, events: [])
        #expect(Set(none.days).count == 731 && none.days.first == "1970-09-27" && none.days.last == "1972-09-26", "\(none.days.first ?? "")")
        #expect(none.page.contains("The charts show 1970-09-27 to 1972-09-26, the range&#39;s last 731 days of a range"))
    }

    @Test("no events: the page says so and shows the inputs")
    func empty() {
        var input = Self.hostileInput()
        input.reports = Reports(range: nil)
        let page = HTMLReport.render(input)
        #expect(page.contains("No events were read: there is no report range."))
        #expect(!page.contains("<svg"))
        #expect(page.contains("<section id=\"inputs\">"))
        #expect(!page.contains("id=\"overview\""))
    }
}
