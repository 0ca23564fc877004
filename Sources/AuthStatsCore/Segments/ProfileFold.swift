import Foundation

extension ProfileLog {
    /// Notes what one event says of its user's profile (`docs/segments.md` "Profiles"), as one
    /// `.event` observation: a flags byte (1: an activity event, whose demographics count; 2: a
    /// Pinpoint event, with attributes and an endpoint), the demographics (`demographics`:
    /// platform, app version, locale, country, each a NUL-terminated field, empty when unknown),
    /// make and model; then, for Pinpoint, the `UserAttributes` and `Attributes` objects as
    /// written, the user id, endpoint id, channel type and address. One record (one hash, one
    /// probe) per event; `fields` are the record's (scanned with `RecordDecoder.profileSchema`).
    mutating func observe(
        _ event: Event, user: UInt64, position: UInt64, demographics: UnsafeRawBufferPointer, fields f: RecordDecoder.Fields
    ) {
        let pinpoint = event.source == .pinpoint
        let activity = event.kind.isActivity
        guard pinpoint || activity else { return }
        // Fields are copied from the record's bytes as they are (no `String` made per event).
        observe(user: user, .event, time: event.time, position: position) { out in
            out.append((activity ? 1 : 0) | (pinpoint ? 2 : 0))
            out.appendInPlace(demographics.count) { room in
                if let base = demographics.baseAddress { room.baseAddress!.copyMemory(from: base, byteCount: demographics.count) }
            }
            guard pinpoint else {
                out.append(0)
                out.append(0)
                return
            }
            f.appendField(.deviceMake, else: .demographicMake, to: &out)
            f.appendField(.deviceModel, else: .demographicModel, to: &out)
            // Attribute objects as written (JSON text holds no NUL byte).
            Self.putText(f.objectBytes(.userAttributes), &out)
            Self.putText(f.objectBytes(.endpointAttributes), &out)
            if event.withUserText({ Self.putText($0, &out) }) == nil { out.append(0) }
            f.appendField(.endpointID, else: .clientID, to: &out)
            f.appendField(.channelType, to: &out)
            f.appendField(.endpointAddress, to: &out)
        }
    }


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

/// The sorted observations of a `ProfileLog`, one user at a time (users by hash): each
/// user's records copied out as `FramedRecords`, for a `ProfileFold` to replay
/// (on another thread: the stream only merges and copies).
struct ProfileStream {
    private let records: SortedRecords
    /// The next user's hash, once its first record is read; nil at the end.
    private(set) var nextUser: UInt64?
    /// That first record, copied out.
    private var pendingBytes: [UInt8] = []

    init(_ records: SortedRecords) {
        self.records = records
        if let first = records.next() {
            nextUser = ProfileRecordReader(first).user
            FramedRecords.append(first, to: &pendingBytes)
        }
    }

    /// Appends `nextUser`'s records to `out`, and moves on to the next user.
    mutating func appendUser(to out: inout [UInt8]) {
        guard let user = nextUser else { return }
        out += pendingBytes
        pendingBytes.removeAll(keepingCapacity: true)
        nextUser = nil
        while let bytes = records.next() {
            let next = ProfileRecordReader(bytes).user
            guard next == user else {
                nextUser = next
                FramedRecords.append(bytes, to: &pendingBytes)
                break
            }
            FramedRecords.append(bytes, to: &out)
        }
    }
}

/// Replays one user's observations (`ProfileStream`) in their order into an `ObservedProfile`.
struct ProfileFold {
    /// Parsed attribute objects by a hash of their bytes (then the bytes): users share a few
    /// combinations of values.
    private var parsed: [UInt64: [(bytes: [UInt8], attributes: [(String, [String])])]] = [:]
    private var parsedCount = 0
    private var parsedBytes = 0

    init() {}

    /// The profile of one user's records (`FramedRecords`, as `ProfileStream` writes them),
    /// made in `profile` (an empty one: returned, it was copied out of the closure that made it).
    mutating func fold(_ raw: UnsafeRawBufferPointer, into profile: inout ObservedProfile) {
        var applied = Applied()
        FramedRecords.forEach(in: raw) { apply($0, to: &profile, after: &applied) }
    }

