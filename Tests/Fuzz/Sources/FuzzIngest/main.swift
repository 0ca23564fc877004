/// Fuzz target: ingest end to end on a file (stages 1-5): the input is written to a file and
/// read by `ArchiveReader` as the command line would (real libarchive, ISA-L and zlib; every
/// codec and archive format authstats accepts), then reported.
///
/// Properties, besides no crash, no memory error and no hang: every record is counted once
/// (`Pipeline.finish`); inflating gzip on a second thread (`pipelined`, as with fewer files
/// than jobs) gives exactly the same reports, inputs and rejects as on one.
import AuthStatsCore
import AuthStatsIngest
import Foundation
import FuzzSupport

/// One file per fuzzing process, in memory when /dev/shm exists (a write per input).
let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
let prefix = "authstats-fuzz-ingest-"
let path = "\(folder)/\(prefix)\(ProcessInfo.processInfo.processIdentifier)"
atexit { unlink(path) }
// A process that crashed (a finding) never ran its atexit: remove the files of those that are gone.
for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(prefix) {
    if let pid = Int32(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH { unlink("\(folder)/\(name)") }
}

func run(pipelined: Bool) -> RunOutput {
    let rejects = CollectedRejects()
    let analysis = Pipeline.analysis(Pipeline.configuration(), rejects: rejects)
    ArchiveReader(analysis: analysis, pipelined: pipelined).read(InputPath(path), index: 0)
    return Pipeline.finish(analysis, rejects: rejects, render: !pipelined)
}

FuzzDriver.run { bytes in
    let file = fopen(path, "wb")!
    check(fwrite(bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, 1, bytes.count, file) == bytes.count, "could not write \(path)")
    fclose(file)
    let plain = run(pipelined: false)
    let pipelined = run(pipelined: true)
    if let difference = plain.difference(from: pipelined) {
        check(false, "a second inflating thread changes the \(difference)")
    }
    check(!plain.inputs.isEmpty, "a file that gives no input entry at all")
}
