import Foundation

extension ProfileLog {
    /// Notes what one event says of its user's profile (`docs/segments.md` "Profiles"): an
    /// activity event's demographics (`demographics`: platform, app version, locale, country,
    /// each a NUL-terminated field, empty when unknown), and a Pinpoint event's attribute objects and
    /// endpoint. `fields` are the record's (scanned with `RecordDecoder.profileSchema`).
    mutating func observe(
        _ event: Event, user: UInt64, position: UInt64, demographics: UnsafeRawBufferPointer, fields f: RecordDecoder.Fields
    ) {
        // Fields are copied from the record's bytes as they are (no `String` made per event).
        let pinpoint = event.source == .pinpoint
        if event.kind.isActivity {
            observe(user: user, .demographics, time: event.time, position: position) { out in
                out.append(contentsOf: demographics)
                if pinpoint {
                    f.appendField(.deviceMake, else: .demographicMake, to: &out)
                    f.appendField(.deviceModel, else: .demographicModel, to: &out)
                } else {
                    out.append(0)
                    out.append(0)
                }
            }
        }
        guard pinpoint else { return }
        let userAttributes = f.objectBytes(.userAttributes)
        let attributes = f.objectBytes(.endpointAttributes)
        if userAttributes.count > 2 || attributes.count > 2 {
            observe(user: user, .attributes, time: event.time, position: position) { out in
                Self.putLong(userAttributes, &out)
                Self.putLong(attributes, &out)
            }
        }
        observe(user: user, .endpoint, time: event.time, position: position) { out in
            if let user = event.userText { user.withUTF8 { Self.putText($0, &out) } } else { out.append(0) }
            f.appendField(.endpointID, else: .clientID, to: &out)
            f.appendField(.channelType, to: &out)
            f.appendField(.endpointAddress, to: &out)
            out.append(contentsOf: demographics)
        }
    }

    static func putField(_ text: String?, _ out: inout [UInt8]) { putText(text ?? "", &out) }

    /// An attribute object's raw JSON (which holds no NUL byte) and a NUL.
    static func putLong(_ bytes: UnsafeRawBufferPointer, _ out: inout [UInt8]) { putText(bytes, &out) }

    /// The demographics bytes of `values` (as `observe` wants them).
    static func demographics(_ values: DimensionValues) -> [UInt8] {
        var out: [UInt8] = []
        for dimension in [Dimension.platform, .appVersion, .locale, .country] {
            let value = values[dimension]
            putText(value == Dimension.unknown ? "" : value, &out)
        }
        return out
    }
}

extension RecordDecoder.Fields {
    /// Appends the non-empty string value of `slot` (else of `fallback`), unescaped, as a
    /// NUL-terminated field; an empty field when neither has one.
    func appendField(_ slot: RecordDecoder.Slot, else fallback: RecordDecoder.Slot? = nil, to out: inout [UInt8]) {
        if withText(slot, { ProfileLog.putText($0, &out) }) != nil { return }
        if let fallback, withText(fallback, { ProfileLog.putText($0, &out) }) != nil { return }
        out.append(0)
    }

    /// The raw bytes of an object value (`{…}`, escapes as written); empty when it is not an object.
    func objectBytes(_ slot: RecordDecoder.Slot) -> UnsafeRawBufferPointer {
        let field = self[slot]
        guard field.type == .object else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(rebasing: bytes[field.start..<field.end])
    }
}

/// One user's profile as the events tell it: the fold of their observations.
struct ObservedProfile {
    var userText: String?
    var platform: String?
    var appVersion: String?
    var locale: String?
    var country: String?
    var make: String?
    var model: String?
    var attributes: [String: UserProfile.Attribute] = [:]
    var endpoints: [String: UserProfile.Endpoint] = [:]
}

/// Replays the sorted observations of a `ProfileLog` one user at a time (users by hash).
struct ProfileFold {
    private let records: SortedRecords
    /// The first record of the next user (copied: the stream's buffer moves on).
    private var pending: (user: UInt64, bytes: [UInt8])?
    /// Parsed attribute objects by a hash of their bytes (then the bytes): users share a few
    /// combinations of values.
    private var parsed: [UInt64: [(bytes: [UInt8], attributes: [(String, [String])])]] = [:]
    private var parsedCount = 0

    init(_ records: SortedRecords) {
        self.records = records
        if let first = records.next() { pending = (ProfileRecordReader(first).user, Array(first)) }
    }

    /// The next user's hash and profile; nil at the end.
    mutating func next() -> (user: UInt64, profile: ObservedProfile)? {
        guard let (user, first) = pending else { return nil }
        var profile = ObservedProfile()
        first.withUnsafeBytes { apply($0, to: &profile) }
        pending = nil
        while let bytes = records.next() {
            let reader = ProfileRecordReader(bytes)
            guard reader.user == user else {
                pending = (reader.user, Array(bytes))
                break
            }
            apply(bytes, to: &profile)
        }
        return (user, profile)
    }

    private mutating func apply(_ raw: UnsafeRawBufferPointer, to profile: inout ObservedProfile) {
        var r = ProfileRecordReader(raw)
        func set(_ field: inout String?, _ value: UnsafeRawBufferPointer) {
            if !value.isEmpty { field = String(decoding: value, as: UTF8.self) }
        }
        func text(_ value: UnsafeRawBufferPointer) -> String? { value.isEmpty ? nil : String(decoding: value, as: UTF8.self) }
        switch r.kind {
        case .demographics:
            set(&profile.platform, r.raw())
            set(&profile.appVersion, r.raw())
            set(&profile.locale, r.raw())
            set(&profile.country, r.raw())
            set(&profile.make, r.raw())
            set(&profile.model, r.raw())
        case .attributes:
            for origin in [UserProfile.AttributeOrigin.userAttributes, .endpointAttributes] {
                for (name, values) in attributes(r.raw()) {
                    profile.attributes[name] = UserProfile.Attribute(values: values, origin: origin)
                }
            }
        case .endpoint:
            if let user = text(r.raw()) { profile.userText = user }
            guard let id = text(r.raw()) else { return }
            let channel = text(r.raw()) ?? ""
            let address = text(r.raw())
            profile.endpoints[id] = UserProfile.Endpoint(
                id: id, channelType: channel, address: address, platform: text(r.raw()), appVersion: text(r.raw()),
                locale: text(r.raw()), country: text(r.raw()))
        case nil:
            return
        }
    }

    /// The name → values of a Pinpoint attribute object (`{"plan":["pro"]}`; a plain string or
    /// number is read as a list of one); empty for anything else.
    private mutating func attributes(_ bytes: UnsafeRawBufferPointer) -> [(String, [String])] {
        guard bytes.count > 2 else { return [] }
        let hash = Hash64.hash(bytes)
        if let known = parsed[hash]?.first(where: { $0.bytes.elementsEqual(bytes) }) { return known.attributes }
        var out: [(String, [String])] = []
        if let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] {
            for (name, value) in object {
                switch value {
                case let list as [Any]: out.append((name, list.compactMap(Self.text)))
                default: if let text = Self.text(value) { out.append((name, [text])) }
                }
            }
        }
        out.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        if parsedCount < 65_536 {
            parsed[hash, default: []].append((Array(bytes), out))
            parsedCount += 1
        }
        return out
    }

    private static func text(_ value: Any) -> String? {
        switch value {
        case let string as String: return string
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }
}

