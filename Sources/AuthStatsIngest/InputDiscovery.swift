import AuthStatsCore
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Expands the INPUT arguments into the files to read (stage 1a).
///
/// A file is taken as it is (a FIFO or `/dev/stdin` too: it is read as a stream); a folder is
/// walked recursively, each folder's entries in byte order of their names, skipping hidden files and folders
/// (names starting with `.`). Names are handled as the raw bytes the file system stores, so a
/// name that is not UTF-8 is read like any other.
///
/// Each real file and folder is read once, however many paths lead to it (two arguments, a
/// symbolic link): they are told apart by device and inode. A link back to a folder being
/// walked (a cycle) is reported once, as a problem naming it, and not followed. Paths that are
/// not inputs (the `--users` files, the `--out` folder) are excluded the same way. A path that
/// does not exist or cannot be listed is kept as a `problem` with the OS reason, so the run can
/// report it and go on.
public enum InputDiscovery {
    public enum Found: Sendable, Equatable {
        case file(InputPath)
        case problem(path: String, message: String)
    }

    /// - Parameters:
    ///   - paths: the INPUT arguments.
    ///   - excluding: files and folders never read as inputs (the user directories, the
    ///     output folder), wherever they lie; paths that do not exist are ignored.
    ///   - threads: how many threads read the arguments' statuses and list the folders
    ///     (`Listings`); the walk itself, and so what it finds and in which order, is the same
    ///     for any number.
    public static func expand(_ paths: [String], excluding: [String] = [], threads: Int = 1) -> [Found] {
        expandNamingEmpty(paths, excluding: excluding, threads: threads).found
    }

    /// `expand`, and the arguments that hold no file: a folder (or a folder's tree) in which
    /// the walk met no file, not even one found before under another argument (an empty or
    /// unmounted sync folder, or one of hidden files only). An argument that does not exist is
    /// not among them: it is a problem of `found`.
    public static func expandNamingEmpty(_ paths: [String], excluding: [String] = [], threads: Int = 1) -> (found: [Found], empty: [String]) {
        let excluded = Set(excluding.compactMap { FileID(path: Array($0.utf8)) })
        var walk = Walk(excluded: excluded)
        let roots = paths.map { Array($0.utf8) }
        // The arguments' statuses on every thread too: a shard's hundreds of files named one
        // by one, each a `stat` by a path ten folders deep. One that fails is read again by
        // the walk, which says why.
        let statuses: [Status?] = threads > 1
            ? concurrentMap(count: roots.count, threads: threads) { i in Status(path: roots[i]) }
            : Array(repeating: nil, count: roots.count)
        if threads > 1 {
            let folders = zip(roots, statuses).compactMap { root, status in
                status.flatMap { $0.mode & S_IFMT == S_IFDIR ? (root, $0.id) : nil }
            }
            walk.listings = Listings.read(below: folders, excluding: excluded, threads: threads)
        }
        var empty: [String] = []
        for (index, (root, status)) in zip(roots, statuses).enumerated() {
            let before = (walk.met, walk.found.count)
            walk.visit(root, topLevel: true, ancestors: [], known: status)
            if walk.met == before.0 && walk.found.count == before.1 { empty.append(paths[index]) }
        }
        return (walk.found, empty)
    }

