extension MetricsAccumulator {
    /// The event counters summed over every day and profile: `summary.json`'s `sign_ups`,
    /// `sign_ins`, `auth_failures` (report.html shows them too).
    public var totalCounters: Counters {
        var totals = Counters()
        for counters in counters.values { totals.add(counters) }
        return totals
    }
}
