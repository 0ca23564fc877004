import AuthStatsCore

extension HTMLReport {
    /// What the page is made of: the report tables, and what `summary.json` and the first
    /// lines of `rejects.ndjson` hold.
    public struct Input: Sendable {
        /// The version and time zone (`generatedAt` is never shown: the page is the same for
        /// the same input).
        public var run: SummaryWriter.Run
        public var reports: Reports
        public var totals: RunTotals
        /// One per input stream, in input order (as in `summary.json`).
        public var inputs: [InputReport]
        /// The first rejects in input order (the first lines of `rejects.ndjson`); the page
        /// lists at most `HTMLReport.rejectLimit` of them.
        public var firstRejects: [RejectedRecord]
        /// The tables of the period of the same length just before the range, when the data
        /// reaches back that far (`HTMLReport.previousPeriod`): the headline's changes.
        public var previous: Reports?
        /// With `--by-project`: each project's tables and page (a section of this page).
        public var projects: [Project] = []
        /// On a project's own page (`projects/<id>/report.html`): the project's id. The page
        /// names it, and leaves the inputs, which are the whole run's, to the run's page.
        public var project: String?

        public init(
            run: SummaryWriter.Run, reports: Reports, totals: RunTotals, inputs: [InputReport],
            firstRejects: [RejectedRecord] = [], previous: Reports? = nil
        ) {
            self.run = run
            self.reports = reports
            self.totals = totals
            self.inputs = inputs
            self.firstRejects = firstRejects
            self.previous = previous
        }

        /// The same values `SummaryWriter.write` takes.
        public init(
            run: SummaryWriter.Run, reports: Reports, accumulator: MetricsAccumulator, inputs: [InputReport],
            firstRejects: [RejectedRecord] = [], previous: Reports? = nil
        ) {
            let counters = accumulator.totalCounters
            self.init(
                run: run, reports: reports,
                totals: RunTotals(
                    users: accumulator.userCount, signUps: counters.signUps, signIns: counters.signIns,
                    authFailures: counters.authFailures),
                inputs: inputs, firstRejects: firstRejects, previous: previous)
        }
    }

    /// One project's tables (`--by-project`) and the path of its own page from this one.
    public struct Project: Sendable {
        public var id: String
        public var reports: Reports
        public var page: String

        public init(id: String, reports: Reports, page: String) {
            self.id = id
            self.reports = reports
            self.page = page
        }
    }

    /// Totals over everything read, every day included (`summary.json`'s `totals` that do not
    /// come from the inputs).
    public struct RunTotals: Sendable, Equatable {
        public var users: Int
        public var signUps: Int
        public var signIns: Int
        public var authFailures: Int

        public init(users: Int, signUps: Int, signIns: Int, authFailures: Int) {
            self.users = users
            self.signUps = signUps
            self.signIns = signIns
            self.authFailures = authFailures
        }
    }

    /// The rejects the page lists at most.
    public static let rejectLimit = 20

    /// The days of the same length just before `range`.
    public static func previousRange(of range: DayRange) -> DayRange {
        DayRange(first: range.first.advanced(by: -range.count), last: range.first.advanced(by: -1))
    }

    /// The tables of the period just before `reports`' range, of the same length, when the
    /// data read reaches back to its first day (an event on that day or earlier); else nil.
    /// Only `--from` (or `--to`) can make such a range: by default the range starts at the
    /// first day with an event.
    ///
    /// - Complexity: one more pass over the activity triples, as building the tables took,
    ///   and only when there is such a period.
    public static func previousPeriod(of reports: Reports, accumulator: MetricsAccumulator) -> Reports? {
        guard let range = reports.range, let data = accumulator.dayBounds else { return nil }
        let previous = previousRange(of: range)
        guard data.first <= previous.first else { return nil }
        return ReportBuilder.build(accumulator, range: previous)
    }
}
