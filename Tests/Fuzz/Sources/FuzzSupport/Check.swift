import Foundation

/// Stops the run as a crash, so libFuzzer saves the input, when a property does not hold.
///
/// A broken property is as much a finding as a memory error: the message says which.
public func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    guard !condition() else { return }
    FileHandle.standardError.write(Data("fuzz property failed: \(message())\n".utf8))
    abort()
}
