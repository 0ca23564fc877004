import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The upper bounds of the numeric options that size threads and memory: a value past them
/// is a usage error (exit 64) naming the bound. Before 2026-12-07 only their lower bounds were
/// checked, and a large value crashed the run or took the machine's memory (a review):
/// `--jobs 9223372036854775807` a segmentation fault, `--jobs 4294967296` a failed allocation
/// of 34 GB, `--jobs 1000000` 23 GB for 131 small files (each worker's buffers),
/// `--max-record-bytes 9223372036854775807` an arithmetic overflow, `--session-memory` or
/// `--profile-memory` past the machine's memory a failed allocation of the whole budget.
enum OptionLimits {
    /// Worker threads, `--jobs` and `AUTHSTATS_JOBS`: far more than any machine's cores (each
    /// worker keeps buffers of its own, so 100,000 of them took 2.4 GB).
    static let jobs = 1024

    /// This machine's memory in bytes, the most any one budget may be (`sysconf`); nil when
    /// the system does not say.
    static let memory: Int? = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return nil }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: size)
        return overflow ? .max : bytes
    }()

    /// `--jobs` (or a subcommand's) within 1...`jobs`.
    static func check(jobs value: Int, option: String = "--jobs") throws {
        guard value > 0 else { throw ValidationError("\(option) must be positive.") }
        guard value <= jobs else {
            throw ValidationError("\(option) \(value): at most \(jobs) worker threads (this machine has \(ProcessInfo.processInfo.activeProcessorCount) cores).")
        }
    }

    /// A budget of `value` items of `itemBytes` bytes each (a byte count: 1) for `option`:
    /// positive, and all of it no more than this machine's memory.
    static func check(bytes value: Int, itemBytes: Int = 1, option: String) throws {
        guard value > 0 else { throw ValidationError("\(option) must be positive.") }
        // Without the system's word, a bound no machine reaches but far from overflowing.
        let bound = memory ?? Self.unknownMemory
        let (total, overflow) = value.multipliedReportingOverflow(by: itemBytes)
        guard overflow || total > bound else { return }
        let what = itemBytes == 1 ? "" : " (\(itemBytes) bytes each)"
        throw ValidationError(
            "\(option) \(value)\(what): more than "
                + (memory != nil ? "this machine's memory (\(bound) bytes), which a run could never hold." : "\(bound) bytes."))
    }

    /// The bound of a byte budget when `sysconf` does not give the machine's memory: 1 TiB.
    static let unknownMemory = 1 << 40

    /// The default of `--jobs`: the cores, at most `jobs` (a machine of more cores than that
    /// would otherwise refuse a command line that gave no --jobs).
    static var defaultJobs: Int { min(ProcessInfo.processInfo.activeProcessorCount, jobs) }
}
