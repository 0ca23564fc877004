/// The Mustache templates of `report.html`: `page`, and the `chart` partial it draws each
/// chart with.
///
/// Every `{{value}}` is escaped for HTML text and for quoted attribute values (`&`, `<`, `>`,
/// `"`, `'`, by `HTMLText`): user ids, app versions, segment names, file names and record text
/// only ever reach the page that way. The only `{{{raw}}}` values are the page's own constant
/// style and script (`PageAssets`) and the parts the page's code writes as bytes with the same
/// escaping (`HTMLBytes`): each chart's legend items, axes and day marks, the retention
/// table's rows and the rows of every input; no value from the logs is placed inside
/// `<script>`, `<style>`, an `on…=` or a URL attribute but one: the link to a project's own
/// page, `projects/` and the project id made a safe file name (`SegmentFileName`), escaped
/// (`PageTests.templates` checks the
/// templates and those parts, and `PageTests.writtenParts` that the page is the one the
/// templates made when they placed those values one by one, `TemplatesBefore`).
enum PageTemplate {
    /// The first line of each template (a partial starts again with swift-mustache's own
    /// escaping): `{{value}}` is escaped by `HTMLText` (`HTMLReport.escaping`).
    static let escaping = "{{% CONTENT_TYPE: \(HTMLReport.escapingName)}}\n"

    /// Every template by name: the page, its sections (partials of the page) and the chart.
    /// The page is cut into sections because swift-mustache's parser measures the rest of the
    /// template, character by character, at every tag (`Parser.read(count:)`): parsing the
    /// page whole took 32 M instructions of every run that writes it, about 10 ms.
    static let all: [String: String] = [
        "page": page, "overview": overview, "breakdowns": breakdowns, "retention": retention, "segments": segments,
        "projects": projects, "inputs": inputs, "chart": chart,
    ]

    static let chart = escaping + """
        <figure class="chart">
        <figcaption><h3>{{title}}</h3>
        <ul class="legend">{{{legendItems}}}</ul>
        </figcaption>
        <svg class="plot" data-chart="{{id}}" viewBox="0 0 {{width}} {{height}}" role="img" aria-label="{{summary}}">
        <text class="unit" x="4" y="{{unitY}}">{{unit}}</text>
        {{{axes}}}{{{marks}}}</svg>
        <output class="readout"></output>
        {{#hasNote}}<p class="note">{{note}}</p>{{/hasNote}}
        </figure>

        """

    static let page = escaping + """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="{{csp}}">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="authstats {{version}}">
        <title>{{title}}</title>
        <style>{{{css}}}</style>
        </head>
        <body>
        <header>
        <h1>{{heading}}</h1>
        <p class="range">{{rangeText}}</p>{{#hasChartNote}}
        <p class="note">{{chartNote}}</p>{{/hasChartNote}}
        <nav><ul>{{#sections}}<li><a href="#{{id}}">{{title}}</a></li>{{/sections}}</ul></nav>
        </header>
        <main>
        {{#hasRange}}
        {{> overview}}
        {{> breakdowns}}
        {{> retention}}
        {{> segments}}
        {{> projects}}
        {{/hasRange}}
        {{> inputs}}
        </main>
        <footer>
        <p>Made by authstats {{version}} from the report tables (docs/reports.md): the same input gives the same page. Days are calendar days in {{timezone}}. Point at or tap a chart for a day's values.</p>
        </footer>
        <script>{{{script}}}</script>
        </body>
        </html>

        """

    static let overview = escaping + """
        <section id="overview">
        <h2>Overview</h2>
        <div class="figures">
        {{#figures}}
        <div class="figure"><div class="label">{{label}}</div><div class="value">{{value}}</div><div class="detail">{{detail}}</div>{{#hasChange}}<div class="change {{direction}}" title="Previous period: {{previous}}">{{change}}</div>{{/hasChange}}</div>
        {{/figures}}
        </div>
        <p class="note">{{comparison}}</p>
        </section>
        <section id="activity">
        <h2>Active users</h2>
        <div class="charts">
        {{#activity}}{{> chart}}{{/activity}}
        </div>
        </section>
        <section id="auth">
        <h2>Sign-ups, sign-ins and failures</h2>
        <div class="charts">
        {{#auth}}{{> chart}}{{/auth}}
        </div>
        </section>
        <section id="sessions">
        <h2>Sessions</h2>
        <div class="charts">
        {{#sessions}}{{> chart}}{{/sessions}}
        </div>
        </section>

        """

    static let breakdowns = escaping + """
        {{#hasBreakdowns}}
        <section id="breakdowns">
        <h2>Breakdowns</h2>
        <p class="note">Events per day by value: the five values of each dimension with the most events in the range, the rest together as Other.</p>
        <div class="charts small">
        {{#breakdowns}}{{> chart}}{{/breakdowns}}
        </div>
        </section>
        {{/hasBreakdowns}}

        """

    static let retention = escaping + """
        {{#hasRetention}}
        <section id="retention">
        <h2>Retention</h2>
        <p class="note">A cohort is the users whose first activity in all the data read is on that day. Each cell is the share of the cohort active on day 1, day 7 or day 30 after it, or on any of the 7 days after it; · where the data ends before that day.</p>
        <div class="scroll">
        <table class="heat">
        <thead><tr><th>Cohort</th><th class="num">New users</th>{{#retentionColumns}}<th class="num">{{name}}</th>{{/retentionColumns}}</tr></thead>
        <tbody>
        {{{retentionRows}}}</tbody>
        </table>
        </div>
        <div class="scale"><span class="h0">0%</span><span class="h2">20%</span><span class="h4">40%</span><span class="h6">60%</span><span class="h8">80%</span><span class="h9">90%+</span></div>
        </section>
        {{/hasRetention}}

        """

