import AuthStatsCore
import ArgumentParser
import Foundation
import AuthStatsIngest

#if canImport(Glibc)
import Glibc
#endif

/// The few system calls the report folder needs, with the OS reason of each failure.
enum POSIX {
    /// `strerror` of `code` (default: the current `errno`).
    static func reason(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// A failure with the OS reason: `<what>: <strerror>`.
    struct Failure: Error, CustomStringConvertible {
        var description: String

        init(_ what: String, code: Int32 = errno) { description = "\(what): \(POSIX.reason(code))" }

        init(description: String) { self.description = description }
    }

    /// `lstat` of `path` (a link is not followed), or nil.
    static func info(_ path: String) -> stat? {
        var info = stat()
        return lstat(path, &info) == 0 ? info : nil
    }

    static func exists(_ path: String) -> Bool { info(path) != nil }

    /// Whether `a` and `b` are the same file (device and inode).
    static func sameFile(_ a: stat, _ b: stat) -> Bool { a.st_dev == b.st_dev && a.st_ino == b.st_ino }

    static func isFolder(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }

    /// The names in an open folder (`.` and `..` left out), as raw bytes with their closing
    /// NUL (a name need not be UTF-8), in byte order.
    static func names(in folder: Int32) throws -> [[CChar]] {
        let copy = dup(folder)
        guard copy >= 0, let stream = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            throw Failure("Unable to list a folder")
        }
        defer { closedir(stream) }
        rewinddir(stream)  // the duplicate shares its position with `folder`
        var names: [[CChar]] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw Failure("Unable to list a folder") }
                break
            }
            let bytes = DirectoryEntry.name(entry)
            let name = Array(UnsafeBufferPointer(start: bytes, count: strlen(bytes) + 1))  // with its NUL
            if name != [46, 0] && name != [46, 46, 0] { names.append(name) }  // "." and ".."
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) { UInt8(bitPattern: $0) < UInt8(bitPattern: $1) } }
    }

    /// A raw name as text for messages and comparisons (invalid UTF-8 replaced).
    static func text(_ name: [CChar]) -> String {
        String(decoding: name.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `fstatat` of a name in an open folder (a link is not followed), or nil.
    static func info(_ name: [CChar], in folder: Int32) -> stat? {
        var info = stat()
        return fstatat(folder, name, &info, AT_SYMLINK_NOFOLLOW) == 0 ? info : nil
    }

    /// Opens a folder for `*at` calls.
    static func openFolder(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure("Unable to open \(path)") }
        return descriptor
    }

    /// Writes all of `bytes` to `descriptor` (again after a short write or `EINTR`).
    ///
    /// - Returns: nil, or the `errno` of the failure.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += n
        }
        return nil
    }

    /// Reads `descriptor` to its end in chunks of `size` bytes, handing each to `body`, which
    /// returns false to stop early. A read error throws `failure` with the OS reason.
    static func readChunks(
        _ descriptor: Int32, size: Int, failure: String, _ body: (UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        var chunk = [UInt8](repeating: 0, count: size)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw Failure(failure) }
            if n == 0 { return }
            guard try chunk.withUnsafeBytes({ try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) else { return }
        }
    }

    /// The whole of a small file the user names (`--segments`, `--clients`, a plan's
    /// `--listing`), or why it cannot be read: the OS reason, or "is a folder" (`open` takes a
    /// folder, and reading it fails with `EISDIR`; Foundation said "Inappropriate ioctl for
    /// device" there, an `errno` left from another call).
    static func contents(of path: String) -> Result<[UInt8], Failure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(Failure(description: reason())) }
        defer { close(descriptor) }
        var info = Glibc.stat()
        guard fstat(descriptor, &info) == 0 else { return .failure(Failure(description: reason())) }
        guard !isFolder(info) else { return .failure(Failure(description: "is a folder")) }
        var bytes: [UInt8] = []
        do {
            try readChunks(descriptor, size: 1 << 16, failure: "read error") { chunk in
                bytes.append(contentsOf: chunk)
                return true
            }
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure(description: "\(error)"))
        }
        return .success(bytes)
    }

    /// `contents(of:)`, or its failure said on `console` ("Unable to read WHAT PATH: reason")
    /// and the run ended with `exit`.
    static func contents(of path: String, what: String, console: Console, exit: Int32) throws -> [UInt8] {
        switch contents(of: path) {
        case .success(let bytes): return bytes
        case .failure(let failure):
            console.error("Unable to read \(what)\(DisplayPath.text(path)): \(failure)")
            throw ExitCode(exit)
        }
    }

    /// Flushes a folder's entries to disk (after files were made or renamed in it).
    static func syncFolder(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure("Unable to open \(path)") }
        defer { close(descriptor) }
        // EINVAL: a file system that cannot sync folders (some FUSE ones); nothing to do.
        guard fsync(descriptor) == 0 || errno == EINVAL else { throw Failure("Unable to flush \(path) to disk") }
    }

    /// `mkdir -p`: makes `path` and its missing parents.
    ///
    /// - Returns: the folders made, outermost first.
    static func makeFolders(_ path: String) throws -> [String] {
        if let existing = info(path) {
            guard isFolder(existing) || followingLinks(path).map(isFolder) == true else { throw Failure("\(path) exists", code: ENOTDIR) }
            return []
        }
        let parent = parentFolder(path)
        var made = parent.isEmpty || parent == path ? [] : try makeFolders(parent)
        guard mkdir(path, 0o777) == 0 || errno == EEXIST else { throw Failure("Unable to create \(path)") }
        made.append(path)
        return made
    }

    /// `stat` (following links), or nil.
    static func followingLinks(_ path: String) -> Glibc.stat? {
        var info = Glibc.stat()
        return stat(path, &info) == 0 ? info : nil
    }

    /// Swaps two paths in one step: Linux `renameat2(…, RENAME_EXCHANGE)`.
    ///
    /// - Returns: 0, or the `errno` of the failure (`EINVAL` or `ENOSYS` where the file
    ///   system or kernel cannot exchange).
    static func exchange(_ first: String, _ second: String) -> Int32 {
        // Glibc exports renameat2 but declares it only under _GNU_SOURCE, which Swift's Glibc
        // module does not set: look the symbol up by name (nil handle: RTLD_DEFAULT).
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let symbol = dlsym(nil, "renameat2") else { return ENOSYS }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let renameExchange: UInt32 = 1 << 1  // RENAME_EXCHANGE, <linux/fs.h>
        return renameat2(AT_FDCWD, first, AT_FDCWD, second, renameExchange) == 0 ? 0 : errno
    }

    /// `path` made absolute with every link resolved; for a path that does not exist (or a
    /// link to one), the path it would be made at.
    static func resolvingLinks(_ path: String) -> String {
        if let real = realPath(path) { return real }
        var current = path
        for _ in 0..<40 {  // ELOOP's limit
            guard let target = linkTarget(current) else { break }
            current = target.hasPrefix("/") ? target : (parentFolder(current) as NSString).appendingPathComponent(target)
        }
        if let real = realPath(current) { return real }
        let parent = parentFolder(current)
        let name = (current as NSString).lastPathComponent
        if let real = realPath(parent.isEmpty ? "." : parent) { return (real as NSString).appendingPathComponent(name) }
        return URL(fileURLWithPath: current).standardizedFileURL.path
    }

    /// The folder part of `path` ("" for a bare name such as `x`): Foundation's
    /// `deletingLastPathComponent` traps on a one-character path without a slash.
    static func parentFolder(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `path` (absolute, links resolved) is where a file system is mounted: such a
    /// folder cannot be renamed (`EBUSY`).
    static func isMountPoint(_ path: String) -> Bool {
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return false }
        // Field 5 is the mount point, with space, tab, newline and backslash as octal escapes.
        return table.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 && unescapeMountInfo(fields[4]) == path
        }
    }

    static func unescapeMountInfo(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3, let code = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(code)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
