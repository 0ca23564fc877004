#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `readdir` entry's name, read in place.
///
/// `entry.pointee.d_name` copies the whole 256-byte array, but the kernel's record holds only
/// the name and its NUL (`d_reclen`): an entry at the end of `readdir`'s buffer, with the page
/// after it unmapped, crashed the copy (a crash in `make test`, 2026-12-07, removing stale spill
/// folders from a `/tmp` of many entries). The name is read up to its NUL, never past it.
public enum DirectoryEntry {
    /// The entry's name, NUL-terminated, valid until the next `readdir` on its stream.
    public static func name(_ entry: UnsafeMutablePointer<dirent>) -> UnsafePointer<CChar> {
        UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self)
    }

    /// The entry's name's bytes, without the NUL.
    public static func nameBytes(_ entry: UnsafeMutablePointer<dirent>) -> [UInt8] {
        let name = name(entry)
        return Array(UnsafeRawBufferPointer(start: name, count: strlen(name)))
    }

    private static let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
}
