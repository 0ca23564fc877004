import AuthStatsCore
import AuthStatsIngest
import Foundation

/// Runs the pipeline over files on disk through the real ingest stage (libarchive, zlib).
public struct FileRun {
    public var reports: Reports
    public var inputs: [InputReport]
    public var rejects: [RejectedRecord]

    /// - Parameter copyBudget: the bytes of archive members copied out at once and handed to
    ///   other workers (with `jobs` above 1); a member that does not fit is read in place.
    public init(
        _ paths: [String], timeZone: String = "UTC", maxRecordBytes: Int = Analysis.Configuration.defaultMaxRecordBytes,
        jobs: Int = 1, copyBudget: Int? = nil
    ) {
        let collector = RejectCollector()
        let configuration = Analysis.Configuration(timeZone: timeZone, maxRecordBytes: maxRecordBytes)!
        let analysis = ParallelReader.read(InputDiscovery.expand(paths, threads: jobs), jobs: jobs, copyBudget: copyBudget) { _ in
            Analysis(configuration: configuration, rejects: collector)
        }
        reports = analysis.reports()
        inputs = analysis.inputs
        rejects = collector.records.sorted { ($0.position, $0.record) < ($1.position, $1.record) }
    }

    /// A run read some other way (tests of the ingest stage's parts).
    public init(reports: Reports, inputs: [InputReport], rejects: [RejectedRecord]) {
        self.reports = reports
        self.inputs = inputs
        self.rejects = rejects
    }

    /// The three report tables as CSV text.
    public var csv: String {
        reports.tables.map { table in
            var out = ""
            CSVTableWriter.write(table, to: &out)
            return out
        }.joined(separator: "\n")
    }
}

/// Test fixtures of a test target, found from the test file's own path.
public struct Fixtures {
    public let folder: URL

    /// - Parameter file: pass `#filePath` of a test in the target whose `Fixtures/` is wanted.
    public init(_ file: String = #filePath) {
        var url = URL(fileURLWithPath: file).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Fixtures").path) && url.path != "/" {
            url.deleteLastPathComponent()
        }
        folder = url.appendingPathComponent("Fixtures")
    }

    public func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
}