    /// The parts of the user's records applied last, as their bytes (inside `fold`'s buffer).
    /// Applying a part right after the same part changes nothing (a field keeps the value it
    /// was just given, an attribute and an endpoint are set to what they already are), so a
    /// record whose part repeats, byte for byte, the last one applied is not decoded again: a
    /// user's records mostly differ in their times and kinds alone (one per spilled run, one
    /// per kind of event), and each part made `String`s and dictionary entries. A part that
    /// returns after another (A, B, A) is applied again.
    private struct Applied {
        /// The demographics, make and model of the last activity event, and its flags.
        var demographics: UnsafeRawBufferPointer?
        var flags: UInt8 = 0
        /// The attribute objects of the last Pinpoint event.
        var objects: (UnsafeRawBufferPointer, UnsafeRawBufferPointer)?
        /// The last Pinpoint event's demographics and its user and endpoint fields.
        var endpoint: (UnsafeRawBufferPointer, UnsafeRawBufferPointer)?
    }

    private static func same(_ a: UnsafeRawBufferPointer?, _ b: UnsafeRawBufferPointer) -> Bool {
        guard let a, a.count == b.count else { return false }
        return b.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, b.count) == 0
    }

    /// The record's bytes from `start` to `end` (a reader's places: past the record's end when
    /// its last field had no NUL, or was missing).
    private static func span(_ r: ProfileRecordReader, from start: Int, to end: Int) -> UnsafeRawBufferPointer {
        let end = min(end, r.bytes.count)
        return UnsafeRawBufferPointer(rebasing: r.bytes[min(start, end)..<end])
    }

    private mutating func apply(_ raw: UnsafeRawBufferPointer, to profile: inout ObservedProfile, after applied: inout Applied) {
        var r = ProfileRecordReader(raw)
        func set(_ field: inout String?, _ value: UnsafeRawBufferPointer) {
            if !value.isEmpty { field = String(decoding: value, as: UTF8.self) }
        }
        func text(_ value: UnsafeRawBufferPointer) -> String? { value.isEmpty ? nil : String(decoding: value, as: UTF8.self) }
        guard r.kind == .event else { return }
        let flags = r.byte()
        let demographicsStart = r.offset
        let (platform, appVersion, locale, country, make, model) = (r.raw(), r.raw(), r.raw(), r.raw(), r.raw(), r.raw())
        let demographics = Self.span(r, from: demographicsStart, to: r.offset)
        if flags & 1 != 0, !(flags == applied.flags && Self.same(applied.demographics, demographics)) {
            applied.demographics = demographics
            applied.flags = flags
            set(&profile.platform, platform)
            set(&profile.appVersion, appVersion)
            set(&profile.locale, locale)
            // The country of Pinpoint events only: they write an ISO 3166-1 code, which
            // `Location.Country` compares; the activity log writes a country name ("France"),
            // which replaced a user's code and dropped them from their country's segment.
            if flags & 2 != 0 { set(&profile.country, country) }
            set(&profile.make, make)
            set(&profile.model, model)
        }
        guard flags & 2 != 0 else { return }
        let objects = (r.raw(), r.raw())
        if !(Self.same(applied.objects?.0, objects.0) && Self.same(applied.objects?.1, objects.1)) {
            applied.objects = objects
            for (origin, object) in [(UserProfile.AttributeOrigin.userAttributes, objects.0), (.endpointAttributes, objects.1)] {
                for (name, values) in attributes(object) {
                    profile.attributes[name] = UserProfile.Attribute(values: values, origin: origin)
                }
            }
        }
        let endpoint = Self.span(r, from: r.offset, to: r.bytes.count)
        if Self.same(applied.endpoint?.0, demographics) && Self.same(applied.endpoint?.1, endpoint) { return }
        applied.endpoint = (demographics, endpoint)
        if let user = text(r.raw()) { profile.userText = user }
        guard let id = text(r.raw()) else { return }
        // Each field keeps its latest known value, as the profile's demographics do: an event
        // that names the endpoint without its address blanked its device token in the member
        // export, and one without a device (a server-side event) blanked its platform.
        let before = profile.endpoints[id]
        let channel = text(r.raw()) ?? before?.channelType ?? ""
        let address = text(r.raw()) ?? before?.address
        profile.endpoints[id] = UserProfile.Endpoint(
            id: id, channelType: channel, address: address, platform: text(platform) ?? before?.platform,
            appVersion: text(appVersion) ?? before?.appVersion, locale: text(locale) ?? before?.locale,
            country: text(country) ?? before?.country)
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
        // Kept while the cache is small (a few combinations of values are the common case).
        if parsedCount < 65_536, parsedBytes + bytes.count <= 16 << 20 {
            parsed[hash, default: []].append((Array(bytes), out))
            parsedCount += 1
            parsedBytes += bytes.count
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

