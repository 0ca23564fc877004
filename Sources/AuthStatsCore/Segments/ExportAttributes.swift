#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The attributes of a member's export rows made straight from the user's directory record
/// and the events' attributes: what `MemberExportLog.add(segments:profile:endpoints:)` makes
/// of the profile with the whole record (`DirectoryRecord.listedProfile`), without a
/// dictionary, an array or a `String` per directory attribute (making the whole profile of
/// each exported member had been over a third of the segment pass).
enum ExportAttributes {
    /// The attributes, filtered and sorted as `MemberExportLog` wants them: the directory's
    /// (a later entry of a name replacing an earlier one; then `cognito:user_status` and
    /// `cognito:enabled`), the events' `observed` over them, without the withheld ones and
    /// those without values, by the bytes of their names. nil when a name is not ASCII (equal
    /// names are then Unicode's business: the caller goes the dictionary's way).
    ///
    /// A directory value that is ASCII stays the record's bytes (valid while `record` is).
    static func make(
        record: UnsafeRawBufferPointer, observed: [String: UserProfile.Attribute], names: inout NameCache
    ) -> [ExportAttribute]? {
        var reader = DirectoryRecord.Reader(record: record)
        let flags = record[reader.i]
        reader.i += 1
        _ = reader.bytes()  // sub
        if flags & DirectoryRecord.hasUsername != 0 { _ = reader.bytes() }
        let status = flags & DirectoryRecord.hasStatus != 0 ? reader.bytes() : nil
        var out: [ExportAttribute] = []
        out.reserveCapacity(16)
        func set(_ attribute: ExportAttribute) {
            if let i = out.firstIndex(where: { $0.key.name == attribute.key.name }) { out[i] = attribute } else { out.append(attribute) }
        }
        func value(_ name: String, _ bytes: UnsafeRawBufferPointer) -> ExportAttribute {
            bytes.allSatisfy { $0 < 0x80 }
                ? ExportAttribute(name: name, bytes: bytes)
                : ExportAttribute(name: name, endpointLevel: false, values: [String(decoding: bytes, as: UTF8.self)])
        }
        for _ in 0..<reader.varint() {
            let name = reader.bytes()
            let bytes = reader.bytes()
            guard let name = names.string(name) else { return nil }
            set(value(name, bytes))
        }
        if let status { set(value("cognito:user_status", status)) }
        if flags & DirectoryRecord.hasEnabled != 0 {
            set(ExportAttribute(name: "cognito:enabled", endpointLevel: false, values: [flags & DirectoryRecord.isEnabled != 0 ? "true" : "false"]))
        }
        for (name, attribute) in observed {
            guard name.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
            set(ExportAttribute(name: name, endpointLevel: attribute.origin == .endpointAttributes, values: attribute.values))
        }
        out.removeAll { $0.count == 0 || MemberExport.isWithheld($0.key.name) }
        out.sort { $0.key.name.utf8.lexicographicallyPrecedes($1.key.name.utf8) }
        return out
    }
}

/// The attribute names of directory records as `String`s, made once each (a directory has a
/// few dozen names; each user repeats them).
struct NameCache {
    private var names: [(bytes: [UInt8], string: String)] = []
    static let limit = 256

    /// The name of ASCII `bytes`; nil when they are not ASCII.
    mutating func string(_ bytes: UnsafeRawBufferPointer) -> String? {
        for entry in names where entry.bytes.count == bytes.count {
            if bytes.isEmpty || entry.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) {
                return entry.string
            }
        }
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        let string = String(decoding: bytes, as: UTF8.self)
        if names.count < Self.limit { names.append((Array(bytes), string)) }
        return string
    }
}
