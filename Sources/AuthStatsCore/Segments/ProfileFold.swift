import Foundation

extension ProfileLog {
    /// Notes what one event says of its user's profile (`docs/segments.md` "Profiles"): an
    /// activity event's demographics (`demographics`: platform, app version, locale, country,
    /// each a NUL-terminated field, empty when unknown), and a Pinpoint event's attribute objects and
    /// endpoint. `fields` are the record's (scanned with `RecordDecoder.profileSchema`).
    mutating func observe(_ event: Event, user: UInt64, position: UInt64, demographics: [UInt8], fields f: RecordDecoder.Fields) {
        let pinpoint = event.source == .pinpoint
        if event.kind.isActivity {
            observe(user: user, .demographics, time: event.time, position: position) { out in
                out.append(contentsOf: demographics)
                Self.putField(pinpoint ? f.firstText(.deviceMake, .demographicMake) : nil, &out)
                Self.putField(pinpoint ? f.firstText(.deviceModel, .demographicModel) : nil, &out)
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
            Self.putField(event.userText?.string, &out)
            Self.putField(f.firstText(.endpointID, .clientID), &out)
            Self.putField(f.text(.channelType), &out)
            Self.putField(f.text(.endpointAddress), &out)
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
    /// The first non-empty string of the slots.
    func firstText(_ slots: RecordDecoder.Slot...) -> String? {
        for slot in slots { if let text = text(slot) { return text } }
        return nil
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
    private var pending: (user: UInt64, bytes: [UInt8])?
    /// Parsed attribute objects by their bytes: users share a few combinations of values.
    private var parsed: [[UInt8]: [(String, [String])]] = [:]

    init(_ records: SortedRecords) {
        self.records = records
        if let first = records.next() { pending = (ProfileRecordReader(first).user, Array(first)) }
    }

    /// The next user's hash and profile; nil at the end.
    mutating func next() -> (user: UInt64, profile: ObservedProfile)? {
        guard let (user, first) = pending else { return nil }
        var profile = ObservedProfile()
        apply(first, to: &profile)
        pending = nil
        while let bytes = records.next() {
            let reader = ProfileRecordReader(bytes)
            guard reader.user == user else {
                pending = (reader.user, Array(bytes))
                break
            }
            apply(Array(bytes), to: &profile)
        }
        return (user, profile)
    }

    private mutating func apply(_ record: [UInt8], to profile: inout ObservedProfile) {
        record.withUnsafeBytes { raw in
            var r = ProfileRecordReader(raw)
            func set(_ field: inout String?, _ value: String) { if !value.isEmpty { field = value } }
            switch r.kind {
            case .demographics:
                set(&profile.platform, r.text())
                set(&profile.appVersion, r.text())
                set(&profile.locale, r.text())
                set(&profile.country, r.text())
                set(&profile.make, r.text())
                set(&profile.model, r.text())
            case .attributes:
                for (origin, bytes) in [(UserProfile.AttributeOrigin.userAttributes, r.long()), (.endpointAttributes, r.long())] {
                    for (name, values) in attributes(bytes) {
                        profile.attributes[name] = UserProfile.Attribute(values: values, origin: origin)
                    }
                }
            case .endpoint:
                let user = r.text()
                if !user.isEmpty { profile.userText = user }
                let id = r.text()
                let channel = r.text()
                let address = r.text()
                let (platform, appVersion, locale, country) = (r.text(), r.text(), r.text(), r.text())
                guard !id.isEmpty else { return }
                profile.endpoints[id] = UserProfile.Endpoint(
                    id: id, channelType: channel, address: address.isEmpty ? nil : address,
                    platform: platform.isEmpty ? nil : platform, appVersion: appVersion.isEmpty ? nil : appVersion,
                    locale: locale.isEmpty ? nil : locale, country: country.isEmpty ? nil : country)
            case nil:
                return
            }
        }
    }

    /// The name → values of a Pinpoint attribute object (`{"plan":["pro"]}`; a plain string or
    /// number is read as a list of one); empty for anything else.
    private mutating func attributes(_ bytes: [UInt8]) -> [(String, [String])] {
        guard bytes.count > 2 else { return [] }
        if let known = parsed[bytes] { return known }
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
        if parsed.count < 65_536 { parsed[bytes] = out }
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

extension ProfileRecordReader {
    /// The next field's bytes, as an array (an attribute object).
    mutating func long() -> [UInt8] { Array(raw()) }
}