    /// What `path` leads to when it is neither a regular file nor a folder ("a FIFO", "a
    /// character device" …), or nil (a file, a folder, or nothing there). Such an input is
    /// read as a stream, once: a run that must hash an input before reading it (`--state`)
    /// cannot take one.
    public static func streamKind(of path: [UInt8]) -> String? {
        guard let mode = Status(path: path)?.mode else { return nil }
        let type = mode & S_IFMT
        return type == S_IFREG || type == S_IFDIR ? nil : kind(mode)
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return "type \(String(mode & S_IFMT, radix: 8))"
        }
    }

    /// A file's identity: its device and inode.
    struct FileID: Hashable {
        var device: UInt64
        var inode: UInt64

        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }

        /// The identity of what `path` leads to (following links), or nil.
        init?(path: [UInt8]) {
            guard let status = Status(path: path) else { return nil }
            self = status.id
        }
    }

    /// What the walk needs of an entry's `stat`: its identity, type and a regular file's size
    /// and time (48 bytes, not 144, for each entry of a folder while its subfolders are walked).
    struct Status {
        var id: FileID
        var mode: mode_t
        var stamp: FileStamp?

        init(_ info: stat) {
            id = FileID(info)
            mode = info.st_mode
            stamp = FileStamp(info)
        }

        /// The status of what `path` leads to (following links), or nil with `errno` set.
        init?(path: [UInt8]) {
            var info = stat()
            guard CPath.with(path, { stat($0, &info) }) == 0 else { return nil }
            self.init(info)
        }
    }

    /// A folder's entries as the walk reads them: names (not hidden) in byte order, each with
    /// its status (nil where it could not be read), and the `errno` that stopped the listing,
    /// if one did (nothing listed when the folder could not be opened).
    struct Listing {
        /// The path the folder was opened by.
        let folder: [UInt8]
        /// `folder` ending in one `/`: what its entries' paths start with.
        private let base: [UInt8]
        var entries: [(name: [UInt8], info: Status?)] = []
        var failure: Int32?

        init(_ folder: [UInt8]) {
            self.folder = folder
            base = folder.last == UInt8(ascii: "/") ? folder : folder + [UInt8(ascii: "/")]
            guard let directory = CPath.with(folder, { opendir($0) }) else {
                failure = errno
                return
            }
            defer { closedir(directory) }
            var names: [[UInt8]] = []
            while true {
                errno = 0
                guard let entry = readdir(directory) else {
                    if errno != 0 { failure = errno }
                    break
                }
                let name = DirectoryEntry.nameBytes(entry)
                if name.first == UInt8(ascii: ".") { continue }  // hidden, `.` and `..`
                names.append(name)
            }
            // Each entry's status is read from the open folder, by its name (by its whole path,
            // the kernel walked every folder above it again: a bucket's files lie ten deep).
            entries = names.sorted(by: { $0.lexicographicallyPrecedes($1) }).map { name in
                var info = stat()
                let read = CPath.with(name) { fstatat(dirfd(directory), $0, &info, 0) } == 0
                return (name, read ? Status(info) : nil)
            }
        }

        /// The path of the entry `name`.
        func path(of name: [UInt8]) -> [UInt8] { base + name }
    }

    /// The folders under the INPUT arguments, listed ahead of the walk on several threads: a
    /// bucket's exports lie in thousands of small folders (the bench set: ~2,900 for 4,404
    /// files), and listing them (an `opendir`, `getdents` and an `fstatat` an entry) took
    /// ~85 ms of one core before any file was read. Level by level: each level's folders are
    /// split between the threads, and the folders among their entries make the next level.
    /// Only what the walk would list itself, the same way: a folder that could not be listed
    /// through is left out (the walk lists it again and says why), a folder reached twice (a
    /// link) is listed once, and the walk takes a listing only when it reaches the folder by
    /// the path it was listed by (by another, opening it might fail where this did not: a
    /// chain of links too long). Up to about `maxEntries` entries (~100 bytes each; the walk
    /// lists the rest as it goes), so that a tree of millions of objects is not held twice:
    /// each thread takes the level's next folder while the entries are under the limit (past
    /// it by at most one folder a thread, whose listing the walk would hold anyway).
    enum Listings {
        static let maxEntries = 200_000

        /// Each folder's listing, by the folder's identity.
        /// - Parameter roots: the argument folders and their identities (read already).
        static func read(
            below roots: [([UInt8], FileID)], excluding excluded: Set<FileID>, threads: Int, maxEntries: Int = Self.maxEntries
        ) -> [FileID: Listing] {
            var listings: [FileID: Listing] = [:]
            var seen = excluded
            var level: [(path: [UInt8], id: FileID)] = roots.filter { seen.insert($0.1).inserted }.map { ($0.0, $0.1) }
            let taken = LevelTurns(maxEntries: maxEntries)
            while !level.isEmpty {
                let folders = level
                taken.start(level: folders.count)
                // Each thread's folders and their listings, merged below in the level's order.
                let listed = concurrentMap(count: max(1, threads), threads: threads) { _ in
                    var mine: [(Int, Listing)] = []
                    while let i = taken.next() {
                        let listing = Listing(folders[i].path)
                        taken.listed(listing.entries.count)
                        mine.append((i, listing))
                    }
                    return mine
                }
                level = []
                for (i, listing) in listed.joined().sorted(by: { $0.0 < $1.0 }) where listing.failure == nil {
                    listings[folders[i].id] = listing
                    for (name, info) in listing.entries {
                        guard let info, info.mode & S_IFMT == S_IFDIR, seen.insert(info.id).inserted else { continue }
                        level.append((listing.path(of: name), info.id))
                    }
                }
                if taken.full { break }
            }
            return listings
        }
    }

    /// Which folder of a level is listed next, and how many entries are listed, under a lock.
    private final class LevelTurns: @unchecked Sendable {
        // Unchecked: every field is read and written under `lock`.
        private let lock = NSLock()
        private let maxEntries: Int
        private var entries = 0
        private var count = 0
        private var taken = 0

        init(maxEntries: Int) { self.maxEntries = maxEntries }

        func start(level count: Int) {
            lock.withLock {
                self.count = count
                taken = 0
            }
        }

        /// The next folder to list, or nil: the level is done, or the entries are past the limit.
        func next() -> Int? {
            lock.withLock {
                guard taken < count, entries < maxEntries else { return nil }
                taken += 1
                return taken - 1
            }
        }

        func listed(_ n: Int) { lock.withLock { entries += n } }

        var full: Bool { lock.withLock { entries >= maxEntries } }
    }

    private struct Walk {
        let excluded: Set<FileID>
        var found: [Found] = []
        var seen: Set<FileID> = []
        /// Files met, and folders met again (whose files were met before): whether an argument
        /// holds anything (`expandNamingEmpty`).
        var met = 0
        /// Folders listed ahead (`Listings`).
        var listings: [FileID: Listing] = [:]

        init(excluded: Set<FileID>) { self.excluded = excluded }

        /// Adds the file or folder at `path`. `ancestors` are the folders being walked above
        /// it (a link to one of them is a cycle).
        /// `known`: its status, read already (from its folder, `list`, or for an argument, on
        /// the threads of `expand`).
        mutating func visit(_ path: [UInt8], topLevel: Bool, ancestors: [(FileID, [UInt8])], known: Status? = nil) {
            // How messages show it: made only for one (a `String` for each of thousands of files).
            var shown: String { DisplayPath.text(path) }
            guard let status = known ?? Status(path: path) else {
                let code = errno
                var link = stat()
                let broken = code == ENOENT && CPath.with(path, { lstat($0, &link) }) == 0
                let reason = broken ? "broken symbolic link (\(OSError.text(code)))" : OSError.text(code)
                found.append(.problem(path: shown, message: "Unable to open \(shown): \(reason)"))
                return
            }
            let id = status.id
            guard !excluded.contains(id) else { return }
            if let ancestor = ancestors.first(where: { $0.0 == id }) {
                found.append(
                    .problem(
                        path: shown,
                        message: "Unable to read \(shown): a symbolic link cycle (it leads back to \(DisplayPath.text(ancestor.1))); not followed"))
                return
            }
            if status.mode & S_IFMT != S_IFDIR { met += 1 }
            guard seen.insert(id).inserted else {  // read once, under its first path
                if status.mode & S_IFMT == S_IFDIR { met += 1 }
                return
            }
            switch status.mode & S_IFMT {
            case S_IFDIR:
                list(path, id: id, ancestors: ancestors + [(id, path)])
            case S_IFREG:
                found.append(.file(InputPath(path, stamp: status.stamp)))
            default:
                // A FIFO or device named on the command line is read as a stream; one met in a
                // folder is not (opening a FIFO without a writer would wait forever).
                if topLevel {
                    found.append(.file(InputPath(path)))
                } else {
                    found.append(.problem(path: shown, message: "Unable to read \(shown): not a regular file (\(InputDiscovery.kind(status.mode))); not read"))
                }
            }
        }

        private mutating func list(_ folder: [UInt8], id: FileID, ancestors: [(FileID, [UInt8])]) {
            // Listed ahead by this path, or now. An entry whose status could not be read is
            // read again by its path (`visit`), which says why.
            let ahead = listings.removeValue(forKey: id)
            let listing = ahead?.folder == folder ? ahead! : Listing(folder)
            if let failure = listing.failure {
                let shown = DisplayPath.text(folder)
                found.append(.problem(path: shown, message: "Unable to list \(shown): \(OSError.text(failure))"))
            }
            for (name, info) in listing.entries {
                visit(listing.path(of: name), topLevel: false, ancestors: ancestors, known: info)
            }
        }
    }
}

