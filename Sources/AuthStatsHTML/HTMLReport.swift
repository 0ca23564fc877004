import AuthStatsCore
import Mustache

/// `report.html`: the report tables as one self-contained page of charts and tables
/// (`docs/reports.md` "report.html").
///
/// Stages: `HTMLReport.Input` (the tables and what `summary.json` holds) → `PageView` (every
/// figure, chart and table as text: `Headline`, `DayChart`, `BreakdownCharts`,
/// `RetentionTable`, `SegmentsSection`, `InputsSection`) → `PageTemplate` (Mustache) → the page.
///
/// The page needs nothing but itself: the style and a 20-line script are inline, the charts
/// are SVG drawn here, there are no fonts, images or links to fetch, and a
/// Content-Security-Policy lets only that style and script apply (`PageAssets`). Nothing in
/// it depends on the clock, the locale or dictionary order: the same input gives the same
/// bytes.
///
/// **Why swift-mustache** (hummingbird-project/swift-mustache) rather than Plot
/// (JohnSundell/Plot), the other templating package on the machine list:
/// - Escaping is the default and covers attributes: `{{value}}` escapes `&`, `<`, `>`, `"`
///   and `'`, so a value is safe in text and in a quoted attribute alike (hover titles,
///   `data-` attributes), and the raw form `{{{…}}}` stands out in review. The escaping is
///   our own (`Escaping`, `HTMLText`): swift-mustache's compares whole `Character`s and so
///   leaves one of the five as it is when a combining mark follows it or a prepended mark
///   comes before (`"` + U+0301, U+0600 + `<`), which could end an attribute or open a tag. Plot 0.14.0 writes
///   attribute values as given (`name="\(value)"`, no escaping: a `"` in a value ends the
///   attribute), and its text escaping keeps anything that looks like an entity (`&lt;` from
///   the logs would show as `<`).
/// - Plot has no SVG elements; every chart element would be a hand-named custom node.
/// - The page reads as HTML in one place (`PageTemplate`), while all computing stays in
///   typed Swift (`PageView`); Mustache has no logic to hide computing in.
/// - It is small, has no dependencies and is maintained with Hummingbird.
///
/// Some parts are not the template's: the days' marks of each chart (`ChartView.marks`,
/// written by `DayMark.write`), its legend items and axes, the retention table's rows and the
/// rows of every input: most of a long page's values, on each of which swift-mustache spends
/// ~20,000 instructions (docs/performance.md "Page faults, and the page"). They are written as
/// bytes (`HTMLBytes`), escaped as the template escapes (`HTMLText`), the template places them
/// with `{{{…}}}`, and `ChartTests` and `PageTests.writtenParts` render the old template text
/// beside them.
public enum HTMLReport {
    /// The page for `input`.
    public static func render(_ input: Input) -> String {
        library.render(PageView(input), withTemplate: "page") ?? ""
    }

    /// Writes the page for `input` to `out`.
    public static func write(_ input: Input, to out: inout some TextOutputStream) {
        out.write(render(input))
    }

    /// Parses the templates now, on the calling thread, if no other thread has: a run starts
    /// this on another thread as it starts reading, so that the page is not waiting for it at
    /// the end (swift-mustache takes ~30 M instructions, ~8 ms, to parse the page's 10 KB).
    public static func prepare() { _ = library }

    /// How the templates escape `{{value}}`: as swift-mustache's `HTML` content type does
    /// (the same five characters, the same entities), but byte by byte (`HTMLText`), so also
    /// one that a combining mark follows or a prepended mark precedes, and without a
    /// dictionary look-up per `Character`.
    struct Escaping: MustacheContentType {
        func escapeText(_ text: String) -> String { HTMLText.escaped(text) }
    }

    static let escapingName = "AUTHSTATS_HTML"

    /// The parsed templates. They are constants, so a parse error is a bug that every test of
    /// the page finds.
    static let library: MustacheLibrary = {
        // Before the templates are parsed: their first line names it.
        MustacheContentTypes.register(Escaping(), named: escapingName)
        do {
            return MustacheLibrary(templates: try PageTemplate.all.mapValues { try MustacheTemplate(string: $0) })
        } catch {
            fatalError("report.html template: \(error)")
        }
    }()
}
