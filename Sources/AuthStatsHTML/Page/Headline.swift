import AuthStatsCore

/// One headline figure: the value for the range, and its change against the previous period
/// of the same length when the input has one.
struct Figure: Equatable {
    var label: String
    var value: String
    /// How the value is made (`14 failures of 97 attempts`).
    var detail: String
    /// `▲ 12.5%`, `▼ 1.2 pp`, `no change`; empty without a previous period.
    var change: String
    /// `better`, `worse` or `same` (for the colour; a rising failure rate is worse).
    var direction: String
    /// The previous period's value, for the hover text.
    var previous: String
    var hasChange: Bool
}

/// The headline figures of a range (`docs/reports.md` "report.html"):
/// - sign-ups and sign-ins: the sums of the daily columns;
/// - failure rate: auth failures ÷ (sign-ins + auth failures);
/// - DAU average: the mean of the daily `active_users`;
/// - MAU at the end: `mau_30d` of the last day;
/// - stickiness: DAU average ÷ MAU at the end;
/// - sessions: the sum of the daily `sessions` (no change shown: the previous period's
///   sessions are not built).
struct Headline: Equatable {
    var signUps = 0
    var signIns = 0
    var authFailures = 0
    var activeUserDays = 0
    var days = 0
    var mauAtEnd = 0
    var sessions = 0
    var peakActive = 0
    var peakDay: Day?
    /// The rows run over more than one calendar year: the peak's day then says its year.
    var manyYears = false

    init(_ daily: [DailyRow]) {
        days = daily.count
        if let first = daily.first, let last = daily.last { manyYears = first.date.civil.0 != last.date.civil.0 }
        for row in daily {
            signUps += row.signUps
            signIns += row.signIns
            authFailures += row.authFailures
            activeUserDays += row.activeUsers
            sessions += row.sessions
            if row.activeUsers > peakActive || peakDay == nil {
                peakActive = row.activeUsers
                peakDay = row.date
            }
        }
        mauAtEnd = daily.last?.mau30d ?? 0
    }

    var attempts: Int { signIns + authFailures }
    /// Failure rate in tenths of a percent.
    var failurePermille: Int { Format.permille(authFailures, attempts) }
    /// Stickiness in tenths of a percent: (active user-days ÷ days) ÷ MAU.
    var stickinessPermille: Int { Format.permille(activeUserDays, days * mauAtEnd) }

    /// The figures, with changes against `previous` when given.
    func figures(previous: Headline?) -> [Figure] {
        func countChange(_ label: String, _ value: String, _ detail: String, _ now: Int, _ before: Int?, _ beforeText: String? = nil) -> Figure {
            guard let before else { return Figure(label: label, value: value, detail: detail, change: "", direction: "same", previous: "", hasChange: false) }
            let change: String
            let direction: String
            if now == before {
                (change, direction) = ("no change", "same")
            } else if before == 0 {
                (change, direction) = ("▲ from 0", "better")
            } else {
                let permille = Format.permille(now - before, before)
                (change, direction) = ((now > before ? "▲ " : "▼ ") + Format.tenths(abs(permille)) + "%", now > before ? "better" : "worse")
            }
            return Figure(
                label: label, value: value, detail: detail, change: change, direction: direction,
                previous: beforeText ?? Format.count(before), hasChange: true)
        }
        func rateChange(_ label: String, _ now: Int, _ before: Int?, _ detail: String, higherIsBetter: Bool) -> Figure {
            let value = Format.tenths(now) + "%"
            guard let before else { return Figure(label: label, value: value, detail: detail, change: "", direction: "same", previous: "", hasChange: false) }
            let points = now - before
            let direction = points == 0 ? "same" : (points > 0) == higherIsBetter ? "better" : "worse"
            let change = points == 0 ? "no change" : (points > 0 ? "▲ " : "▼ ") + Format.tenths(abs(points)) + " pp"
            return Figure(
                label: label, value: value, detail: detail, change: change, direction: direction,
                previous: Format.tenths(before) + "%", hasChange: true)
        }
        let peak = peakDay.map { "peak \(Format.count(peakActive)) on \(Format.shortDay($0, year: manyYears))" } ?? ""
        return [
            countChange("Sign-ups", Format.count(signUps), "new accounts", signUps, previous?.signUps),
            countChange("Sign-ins", Format.count(signIns), "successful", signIns, previous?.signIns),
            rateChange(
                "Failure rate", failurePermille, previous?.failurePermille,
                "\(Format.count(authFailures)) failures of \(Format.count(attempts)) attempts", higherIsBetter: false),
            countChange(
                "Daily active users", Format.mean(activeUserDays, days), "average; \(peak)", activeUserDays,
                previous?.activeUserDays, previous.map { Format.mean($0.activeUserDays, $0.days) }),
            countChange("Monthly active users", Format.count(mauAtEnd), "30 days to the last day", mauAtEnd, previous?.mauAtEnd),
            rateChange(
                "Stickiness", stickinessPermille, previous?.stickinessPermille, "daily ÷ monthly active users",
                higherIsBetter: true),
            countChange("Sessions", Format.count(sessions), "\(Format.mean(sessions, days)) a day", sessions, nil),
        ]
    }
}
