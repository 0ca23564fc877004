/// Fuzz target: stages 2-5 in memory (framing, decoding with and without the profile cache,
/// counting, dedup, sessions, reports and their CSV/JSON/summary text) on a stream of records.
///
/// The input is cut after the first line break past its middle into two files. Properties,
/// besides no crash, no memory error and no hang:
/// - every record is counted once: an event, a duplicate, a skip or a reject (`Pipeline.finish`);
/// - one worker reading both files whole with the profile cache writes exactly what two
///   workers write that read one file each in chunks without the cache, merged in the other
///   order (what `--jobs 1` and `--jobs 2` must agree on).
import AuthStatsCore
import FuzzSupport

/// Two users of the sample data, so that some events meet the directory.
let directory: UserDirectory = {
    var directory = UserDirectory()
    directory.add(DirectoryUser(sub: "e184d402-d1b5-4f46-9dd7-75d0bb4dfee4", status: "EXTERNAL_PROVIDER"))
    directory.add(DirectoryUser(sub: "694bfc6e-7cad-465f-a88a-5d19f58b498a", status: "CONFIRMED"))
    return directory
}()

func read(_ analysis: Analysis, file index: Int, _ chunks: [UnsafeRawBufferPointer]) {
    analysis.beginFile(index: index)
    let stream = analysis.beginStream(path: "file-\(index).json", member: nil, compression: "none", container: nil)
    for chunk in chunks { stream.read(bytes: chunk) }
    stream.end()
}

FuzzDriver.run { bytes in
    var cut = bytes.count / 2
    while cut < bytes.count, bytes[cut] != 0x0A { cut += 1 }
    cut = min(cut + 1, bytes.count)
    let files = [UnsafeRawBufferPointer(rebasing: bytes[..<cut]), UnsafeRawBufferPointer(rebasing: bytes[cut...])]

    let configuration = Pipeline.configuration()
    let rejectsA = CollectedRejects()
    let one = Analysis(configuration: configuration, rejects: rejectsA, spill: MemorySpillStore(), directory: directory)
    for (index, file) in files.enumerated() { read(one, file: index, [file]) }
    let a = Pipeline.finish(one, rejects: rejectsA)

    var uncached = configuration
    uncached.cacheProfiles = false
    let rejectsB = CollectedRejects()
    let workers = files.enumerated().map { index, file in
        let worker = Analysis(configuration: uncached, rejects: rejectsB, spill: MemorySpillStore(), directory: directory)
        read(worker, file: index, ChunkPlan(file).chunks(of: file))
        return worker
    }
    workers[1].merge(workers[0])
    let b = Pipeline.finish(workers[1], rejects: rejectsB, render: false)
    if let difference = a.difference(from: b) {
        check(false, "one worker (whole files, profile cache) and two (chunks \(files.map { ChunkPlan($0).sizes }), no cache) differ in \(difference)")
    }
}
