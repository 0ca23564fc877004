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
        // Every attribute in the order they take effect (a later one of a name replaces an
        // earlier one); sorted and the replaced ones dropped at the end.
        var out: [ExportAttribute] = []
        out.reserveCapacity(16)
        func value(_ name: String, _ bytes: UnsafeRawBufferPointer) -> ExportAttribute {
            bytes.allSatisfy { $0 < 0x80 }
                ? ExportAttribute(name: name, bytes: bytes)
                : ExportAttribute(name: name, endpointLevel: false, values: [String(decoding: bytes, as: UTF8.self)])
        }
        for _ in 0..<reader.varint() {
            let name = reader.bytes()
            let bytes = reader.bytes()
            guard let name = names.string(name) else { return nil }
            out.append(value(name, bytes))
        }
        if let status { out.append(value("cognito:user_status", status)) }
        if flags & DirectoryRecord.hasEnabled != 0 {
            out.append(ExportAttribute(name: "cognito:enabled", endpointLevel: false, values: [flags & DirectoryRecord.isEnabled != 0 ? "true" : "false"]))
        }
        for (name, attribute) in observed {
            guard name.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
            out.append(ExportAttribute(name: name, endpointLevel: attribute.origin == .endpointAttributes, values: attribute.values))
        }
        return latestByName(out, reusing: &names.lastOrder)
    }

    /// Of each name in `attributes` (ASCII names, in the order they take effect), the last
    /// one, without the withheld ones and those without values, sorted by name.
    ///
    /// By a sort of the positions (name, then position) and one walk: finding each name's
    /// earlier entry as it came, and sorting by `utf8.lexicographicallyPrecedes`, cost ~14,000
    /// instructions an exported member (callgrind). For ASCII, `String`'s `<` is byte order.
    ///
    /// - Parameter last: the names and order of the previous call: members mostly have the
    ///   same names in the same order (then their order is not sorted again).
    static func latestByName(_ attributes: [ExportAttribute], reusing last: inout (names: [String], order: [Int])) -> [ExportAttribute] {
        let names = attributes.map(\.key.name)
        if names != last.names {
            var order = Array(attributes.indices)
            // The names read in place (an array's element is handed out as a copy: a retain
            // and a release per name compared).
            names.withUnsafeBufferPointer { names in
                order.sort { a, b in names[a] < names[b] || (a < b && names[a] == names[b]) }
            }
            last = (names, order)
        }
        let order = last.order
        var out: [ExportAttribute] = []
        out.reserveCapacity(order.count)
        for (i, index) in order.enumerated() {
            // The last of its name's run: the one that took effect.
            if i + 1 < order.count && names[order[i + 1]] == names[index] { continue }
            let attribute = attributes[index]
            if attribute.count == 0 || MemberExport.isWithheld(attribute.key.name) { continue }
            out.append(attribute)
        }
        return out
    }
}

/// The attribute names of directory records as `String`s, made once each (a directory has a
/// few dozen names; each user repeats them).
struct NameCache {
    private var names: [(bytes: [UInt8], string: String)] = []
    /// The last member's attribute names and their order (`ExportAttributes.latestByName`).
    var lastOrder: (names: [String], order: [Int]) = ([], [])
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
