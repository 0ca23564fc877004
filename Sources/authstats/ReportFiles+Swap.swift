import AuthStatsIngest
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Putting the staged report set in place as one step.
///
/// - `--out` does not exist: the staging folder is renamed to it.
/// - It exists: files in it that are not reports (a `.gitkeep`, a README) are hard-linked into
///   the staging folder, then the two folders are exchanged in one `renameat2(RENAME_EXCHANGE)`;
///   foreign sub-folders, and anything added to `--out` meanwhile, are renamed across to the
///   new folder; the old folder, now at the staging name, is removed.
/// - The folder cannot be exchanged (a file system without `RENAME_EXCHANGE`, or one of
///   `ReportFiles.fileByFile`'s reasons): each report is renamed into place, `summary.json`
///   last, and the reports of the old set that this run did not write are removed just before
///   it; if a step fails, the steps before are undone from hard-linked copies of the old files.
///
/// Exit status 2 means nothing in `--out` changed: every failure before the swap leaves it as
/// it was. The swap runs under `TemporaryFolders`' lock, so a signal's cleanup waits for it;
/// once it is done, the run's outcome is settled and a signal no longer ends it.
extension ReportFiles {
    /// What `commit` did, for the run's messages.
    enum Outcome {
        /// The new folder replaced the old one in one step.
        case swapped
        /// Replaced file by file, for this reason.
        case fileByFile(String)
    }

    /// Puts the staged reports in place of `--out`'s.
    ///
    /// - Returns: how; and problems after the swap (the old folder could not be removed),
    ///   which change nothing in the new reports.
    /// - Throws: `Failure` when nothing in `--out` was changed.
    func commit() throws -> (Outcome, problems: [String]) {
        try syncs.flush()
        try POSIX.syncFolder(staging)
        if let fileByFile {
            return (.fileByFile(fileByFile), try replaceFileByFile())
        }
        let parent = POSIX.parentFolder(target)
        if !POSIX.exists(target) {
            let code = TemporaryFolders.shared.withLock(settledIf: { $0 == 0 }) { rename(staging, target) == 0 ? 0 : errno }
            if code == 0 {
                TemporaryFolders.shared.forget(staging)
                try? POSIX.syncFolder(parent)
                return (.swapped, [])
            }
            // Made meanwhile (another run): exchanged with it below.
            guard code == EEXIST || code == ENOTEMPTY else {
                throw POSIX.Failure("Unable to move the reports into \(folder)", code: code)
            }
        }
        let old = try POSIX.openFolder(target)
        defer { close(old) }
        let new = try POSIX.openFolder(staging)
        defer { close(new) }
        if let problem = linkForeignFiles(from: old, to: new) {
            return (.fileByFile(problem), try replaceFileByFile())
        }
        try POSIX.syncFolder(staging)
        var problems: [String] = []
        let code = try TemporaryFolders.shared.withLock(settledIf: { $0 == 0 }) { () throws -> Int32 in
            let code = POSIX.exchange(staging, target)
            // The descriptors still name the same folders: `old` is now at the staging name.
            if code == 0 { problems = moveForeignEntries(from: old, to: new) }
            return code
        }
        switch code {
        case 0:
            break
        case EINVAL, ENOSYS, EOPNOTSUPP:
            return (.fileByFile("its file system cannot exchange two folders (\(POSIX.reason(code)))"), try replaceFileByFile())
        default:
            throw POSIX.Failure("Unable to swap the new reports into \(folder)", code: code)
        }
        if problems.isEmpty {
            TemporaryFolders.shared.remove(staging)
        } else {
            // Not under a staging name, which a later run would remove as a killed run's;
            // hidden, so that a run over the folder holding `--out` does not read it.
            let kept = (parent as NSString).appendingPathComponent(".\((target as NSString).lastPathComponent).previous-\(getpid())")
            TemporaryFolders.shared.forget(staging)
            let moved = rename(staging, kept) == 0
            problems.append("the previous content of \(folder) is kept in \(moved ? kept : staging)")
        }
        try? POSIX.syncFolder(parent)
        return (.swapped, problems)
    }

    /// Whether a name in `--out` is one of the run's own: a report, or a staging folder.
    static func isOwn(_ name: [CChar]) -> Bool {
        let text = POSIX.text(name)
        return reportNames.contains(text) || stagingPID(text) != nil
    }

    /// Hard-links every file of `old` that is not a report into `new` (folders are moved
    /// after the swap); a regular file that cannot be linked (a link count at its limit, a
    /// file of another user under `protected_hardlinks`) is copied.
    ///
    /// - Returns: nil, or why a file could not be kept (then the swap is not possible).
    private func linkForeignFiles(from old: Int32, to new: Int32) -> String? {
        guard let names = try? POSIX.names(in: old) else { return "it cannot be listed (\(POSIX.reason()))" }
        for name in names where !Self.isOwn(name) {
            guard let info = POSIX.info(name, in: old), !POSIX.isFolder(info) else { continue }
            if linkat(old, name, new, name, 0) == 0 { continue }
            let linkError = errno
            guard info.st_mode & S_IFMT == S_IFREG, (try? copyFile(name, from: old, to: new)) != nil else {
                return "\(POSIX.text(name)) in it can be neither linked nor copied (\(POSIX.reason(linkError)))"
            }
        }
        return nil
    }

