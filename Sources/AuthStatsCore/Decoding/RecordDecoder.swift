/// Turns one scanned record into a normalized `Event` (stage 3 of the pipeline).
///
/// Reads only the fields the schema extracted, straight from the record's bytes. A record
/// that cannot be counted is rejected with a reason a person can act on.
public struct RecordDecoder: Sendable {
    public enum Outcome: Sendable {
        case event(Event)
        case rejected(reason: String)
    }

    /// Every path any decoder reads; the scanner extracts all of them in one pass.
    public static let schema = FieldSchema(Slot.allCases.map(\.path))

    enum Slot: Int, CaseIterable {
        case eventType, eventTimestamp, clientID, userID, sessionID
        case platformName, demographicPlatform, localeCode, demographicLocale
        case versionName, demographicAppVersion, localeCountry, locationCountry

        var path: String {
            switch self {
            case .eventType: return "event_type"
            case .eventTimestamp: return "event_timestamp"
            case .clientID: return "client.client_id"
            case .userID: return "endpoint.User.UserId"
            case .sessionID: return "session.session_id"
            case .platformName: return "device.platform.name"
            case .demographicPlatform: return "endpoint.Demographic.Platform"
            case .localeCode: return "device.locale.code"
            case .demographicLocale: return "endpoint.Demographic.Locale"
            case .versionName: return "application.version_name"
            case .demographicAppVersion: return "endpoint.Demographic.AppVersion"
            case .localeCountry: return "device.locale.country"
            case .locationCountry: return "endpoint.Location.Country"
            }
        }
    }

    public init() {}

    /// Decodes the record at `range` of `bytes`, whose fields the scanner found.
    public func decode(_ bytes: UnsafeRawBufferPointer, range: Range<Int>, fields: [JSONField]) -> Outcome {
        guard bytes[range.lowerBound] == UInt8(ascii: "{") else {
            return .rejected(reason: "the record is a JSON array, not an object")
        }
        func field(_ slot: Slot) -> JSONField { fields[slot.rawValue] }
        func text(_ slot: Slot) -> String? { field(slot).nonEmptyString(in: bytes) }

        let timestamp = field(.eventTimestamp)
        guard timestamp.type != .absent else {
            return .rejected(reason: "missing event_timestamp (not a Pinpoint event stream record)")
        }
        guard let time = timestamp.integer(in: bytes) else {
            return .rejected(
                reason: "event_timestamp is not an integer of epoch milliseconds: \(timestamp.describe(in: bytes))")
        }
        guard let eventType = text(.eventType) else {
            return .rejected(reason: "missing event_type")
        }
        let clientID = text(.clientID)
        let userString = text(.userID) ?? clientID
        let sessionID = text(.sessionID)

        var dimensions = DimensionValues()
        dimensions[.platform] = (text(.platformName) ?? text(.demographicPlatform))?.lowercased() ?? ""
        dimensions[.locale] = (text(.localeCode) ?? text(.demographicLocale)).map(Self.normalizeLocale) ?? ""
        dimensions[.appVersion] = text(.versionName) ?? text(.demographicAppVersion) ?? ""
        dimensions[.country] = text(.localeCountry) ?? text(.locationCountry) ?? ""
        dimensions[.source] = EventSource.pinpoint.name

        let fingerprint = Fingerprint(fields: [
            "pinpoint", eventType, String(time), clientID ?? "", sessionID ?? "", userString ?? "",
        ])
        return .event(
            Event(
                time: time, source: .pinpoint, kind: .pinpoint(eventType: eventType),
                user: userString.map(UserID.init), fingerprint: fingerprint, sessionID: sessionID,
                dimensions: dimensions))
    }

    /// `ll_CC`: language lower-case, a two-letter region upper-case, `-` read as `_`
    /// (`en-gb` → `en_GB`); a four-letter script is title-cased (`zh_hant_tw` → `zh_Hant_TW`).
    public static func normalizeLocale(_ code: String) -> String {
        let parts = code.split(whereSeparator: { $0 == "_" || $0 == "-" })
        guard let language = parts.first else { return "" }
        var out = [language.lowercased()]
        for part in parts.dropFirst() {
            switch part.count {
            case 2: out.append(part.uppercased())
            case 3 where part.allSatisfy(\.isLetter): out.append(part.uppercased())
            case 4: out.append(part.prefix(1).uppercased() + part.dropFirst().lowercased())
            default: out.append(String(part))
            }
        }
        return out.joined(separator: "_")
    }
}

extension JSONField {
    /// A short description of the value for messages: its text, or its type.
    func describe(in bytes: UnsafeRawBufferPointer) -> String {
        switch type {
        case .string: return "the string \"\(string(in: bytes)?.prefix(40) ?? "")\""
        case .number, .bool, .null: return text(in: bytes)
        case .object: return "an object"
        case .array: return "an array"
        case .absent: return "nothing"
        }
    }
}
