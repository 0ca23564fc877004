import AuthStatsIngest
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// SIGINT, SIGTERM and SIGHUP remove the run's temporary folders (`TemporaryFolders`: the
/// staging folder, the spill folder) and end the run with 128 + the signal's number (130,
/// 143, 129), as a shell reports a process killed by it; `--out` is left as it was (a signal
/// during the swap waits for it to end, and is then the next case). Once the new reports are
/// in place, a signal is said and the run finishes with its own status, in milliseconds:
/// 128 + the number would say `--out` was as it was (until 2026-12-07 it did, wrongly).
enum SignalCleanup {
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    /// Kept for the life of the process: a source that goes away stops listening.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Installs the handlers; call once, before any temporary folder is made.
    static func install(console: Console) {
        // A closed stderr (`authstats … 2>&1 | head`) must not kill the run with SIGPIPE in
        // the middle of a write: writes fail with EPIPE instead (Console ignores it).
        signal(SIGPIPE, SIG_IGN)
        let queue = DispatchQueue(label: "authstats.signals")
        for number in signals {
            // The default action would end the process before the source runs.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                TemporaryFolders.shared.removeAllAndExit(status: 128 + number) {
                    console.error("stopped by \(name(number)); temporary files removed")
                }
                console.warning("\(name(number)) after the new reports were put in place: the run finishes")
            }
            source.resume()
            sources.append(source)
        }
    }

    static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(number)"
        }
    }
}
