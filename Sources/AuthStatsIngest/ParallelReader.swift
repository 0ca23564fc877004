import AuthStatsCore
import Foundation

/// Reads the input files with `jobs` workers (stage 1, in parallel).
///
/// Each worker has an `Analysis` of its own and takes the next unread file, so files are read
/// in increasing order. An archive is read by the worker that took it, in order (libarchive
/// reads it front to back), and its members are handed to whichever worker is free
/// (`ReadingQueue`): a `.tar` of thousands of gzip objects keeps every core busy, as the same
/// objects in a folder do. At the end the workers' analyses are merged (`Analysis.merge`),
/// the same merge a sharded run would use; positions keep inputs and duplicate choices in
/// input order (an archive member keeps its place whichever worker reads it), so
/// `--jobs 1` and `--jobs N` write the same reports. When there are fewer files than jobs,
/// each worker decodes compressed files on a second thread, so even a single large file keeps
/// two cores busy.
public enum ParallelReader {
    /// The bytes of archive members copied out at once (as stored in the archive: a `.gz`
    /// object's compressed bytes), for `workers` workers: 16 MiB for each, and for the worker
    /// reading the archive. A member that does not fit is read in place by the worker reading
    /// its archive, not copied and handed over.
    public static func copyBudget(workers: Int) -> Int { (workers + 1) << 24 }

    /// Reads `found` and returns the merged analysis.
    /// - Parameters:
    ///   - copyBudget: the bytes of archive members copied out at once (default
    ///     `copyBudget(workers:)`; tests set it low to read members in place).
    ///   - make: a new analysis for a worker, given how many workers share the machine (so
    ///     that memory budgets can be divided between them); called on this thread.
    ///   - fileDone: called (serialized) after each file with the worker's analysis and the
    ///     file's index in `found` (an archive: once it is read through; members handed over
    ///     may still be being read).
    public static func read(
        _ found: [InputDiscovery.Found], jobs: Int, copyBudget: Int? = nil,
        make: (_ workers: Int) -> Analysis, fileDone: ((Analysis, Int) -> Void)? = nil
    ) -> Analysis {
        // With fewer files than jobs, the other workers wait for archive members, when some
        // file is named as an archive; otherwise one worker per file, so that a single plain
        // object keeps the whole memory budgets (an archive named otherwise is still read
        // exactly, its members by the worker that opened it).
        let mayHoldMembers = found.contains { item in
            if case .file(let path) = item { return path.bytes.withUnsafeBytes { ArchiveName.isArchive(bytes: $0) } }
            return false
        }
        let count = found.isEmpty ? 1 : max(1, mayHoldMembers ? jobs : min(jobs, found.count))
        let workers = (0..<count).map { _ in Worker(analysis: make(count)) }
        // One user set for all of them: none to merge at the end (`SharedUserSet`).
        let users = (2...SharedUserSet.maxWorkers).contains(count) ? SharedUserSet() : nil
        if let users { for worker in workers { worker.analysis.shareUsers(users) } }
        // Waiting members: room for a few per worker (members copy far faster than they are
        // read), in bounded memory.
        let queue = ReadingQueue(
            files: found.count, copyBudget: copyBudget ?? Self.copyBudget(workers: count), byteLimit: max(4 << 20, count << 20))
        let work = { (worker: Worker) in
            let reader = ArchiveReader(analysis: worker.analysis, pipelined: jobs > found.count, queue: count > 1 ? queue : nil)
            while let next = queue.next() {
                switch next {
                case .member(let member):
                    reader.read(member)
                case .file(let index):
                    switch found[index] {
                    case .file(let path):
                        reader.read(path, index: index)
                    case .problem(let path, let message):
                        worker.analysis.beginFile(index: index)
                        worker.analysis.failedInput(path: path, error: message)
                    }
                    queue.fileRead()
                    if let fileDone { queue.serialized { fileDone(worker.analysis, index) } }
                }
            }
            if count > 1 { worker.analysis.workerDone() }
        }
        if workers.count == 1 {
            work(workers[0])
        } else {
            let job = Job(run: work)
            DispatchQueue.concurrentPerform(iterations: workers.count) { job.run(workers[$0]) }
        }
        if users != nil {
            for (i, worker) in workers.enumerated() { worker.analysis.stopSharingUsers(taking: i == 0) }
        }
        let merged = workers[0].analysis
        for worker in workers.dropFirst() { merged.merge(worker.analysis) }
        return merged
    }

    /// One worker's state. Unchecked: only its own worker touches it until the merge, which
    /// runs after every worker has finished.
    final class Worker: @unchecked Sendable {
        let analysis: Analysis
        init(analysis: Analysis) { self.analysis = analysis }
    }

    /// The workers' loop. Unchecked: what it captures is either read-only (the inputs) or
    /// locked (`ReadingQueue`, and `fileDone` runs inside `ReadingQueue.serialized`).
    final class Job: @unchecked Sendable {
        let run: (Worker) -> Void
        init(run: @escaping (Worker) -> Void) { self.run = run }
    }
}
