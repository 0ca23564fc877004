import AuthStatsCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ShardPlan {
    /// The local inputs as `report` reads them (`InputDiscovery.expand`: arguments in order,
    /// folders walked in sorted byte order, hidden files skipped, each real file once), with
    /// their sizes.
    ///
    /// - Parameters:
    ///   - paths: the INPUT arguments.
    ///   - excluding: files never listed (the plan file itself).
    /// - Returns: the files, and the problems: a path that does not exist or cannot be
    ///   listed, a file that is not a regular file (a FIFO cannot be read again by a shard),
    ///   a name that is not UTF-8 (a plan is JSON text).
    public static func listLocal(_ paths: [String], excluding: [String] = []) -> (files: [Listed], problems: [ShardPlanError]) {
        var files: [Listed] = []
        var problems: [ShardPlanError] = []
        for found in InputDiscovery.expand(paths, excluding: excluding) {
            switch found {
            case .problem(let path, let message):
                problems.append(.notListed(path: path, message: message))
            case .file(let input):
                guard let path = String(validating: input.bytes, as: UTF8.self) else {
                    problems.append(.unplannable(path: input.display, reason: "the name is not UTF-8, and a plan names files in JSON text; rename it"))
                    continue
                }
                var info = stat()
                guard CPath.with(input.bytes, { stat($0, &info) }) == 0 else {
                    problems.append(.unplannable(path: path, reason: OSError.text()))
                    continue
                }
                guard info.st_mode & S_IFMT == S_IFREG else {
                    problems.append(.unplannable(path: path, reason: "not a regular file; every input of a plan must be a file a shard can open again"))
                    continue
                }
                // Absolute: a shard may run in another folder (its paths were kept as typed
                // until 2026-12-05, and a shard run elsewhere failed every input).
                guard let absolute = InputPath.absolute(path) else {
                    problems.append(.unplannable(path: input.display, reason: "the working folder's name is not UTF-8, and a plan names files by their absolute paths in JSON text; run plan from another folder"))
                    continue
                }
                files.append(Listed(path: absolute, size: Int64(info.st_size)))
            }
        }
        return (files, problems)
    }

    /// The files of a listing: one `path<TAB>size` line each (size in bytes, decimal), in input
    /// order; empty lines are skipped. The size is after the last tab, so a path may hold one.
    ///
    /// - Parameters:
    ///   - text: the listing's contents.
    ///   - name: the listing's path, for messages.
    /// - Throws: `ShardPlanError.badListingLine` naming the first bad line.
    public static func parseListing(_ text: String, name: String) throws(ShardPlanError) -> [Listed] {
        var files: [Listed] = []
        var number = 0
        // By bytes: "\r\n" is one Character, so a String split on "\n" would keep it whole.
        for bytes in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            let line = Substring(bytes.last == 0x0D ? bytes.dropLast() : bytes)
            if line.isEmpty { continue }
            guard let tab = line.lastIndex(of: "\t") else {
                throw .badListingLine(file: name, line: number, reason: "no tab; each line is path<TAB>size in bytes")
            }
            let path = String(line[..<tab])
            let sizeText = line[line.index(after: tab)...]
            guard !path.isEmpty else { throw .badListingLine(file: name, line: number, reason: "the path is empty") }
            guard sizeText.allSatisfy(\.isASCII), let size = Int64(sizeText), size >= 0 else {
                throw .badListingLine(file: name, line: number, reason: "size '\(sizeText)' is not a number of bytes")
            }
            // A local path absolute, as `listLocal` makes them (a URL as it is).
            guard let listed = InputPath.isURL(path) ? path : InputPath.absolute(path) else {
                throw .badListingLine(file: name, line: number, reason: "the path is relative and the working folder's name is not UTF-8")
            }
            files.append(Listed(path: listed, size: size))
        }
        return files
    }
}
