import AuthStatsCore
import Foundation

/// Reads the input files with `jobs` workers (stage 1, in parallel).
///
/// Each worker has an `Analysis` of its own and takes the next unread file, so files are read
/// whole by one worker and in increasing order by each. At the end the workers' analyses are
/// merged (`Analysis.merge`), the same merge a sharded run would use; positions keep inputs
/// and duplicate choices in sorted path order, so `--jobs 1` and `--jobs N` write the same
/// reports. When there are fewer files than jobs, each worker decodes compressed files on a
/// second thread, so even a single large file keeps two cores busy.
public enum ParallelReader {
    /// Reads `found` and returns the merged analysis.
    /// - Parameters:
    ///   - make: a new analysis for a worker, given how many workers share the machine (so
    ///     that memory budgets can be divided between them); called on this thread.
    ///   - fileDone: called (serialized) after each file with the worker's analysis and the
    ///     file's index in `found`.
    public static func read(
        _ found: [InputDiscovery.Found], jobs: Int, make: (_ workers: Int) -> Analysis,
        fileDone: ((Analysis, Int) -> Void)? = nil
    ) -> Analysis {
        let count = max(1, min(jobs, found.count))
        let workers = (0..<count).map { _ in Worker(analysis: make(count)) }
        let queue = Queue(count: found.count)
        let work = { (worker: Worker) in
            let reader = ArchiveReader(analysis: worker.analysis, pipelined: jobs > found.count)
            while let index = queue.next() {
                switch found[index] {
                case .file(let path):
                    reader.read(path, index: index)
                case .problem(let path, let message):
                    worker.analysis.beginFile(index: index)
                    worker.analysis.failedInput(path: path, error: message)
                }
                if let fileDone { queue.serialized { fileDone(worker.analysis, index) } }
            }
        }
        if workers.count == 1 {
            work(workers[0])
        } else {
            let job = Job(run: work)
            DispatchQueue.concurrentPerform(iterations: workers.count) { job.run(workers[$0]) }
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
    /// locked (`Queue`, and `fileDone` runs inside `Queue.serialized`).
    final class Job: @unchecked Sendable {
        let run: (Worker) -> Void
        init(run: @escaping (Worker) -> Void) { self.run = run }
    }

    /// Hands out file indexes in increasing order.
    final class Queue: @unchecked Sendable {
        private let lock = NSLock()
        private var nextIndex = 0
        private let count: Int

        init(count: Int) { self.count = count }

        func next() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard nextIndex < count else { return nil }
            nextIndex += 1
            return nextIndex - 1
        }

        func serialized(_ body: () -> Void) {
            lock.lock()
            defer { lock.unlock() }
            body()
        }
    }
}
