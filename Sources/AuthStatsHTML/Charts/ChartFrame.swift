import AuthStatsCore

/// The drawing area of a chart, in SVG user units: the `viewBox`, and the plot inside it.
/// Labels are 12 units high whatever the size, so a smaller frame draws them larger on the
/// same width of screen.
struct ChartFrame: Equatable {
    var width: Double
    var height: Double
    var left = 46.0
    var right = 10.0
    var top = 26.0
    var bottom = 24.0

    /// The main charts: two fit side by side on a laptop, and on a 360-pixel phone the labels
    /// still come out near 9 pixels.
    static let wide = ChartFrame(width: 480, height: 220)
    /// The small multiples (breakdowns, segments), three abreast on a laptop.
    static let small = ChartFrame(width: 360, height: 190)

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }
    var plotBottom: Double { height - bottom }
}

/// The value axis: from 0 to `max` in steps of `step`, both whole numbers.
struct ValueAxis: Equatable {
    enum Kind: Equatable {
        /// Counts: steps of 1, 2 or 5 times a power of ten.
        case count
        /// Seconds: steps of whole seconds, minutes or hours.
        case duration
        /// Tenths of a percent (a rate): steps of 1%, 2%, 5%, 10%, 20% or 25%.
        case permille
    }

    var kind: Kind
    var max: Int
    var step: Int
    var frame: ChartFrame

    /// The smallest axis of `kind` whose at most 5 steps reach `value` (at least one step).
    init(kind: Kind, upTo value: Int, frame: ChartFrame = .wide) {
        self.kind = kind
        self.frame = frame
        let steps: [Int]
        switch kind {
        case .count:
            var candidates: [Int] = []
            var power = 1
            while power <= Int.max / 100 {
                candidates += [power, 2 * power, 5 * power]
                if power > value { break }
                power *= 10
            }
            steps = candidates
        case .duration:
            steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
        case .permille:
            steps = [10, 20, 50, 100, 200, 250]
        }
        let target = Swift.max(0, value)
        step = steps.first { $0 * 5 >= target } ?? steps.last!
        while step * 5 < target { step *= 2 }  // durations past five days
        max = Swift.max(step, (target + step - 1) / step * step)
    }

    /// The label of a tick value.
    func label(_ value: Int) -> String {
        switch kind {
        case .count: return Format.count(value)
        case .duration: return Format.durationTick(value)
        case .permille: return Format.count(value / 10) + "%"
        }
    }

    /// A value as a hover line shows it.
    func text(_ value: Int) -> String {
        switch kind {
        case .count: return Format.count(value)
        case .duration: return Format.duration(Int64(value))
        case .permille: return Format.tenths(value) + "%"
        }
    }

    /// The y coordinate of `value`.
    func y(_ value: Int) -> Double {
        frame.top + frame.plotHeight * (1 - Double(value) / Double(max))
    }

    var ticks: [Tick] {
        stride(from: 0, through: max, by: step).map { value in
            let y = self.y(value)
            return Tick(at: Format.coordinate(y), labelAt: Format.coordinate(y + 4), label: label(value))
        }
    }
}

/// The day axis: one band per day of the range, left to right.
struct DayAxis: Equatable {
    var days: [Day]
    var frame: ChartFrame = .wide

    var band: Double { frame.plotWidth / Double(max(1, days.count)) }

    /// The middle of day `index`'s band.
    func x(_ index: Int) -> Double { frame.left + (Double(index) + 0.5) * band }

    /// Labels at most: one per 60 units of plot (7 on a wide chart, 5 on a small one).
    var labelLimit: Int { max(2, Int(frame.plotWidth / 60)) }

    /// Days between labels, for ranges up to 8 weeks or so: the smallest of 1, 2, 3 days, 1 or
    /// 2 weeks that labels at most `labelLimit` days; nil when even 2 weeks is too many, or
    /// when weekly labels would cross a new year (then the labels go on the first days of
    /// months, where the year fits).
    var labelStep: Int? {
        let n = days.count
        guard let step = [1, 2, 3, 7, 14].first(where: { (n + $0 - 1) / $0 <= labelLimit }) else { return nil }
        if step >= 7, let first = days.first, let last = days.last, first.civil.year != last.civil.year { return nil }
        return step
    }

    /// Labels every `labelStep` days from the first (`Oct 28`), or, for longer ranges, on the
    /// first day of every 1, 2, 3, 6 or 12 months (`Mar`). The year is added to the first
    /// label and to the first of each new year when the range spans more than one.
    var ticks: [Tick] {
        guard let first = days.first, let last = days.last else { return [] }
        let spansYears = first.civil.year != last.civil.year
        var indices: [Int]
        var monthly = false
        if let step = labelStep {
            indices = Array(stride(from: 0, to: days.count, by: step))
        } else {
            monthly = true
            let starts = days.indices.filter { days[$0].civil.day == 1 }
            let every = [1, 2, 3, 6, 12].first { (starts.count + $0 - 1) / $0 <= labelLimit } ?? (starts.count + labelLimit - 1) / labelLimit
            // Months counted from January, so that "every 3 months" falls on quarters.
            indices = starts.filter { (days[$0].civil.month - 1) % every == 0 }
            if indices.count > labelLimit || indices.isEmpty { indices = Array(starts.enumerated().filter { $0.offset % every == 0 }.map(\.element)) }
        }
        var previousYear: Int?
        return indices.map { index in
            let day = days[index]
            let (year, month, _) = day.civil
            let withYear = spansYears && year != previousYear
            previousYear = year
            let label = monthly
                ? Format.monthNames[month - 1] + (withYear ? " \(year)" : "") : Format.shortDay(day, year: withYear)
            return Tick(at: Format.coordinate(x(index)), labelAt: Format.coordinate(frame.plotBottom + 15), label: label)
        }
    }
}