/// A file to read, named by the raw bytes of its path (any name the file system allows).
public struct InputPath: Sendable, Hashable {
    public let bytes: [UInt8]
    /// The regular file's size and modification time as the folder walk read them (the walk
    /// reads every entry's status; a state's ledger check asks each input's stamp, the progress
    /// line each input's size, and a `stat` again by a path ten folders deep took ~50 ms of
    /// both cores a night over 4,400 files), or nil: not read yet, or not a regular file. Not
    /// part of the path's identity (`==`, `hash(into:)`).
    public let stamp: FileStamp?

    public init(_ bytes: [UInt8], stamp: FileStamp? = nil) {
        self.bytes = bytes
        self.stamp = stamp
    }
    public init(_ path: String) { self.init(Array(path.utf8)) }

    public static func == (a: InputPath, b: InputPath) -> Bool { a.bytes == b.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

    /// The path as messages and reports show it (`DisplayPath`: control characters and bytes
    /// that are not UTF-8 escaped).
    public var display: String { DisplayPath.text(bytes) }

    /// `path` made absolute: the working folder put before a relative one, `.` components and
    /// repeated slashes taken out, so that `exports/a.json`, `./exports/a.json` and
    /// `/data/exports/a.json` run from /data are one path. Neither symbolic links nor `..` are
    /// resolved (`link/..` is not the link's folder: taking `..` out by its text made two files
    /// one path); resolving them would be a look-up per folder of every input. A state's
    /// ledger knows its files by it (`NightlyState.ledgerPath`), and a plan lists them so, so
    /// that a shard opens them from any folder. By bytes: the working folder's name need not be
    /// UTF-8 (`FileManager` gives it with U+FFFD for such bytes, which names no folder).
    public static func absolute(_ path: [UInt8]) -> [UInt8] {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        var out: [UInt8] = []
        out.reserveCapacity(workingFolder.count + path.count + 1)
        // Each component after a slash, but empty ones and `.` (a loop over the bytes: splitting
        // into slices took ~6,400 instructions a path, and a night looks up every file's).
        func add(_ part: UnsafeBufferPointer<UInt8>) {
            var start = 0
            while start < part.count {
                var end = start
                while end < part.count && part[end] != slash { end += 1 }
                if end > start && !(end == start + 1 && part[start] == dot) {
                    out.append(slash)
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: part[start..<end]))
                }
                start = end + 1
            }
        }
        if path.first != slash { workingFolder.withUnsafeBufferPointer(add) }
        path.withUnsafeBufferPointer(add)
        return out.isEmpty ? [slash] : out
    }

    /// Whether `path` is a URL (`s3://bucket/key`: a scheme, then `://`), which is kept as it
    /// is where a local path is made absolute. A scheme is a letter, then letters, digits,
    /// `+`, `-` and `.` (RFC 3986; compared as bytes: a regular expression, through
    /// Foundation, took ~42,000 instructions a path, 7% of a night over 4,400 files).
    public static func isURL(_ path: String) -> Bool { isURL(path.utf8) }

    /// `isURL` of a path's bytes.
    public static func isURL<Bytes: Collection<UInt8>>(_ path: Bytes) -> Bool {
        var index = path.startIndex
        guard index != path.endIndex, Self.isLetter(path[index]) else { return false }
        path.formIndex(after: &index)
        while index != path.endIndex {
            let byte = path[index]
            guard Self.isLetter(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            else { break }
            path.formIndex(after: &index)
        }
        return path[index...].starts(with: "://".utf8)
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }

    /// `absolute` of a path given as text; nil when the result is not UTF-8 (the working
    /// folder's name is not).
    public static func absolute(_ path: String) -> String? {
        String(validating: absolute(Array(path.utf8)), as: UTF8.self)
    }

    /// The folder the process started in, its name's raw bytes (`getcwd`; read once:
    /// `absolute` runs for every input).
    public static let workingFolder: [UInt8] = {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return Array(FileManager.default.currentDirectoryPath.utf8) }
        return buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    }()
}
