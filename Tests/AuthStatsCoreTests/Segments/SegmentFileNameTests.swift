import Foundation
import Testing

@testable import AuthStatsCore

@Suite("SegmentFileName: safe, injective file names for segments/<name>.csv")
struct SegmentFileNameTests {
    /// Reverses the encoding: `%XX` to its byte, every other character as it is.
    func decode(_ fileName: String) -> String? {
        var bytes: [UInt8] = []
        var utf8 = fileName.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            bytes.append(value)
            utf8 = utf8.dropFirst(2)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.utf8.elementsEqual(bytes) ? text : nil
    }

    /// What every file name must be, whatever the segment name.
    func expectSafe(_ fileName: String, _ name: String) {
        #expect(!fileName.isEmpty, "\(name)")
        #expect(fileName.utf8.count <= SegmentFileName.maxBytes, "\(name)")
        #expect(fileName != "." && fileName != ".." && !fileName.hasPrefix("."), "\(name)")
        #expect(!fileName.hasSuffix(".") && !fileName.hasSuffix(" ") && !fileName.hasPrefix(" "), "\(name)")
        #expect(!fileName.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || "<>:\"/\\|?*".unicodeScalars.contains($0) }, "\(name)")
        #expect(!fileName.unicodeScalars.contains { $0.properties.generalCategory == .format || $0.properties.isWhitespace && $0 != " " }, "\(name)")
    }

    static let tricky: [String] = [
        "pro", "pro-android", "a/b", "a\\b", "..", ".", "...", ".hidden", "trailing.", "trailing ", " leading", "a b",
        "a%2Fb", "a%b", "%", "%25", "a:b", "<x>", "\"q\"", "a|b", "why?", "star*", "tab\there", "new\nline", "\u{7F}",
        "Café", "Cafe\u{301}", "Größe", "日本語のセグメント", "😀 fans", "\u{202E}txt.exe", "nbsp\u{A0}x", "CON", "con", "Con.txt",
        "COM1", "lpt9.backup", "COM0", "COM\u{B9}", "LPT\u{B2}", "CONSOLE", "NUL .x", "%43ON", "_", "-", "~", "a~b", "%~", "[x](y){z}", "",
        String(repeating: "x", count: 200), String(repeating: "x", count: 201), String(repeating: "é", count: 150),
        String(repeating: "/", count: 80), String(repeating: "x", count: 300) + "a", String(repeating: "x", count: 300) + "b",
    ]

    @Test("readable names stay as they are")
    func readable() {
        #expect(SegmentFileName.fileName(for: "pro-android") == "pro-android")
        #expect(SegmentFileName.fileName(for: "Active users (30 days)") == "Active users (30 days)")
        #expect(SegmentFileName.fileName(for: "Größe_日本") == "Größe_日本")
        #expect(SegmentFileName.fileName(for: "v1.2") == "v1.2")
        #expect(SegmentFileName.fileName(for: "Cafe\u{301}") == "Cafe\u{301}")
    }

    @Test("path separators, dots, Windows-unsafe and control characters are encoded")
    func unsafe() {
        let cases: [(String, String)] = [
            ("a/b", "a%2Fb"), ("a\\b", "a%5Cb"), ("..", "%2E%2E"), (".", "%2E"), ("...", "%2E.%2E"), (".hidden", "%2Ehidden"),
            ("trailing.", "trailing%2E"), ("trailing ", "trailing%20"), (" leading", "%20leading"), ("a%b", "a%25b"),
            ("<a>:\"b\"|c?*", "%3Ca%3E%3A%22b%22%7Cc%3F%2A"), ("tab\there", "tab%09here"), ("\u{7F}", "%7F"),
            ("\u{202E}txt", "%E2%80%AEtxt"), ("nbsp\u{A0}x", "nbsp%C2%A0x"), ("😀 fans", "%F0%9F%98%80 fans"),
            ("CON", "%43ON"), ("con", "%63on"), ("CONIN$", "%43ONIN$"), ("conout$.x", "%63onout$.x"), ("Con.txt", "%43on.txt"), ("lpt9.backup", "%6Cpt9.backup"), ("NUL .x", "%4EUL .x"),
            ("COM\u{B9}", "%43OM\u{B9}"), ("lpt\u{B2}.csv", "%6Cpt\u{B2}.csv"), ("COM\u{B3}", "%43OM\u{B3}"),
            ("COM0", "COM0"), ("CONSOLE", "CONSOLE"), ("", "%"),
        ]
        for (name, expected) in cases {
            #expect(SegmentFileName.fileName(for: name) == expected, "\(name)")
        }
    }

