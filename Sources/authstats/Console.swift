import Foundation
import AuthStatsCore

/// Diagnostics on standard error: `authstats: warning: <where>: <what>`.
struct Console {
    let quiet: Bool

    func error(_ message: String) { write("authstats: error: \(message)") }

    func warning(_ message: String) {
        if !quiet { write("authstats: warning: \(message)") }
    }

    func info(_ message: String) {
        if !quiet { write("authstats: \(message)") }
    }

    private func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// A progress line every few seconds on long runs.
struct ProgressLine {
    let console: Console
    private var last = Date()
    private let start = Date()
    static let interval: TimeInterval = 5

    init(console: Console) { self.console = console }

    mutating func update(_ analysis: Analysis) {
        let now = Date()
        guard now.timeIntervalSince(last) >= Self.interval else { return }
        last = now
        let records = analysis.inputs.reduce(0) { $0 + $1.records }
        console.info(
            "reading: \(analysis.inputs.count) inputs, \(records) records, "
                + "\(analysis.accumulator.events) events, \(Int(now.timeIntervalSince(start)))s")
    }
}
