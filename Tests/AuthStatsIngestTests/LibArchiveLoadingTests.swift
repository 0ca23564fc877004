import Testing

@testable import AuthStatsIngest

/// libarchive is opened when an input first needs it, not linked (`LibArchive`): a machine
/// without it still reads every other input, and the one that needs it says what is missing.
@Suite("libarchive is loaded on first use, and its absence is a precise input error")
struct LibArchiveLoadingTests {
    @Test("this machine's libarchive loads by the names authstats tries, every function bound")
    func loads() throws {
        let functions = try LibArchive.load(LibArchive.libraryNames).get()
        #expect(functions.read_new != nil)
        #expect(functions.entry_size_is_set != nil)
    }

    @Test("a library that cannot be opened: the input's message names it and what to install")
    func missing() {
        let name = "libauthstats-no-such-library.so.0"
        guard case .failure(let damage) = LibArchive.load([name]) else {
            Issue.record("a library that does not exist was loaded")
            return
        }
        #expect(damage.message.hasPrefix("reading this input needs libarchive (tar and zip archives; lz4, lzip, compress and the other streams only it decodes), which could not be loaded ("))
        #expect(damage.message.contains(name))
        #expect(damage.message.hasSuffix("install it (Debian: the libarchive13 package, libarchive13t64 from Debian 13 on)"))
    }

    @Test("a library that opens but is not libarchive: the functions it lacks are named, and the next name is tried")
    func notLibarchive() {
        guard case .failure(let damage) = LibArchive.load(["libz.so.1", "libauthstats-no-such-library.so.0"]) else {
            Issue.record("zlib was taken for libarchive")
            return
        }
        #expect(damage.message.contains("libz.so.1 has no archive_read_new, archive_read_support_format_tar"))
        #expect(damage.message.contains("libauthstats-no-such-library.so.0"))
        #expect(LibArchive.load(["libz.so.1"] + LibArchive.libraryNames).isSuccess)
    }
}

extension LibArchiveLoadingTests {
    @Test("without libarchive, an archive's reader and a filter's stream fail with that message; a reader is made with it")
    func readersWithout() throws {
        let absent = LibArchive.load(["libauthstats-no-such-library.so.0"])
        guard case .failure(let expected) = absent else {
            Issue.record("a library that does not exist was loaded")
            return
        }
        #expect(throws: expected) { try LibArchive.newArchiveReader(absent) }
        #expect(throws: expected) { try LibArchive.newFilterReader(absent) }
        #expect(throws: expected) { try LibArchiveFilterSource(MemorySource(Array("x".utf8)), library: absent) }
        LibArchive.readFree(try LibArchive.newArchiveReader())
    }
}

extension Result {
    fileprivate var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
