import Foundation

/// Expands the INPUT arguments into the files to read (stage 1a).
///
/// A file is taken as it is; a folder is walked recursively in sorted path order (byte
/// order), skipping hidden files and folders (names starting with `.`). A path that does not
/// exist or cannot be listed is kept as a `problem` that names it, so the run can report it
/// and go on.
public enum InputDiscovery {
    public enum Found: Sendable, Equatable {
        case file(String)
        case problem(path: String, message: String)
    }

    public static func expand(_ paths: [String]) -> [Found] {
        var out: [Found] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                out.append(.problem(path: path, message: "Unable to open \(path): no such file or folder"))
                continue
            }
            if isDirectory.boolValue {
                walk(path, into: &out)
            } else {
                out.append(.file(path))
            }
        }
        return out
    }

    private static func walk(_ folder: String, into out: inout [Found]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            out.append(.problem(path: folder, message: "Unable to list \(folder): \(error.localizedDescription)"))
            return
        }
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where !name.hasPrefix(".") {
            let path = base + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                out.append(.problem(path: path, message: "Unable to open \(path): broken link"))
                continue
            }
            if isDirectory.boolValue { walk(path, into: &out) } else { out.append(.file(path)) }
        }
    }
}
