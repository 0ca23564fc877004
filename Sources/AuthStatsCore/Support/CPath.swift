/// A path of raw bytes (a name need not be UTF-8) handed to a C call as a NUL-terminated
/// string (a path holds no NUL byte).
public enum CPath {
    public static func with<T>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) throws -> T) rethrows -> T {
        try (path + [0]).withUnsafeBufferPointer { bytes in
            try bytes.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }
}