    @Test("every tricky name gives a safe file name that decodes back to it", arguments: tricky)
    func safeAndReversible(_ name: String) {
        let fileName = SegmentFileName.fileName(for: name)
        expectSafe(fileName, name)
        if name.isEmpty {
            #expect(fileName == "%")
        } else if fileName.contains("%~") {
            #expect(name.utf8.count > 60)
        } else {
            #expect(decode(fileName) == name)
        }
    }

    @Test("injective over the tricky names, near misses and cases included")
    func injective() {
        let names = Self.tricky + Self.tricky.map { $0 + "." } + Self.tricky.map { "." + $0 } + Self.tricky.map { $0.uppercased() }
        var seen: [String: String] = [:]
        for name in Set(names) {
            let fileName = SegmentFileName.fileName(for: name)
            if let other = seen[fileName] { Issue.record("\(name.debugDescription) and \(other.debugDescription) both give \(fileName)") }
            seen[fileName] = name
        }
    }

    @Test("a run's names that differ only in case or normalization get files no file system takes for one: the later ones a hash suffix")
    func caseClashes() {
        let names = ["Pro", "pro", "PRO", "Café", "Cafe\u{301}", "CAFÉ", "Straße", "other", "Big", "B\u{131}g"]
        let files = SegmentFileName.fileNames(for: names)
        #expect(files[0] == "Pro" && files[3] == "Café" && files[6] == "Straße" && files[7] == "other" && files[8] == "Big")
        // `ı` (dotless) is `I` to NTFS, which upper-cases names to compare them (a review, 2026-12-07).
        for i in [1, 2, 4, 5, 9] {
            #expect(files[i].hasPrefix(SegmentFileName.fileName(for: names[i]) + "%~"), "\(files[i])")
            #expect(files[i].utf8.count == SegmentFileName.fileName(for: names[i]).utf8.count + 18)
        }
        // Distinct however a file system folds case and normalization.
        let folded = files.map { $0.decomposedStringWithCanonicalMapping.lowercased() }
        #expect(Set(folded).count == names.count, "\(files)")
        // Without a clash, the plain rule; and the same names give the same files every time.
        #expect(SegmentFileName.fileNames(for: ["a", "b/c"]) == ["a", "b%2Fc"])
        #expect(SegmentFileName.fileNames(for: names) == files)
    }

    @Test("long names: a prefix cut between characters, then %~ and a hash of the whole name")
    func long() {
        let long = String(repeating: "x", count: 300) + "a"
        let fileName = SegmentFileName.fileName(for: long)
        #expect(fileName.utf8.count == 200)
        #expect(fileName.hasPrefix(String(repeating: "x", count: 182) + "%~"))
        #expect(fileName != SegmentFileName.fileName(for: String(repeating: "x", count: 300) + "b"))
        #expect(SegmentFileName.fileName(for: String(repeating: "x", count: 200)) == String(repeating: "x", count: 200))
        // Encoded pieces are never cut: 80 slashes are 240 bytes encoded, 60 pieces fit.
        let slashes = SegmentFileName.fileName(for: String(repeating: "/", count: 80))
        #expect(slashes.hasPrefix(String(repeating: "%2F", count: 60) + "%~"))
        #expect(slashes.utf8.count == 198)
        // Two-byte letters are never split.
        let accents = SegmentFileName.fileName(for: String(repeating: "é", count: 150))
        #expect(accents.hasPrefix(String(repeating: "é", count: 91) + "%~"))
        // The same name always gives the same file name (the hash is not seeded per process).
        #expect(SegmentFileName.fileName(for: long) == fileName)
    }
}