    /// Copies a regular file between two open folders, with its permissions.
    private func copyFile(_ name: [CChar], from old: Int32, to new: Int32) throws {
        let source = openat(old, name, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw POSIX.Failure("open") }
        defer { close(source) }
        var info = stat()
        fstat(source, &info)
        let target = openat(new, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, info.st_mode & 0o7777)
        guard target >= 0 else { throw POSIX.Failure("create") }
        defer { close(target) }
        try POSIX.readChunks(source, size: 1 << 16, failure: "read") { bytes in
            if let code = POSIX.writeAll(target, bytes) { throw POSIX.Failure("write", code: code) }
            return true
        }
        guard fsync(target) == 0 else { throw POSIX.Failure("fsync") }
    }

    /// After the swap: moves what is not a report from the old folder into the new one:
    /// folders, files added since they were linked, and files replaced since (another inode).
    ///
    /// - Returns: the entries that could not be moved (the old folder is then kept).
    private func moveForeignEntries(from old: Int32, to new: Int32) -> [String] {
        guard let names = try? POSIX.names(in: old) else { return ["Unable to list the previous \(folder): \(POSIX.reason())"] }
        var problems: [String] = []
        for name in names where !Self.isOwn(name) {
            guard let info = POSIX.info(name, in: old) else { continue }
            if let copy = POSIX.info(name, in: new), POSIX.sameFile(copy, info) { continue }
            if renameat(old, name, new, name) != 0 {
                problems.append("Unable to move \(POSIX.text(name)) into the new \(folder): \(POSIX.reason())")
            }
        }
        return problems
    }

    /// The fallback: renames each staged report into `--out`, `summary.json` last, after
    /// removing the old set's reports this run did not write. Undoes what it did if a step
    /// fails.
    private func replaceFileByFile() throws -> [String] {
        let out = try POSIX.openFolder(target)
        defer { close(out) }
        let staged = try POSIX.openFolder(staging)
        defer { close(staged) }
        let summary = Array("summary.json".utf8CString)
        // The staged files (and report folders: `segments/`), less copies of --out's own
        // files made for a swap that was not done.
        let written = try POSIX.names(in: staged).filter { name in
            guard let info = POSIX.info(name, in: staged) else { return false }
            if POSIX.isFolder(info) { return Self.reportNames.contains(POSIX.text(name)) }
            return POSIX.info(name, in: out).map { !POSIX.sameFile($0, info) } ?? true
        }
        let obsolete = try POSIX.names(in: out).filter { Self.reportNames.contains(POSIX.text($0)) && !written.contains($0) }
        // Hard links to the old reports, to undo with; an old report folder is moved there
        // (a folder cannot be linked), last, and moved back if that fails.
        let previous = Array(".previous".utf8CString)
        guard mkdirat(staged, previous, 0o700) == 0 else { throw POSIX.Failure("Unable to create \(path(".previous"))") }
        let backup = openat(staged, previous, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard backup >= 0 else { throw POSIX.Failure("Unable to open \(path(".previous"))") }
        defer { close(backup) }
        func isFolder(_ name: [CChar], in folder: Int32) -> Bool { POSIX.info(name, in: folder).map(POSIX.isFolder) ?? false }
        let oldFolders = (written + obsolete).filter { isFolder($0, in: out) }
        for name in written + obsolete where POSIX.info(name, in: out) != nil && !oldFolders.contains(name) {
            guard linkat(out, name, backup, name, 0) == 0 else {
                throw POSIX.Failure("Unable to keep a copy of \(POSIX.text(name)) of \(folder) to undo with")
            }
        }
        enum Step {
            case put([CChar])
            case remove([CChar])
        }
        let steps = written.filter { $0 != summary }.map(Step.put) + obsolete.map(Step.remove)
            + (written.contains(summary) ? [.put(summary)] : [])
        // One step under the cleanup lock, from moving the old report folders aside to the last
        // rename: a signal in between must not remove the staging folder that holds them.
        try TemporaryFolders.shared.withLock(settledIf: { true }) {
            var moved: [[CChar]] = []
            for name in oldFolders {
                guard renameat(out, name, backup, name) == 0 else {
                    let failure = POSIX.Failure("Unable to move the previous \(POSIX.text(name)) of \(folder) aside")
                    for done in moved { _ = renameat(backup, done, out, done) }
                    throw failure
                }
                moved.append(name)
            }
            var done: [[CChar]] = []
            for step in steps {
                let (name, ok): ([CChar], Bool)
                switch step {
                case .put(let file): (name, ok) = (file, renameat(staged, file, out, file) == 0)
                case .remove(let file):
                    // A report folder was moved aside already.
                    (name, ok) = (file, oldFolders.contains(file) || unlinkat(out, file, 0) == 0)
                }
                if ok {
                    done.append(name)
                    continue
                }
                let failure = POSIX.Failure("Unable to put \(POSIX.text(name)) into \(folder)")
                // Undo: the old file back where there was one, else no file.
                var stuck: [String] = []
                for name in done.reversed() {
                    // A new report folder goes back to the staging folder first.
                    if isFolder(name, in: out), renameat(out, name, staged, name) != 0 { stuck.append(POSIX.text(name)) }
                    let undone = POSIX.info(name, in: backup) != nil
                        ? renameat(backup, name, out, name) == 0 : (isFolder(name, in: staged) || unlinkat(out, name, 0) == 0)
                    if !undone { stuck.append(POSIX.text(name)) }
                }
                for name in oldFolders where !done.contains(name) && renameat(backup, name, out, name) != 0 {
                    stuck.append(POSIX.text(name))
                }
                guard stuck.isEmpty else {
                    throw Failure(description: "\(failure); could not undo \(stuck.joined(separator: ", ")) (\(POSIX.reason())): \(folder) holds files of two runs", mixed: true)
                }
                throw failure
            }
        }
        try? POSIX.syncFolder(target)
        TemporaryFolders.shared.remove(staging)
        return []
    }
}
