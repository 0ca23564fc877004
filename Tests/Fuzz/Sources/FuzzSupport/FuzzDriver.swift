import CFuzzDriver

#if canImport(Glibc)
import Glibc
#endif

/// Runs libFuzzer with a Swift closure as the function under test.
///
/// Why not just export `LLVMFuzzerTestOneInput` and let libFuzzer's `main` run: SwiftPM links
/// an executable target's `main` to `<Target>_main` (its entry point for testable
/// executables), so each target's `main.swift` calls `FuzzDriver.run` at the top level and
/// libFuzzer parses the command line as usual (`-max_total_time=…`, corpus folders, or crash
/// files to run again).
public enum FuzzDriver {
    /// The function under test. libFuzzer's C callback cannot capture, so it reads this;
    /// libFuzzer calls it from one thread.
    nonisolated(unsafe) static var body: ((UnsafeRawBufferPointer) -> Void)?

    public static func run(_ body: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
        Self.body = body
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
    }
}

/// libFuzzer's callback. Exported under its usual name too, because `-sanitize=fuzzer` links
/// libFuzzer's own `main`, which refers to it (that `main` is not the one that runs).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzDriver.body?(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}