    static let segments = escaping + """
        {{#segments}}
        <section id="segments">
        <h2>Segments</h2>
        <p class="note">Members as of the last day of the range; 7-day and 30-day active users on that day.</p>
        <div class="scroll">
        <table>
        <thead><tr><th>Segment</th>{{#segmentColumns}}<th class="num">{{name}}</th>{{/segmentColumns}}<th>Member export</th></tr></thead>
        <tbody>
        {{#rows}}
        <tr><th scope="row"><bdi>{{name}}</bdi></th>{{#cells}}<td class="num">{{.}}</td>{{/cells}}<td><bdi>{{file}}</bdi></td></tr>
        {{/rows}}
        </tbody>
        </table>
        </div>
        <div class="charts small">
        {{#charts}}{{> chart}}{{/charts}}
        </div>
        {{#hasNote}}<p class="note">{{note}}</p>{{/hasNote}}
        </section>
        {{/segments}}

        """

    static let projects = escaping + """
        {{#projects}}
        <section id="projects">
        <h2>Pinpoint projects</h2>
        <p class="note">Each project's events alone (--by-project): a user of two projects counts in both.</p>
        <div class="scroll">
        <table>
        <thead><tr><th>Project</th>{{#projectColumns}}<th class="num">{{name}}</th>{{/projectColumns}}<th>Page</th></tr></thead>
        <tbody>
        {{#rows}}
        <tr><th scope="row"><bdi>{{name}}</bdi></th>{{#cells}}<td class="num">{{.}}</td>{{/cells}}<td><a href="{{href}}">{{page}}</a></td></tr>
        {{/rows}}
        </tbody>
        </table>
        </div>
        <div class="charts small">
        {{#charts}}{{> chart}}{{/charts}}
        </div>
        </section>
        {{/projects}}

        """

    static let inputs = escaping + """
        <section id="inputs">
        <h2>Inputs</h2>
        {{#inputs}}
        <dl class="totals">{{#totals}}<div><dt>{{label}}</dt><dd>{{value}}</dd></div>{{/totals}}</dl>
        {{#isProject}}
        <p class="note">This project's share of the run's events. The inputs, their records and the rejected ones are the whole run's: <a href="../../report.html#inputs">the run's page</a> lists them.</p>
        {{/isProject}}
        {{^isProject}}
        <h3>By format and status</h3>
        <div class="scroll">
        <table>
        <thead><tr><th>Format</th><th>Compression</th><th>Status</th>{{#groupColumns}}<th class="num">{{name}}</th>{{/groupColumns}}</tr></thead>
        <tbody>
        {{#groups}}
        <tr><td>{{format}}</td><td>{{compression}}</td><td class="status {{status}}">{{status}}</td>{{#cells}}<td class="num">{{.}}</td>{{/cells}}</tr>
        {{/groups}}
        </tbody>
        </table>
        </div>
        {{#hasDirectory}}
        <h3>User directory</h3>
        <p class="note">{{directoryNote}}</p>
        <div class="scroll">
        <table>
        <thead><tr><th>File</th><th class="num">Users</th><th class="num">Skipped</th><th>Status</th><th>Why</th></tr></thead>
        <tbody>
        {{#directory}}
        <tr><td><bdi>{{path}}</bdi></td><td class="num">{{users}}</td><td class="num">{{skipped}}</td><td class="status {{status}}">{{status}}</td><td><bdi>{{error}}</bdi></td></tr>
        {{/directory}}
        </tbody>
        </table>
        </div>
        {{/hasDirectory}}
        {{#hasReasons}}
        <h3>Skipped records</h3>
        <table>
        <thead><tr><th>Reason</th><th class="num">Records</th></tr></thead>
        <tbody>
        {{#reasons}}
        <tr><td><bdi>{{reason}}</bdi></td><td class="num">{{count}}</td></tr>
        {{/reasons}}
        </tbody>
        </table>
        {{#hasReasonsNote}}<p class="note">{{reasonsNote}}</p>{{/hasReasonsNote}}
        {{/hasReasons}}
        {{#hasBroken}}
        <h3>Inputs not read to the end</h3>
        <div class="scroll">
        <table>
        <thead><tr><th>Input</th><th>Status</th><th>What broke</th></tr></thead>
        <tbody>
        {{#broken}}
        <tr><td><bdi>{{location}}</bdi></td><td class="status {{status}}">{{status}}</td><td><bdi>{{error}}</bdi></td></tr>
        {{/broken}}
        </tbody>
        </table>
        </div>
        {{#hasBrokenNote}}<p class="note">{{brokenNote}}</p>{{/hasBrokenNote}}
        {{/hasBroken}}
        <h3>Rejected records</h3>
        <p class="note">{{rejectsNote}}</p>
        {{#hasRejects}}
        <div class="scroll">
        <table>
        <thead><tr><th>Input</th><th class="num">Record</th><th>Reason</th><th>Record text</th></tr></thead>
        <tbody>
        {{#rejects}}
        <tr><td><bdi>{{location}}</bdi></td><td class="num">{{record}}</td><td><bdi>{{reason}}</bdi></td><td><code>{{raw}}</code></td></tr>
        {{/rejects}}
        </tbody>
        </table>
        </div>
        {{/hasRejects}}
        <details>
        <summary>Every input</summary>
        <p class="note">{{listNote}}</p>
        <div class="scroll">
        <table>
        <thead><tr><th>Input</th><th>Format</th><th>Compression</th><th>Status</th>{{#inputColumns}}<th class="num">{{name}}</th>{{/inputColumns}}</tr></thead>
        <tbody>
        {{{listedRows}}}</tbody>
        </table>
        </div>
        </details>
        {{/isProject}}
        {{/inputs}}
        </section>

        """
}
