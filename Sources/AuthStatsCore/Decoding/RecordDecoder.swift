/// Turns one scanned record into a normalized `Event` (stage 3 of the pipeline).
///
/// Each record is sorted out by its content (`docs/inputs.md` "Telling the exports apart"): a
/// Pinpoint event-stream record, a Cognito user activity record, or a CloudTrail record; the
/// rest is skipped (a kind authstats does not analyse) or rejected (a record that cannot be read), with a reason a
/// person can act on. Only the fields the schema extracted are read, straight from the bytes.
public struct RecordDecoder: Sendable {
    public enum Outcome: Sendable {
        case event(Event, RecordFormat)
        /// Not analysed, and counted as skipped (`docs/inputs.md` "Skipped and rejected records").
        case skipped(RecordFormat, reason: String)
        case rejected(reason: String)
    }

    /// What a record made, as `Outcome` says, with the event written into the caller's
    /// (`decode(_:range:fields:profiles:into:)`): an `Outcome` carrying it was copied whole
    /// (218 bytes) at each step from the decoder to the counters, seven times a record.
    enum Decoded {
        case event(RecordFormat)
        case skipped(RecordFormat, reason: String)
        case rejected(reason: String)
    }

    /// Every path any decoder reads; the scanner extracts all of them in one pass.
    public static let schema = FieldSchema(Slot.allCases.prefix { $0 != .appID }.map(\.path))

    /// `schema` and `application.app_id` (`--clients`: the Pinpoint project).
    public static let projectSchema = FieldSchema(Slot.allCases.prefix { $0 != .deviceMake }.map(\.path))

    /// `schema` and the fields of user profiles (`ProfileObservation`): read only when
    /// segments or attribute breakdowns want them.
    public static let profileSchema = FieldSchema(Slot.allCases.map(\.path))

    enum Slot: Int, CaseIterable {
        // Pinpoint event stream (docs/inputs.md "Pinpoint event stream")
        case eventType, eventTimestamp, clientID, userID, sessionID, sessionStartTimestamp, sessionStopTimestamp
        case platformName, demographicPlatform, localeCode, demographicLocale
        case versionName, demographicAppVersion, localeCountry, locationCountry
        // Cognito user activity log (docs/inputs.md "Cognito user activity log")
        case activityTimestamp, eventSource, activityEventType, activityResponse, activityUserSub
        case activityClientID, activityCountry, activityIdpName, activityEventID, activityCreationDate
        // CloudTrail (docs/inputs.md "CloudTrail")
        case eventTime, eventName, errorCode, trailSub, responseUserSub, challengeName
        case requestClientID, hostedUIClientID, eventID, trailEventType
        // Other objects found among exports
        case digestStartTime, attemptsMade, rawData, users, segmentsResponse, segmentResponse
        case userPoolClient, userPoolClients, iamRole, policyDocument, policyVersion
        // The Pinpoint project (projectSchema and profileSchema only; `--clients`)
        case appID
        // User profiles (profileSchema only; docs/segments.md "Profiles")
        case deviceMake, deviceModel, demographicMake, demographicModel
        case endpointID, channelType, endpointAddress, userAttributes, endpointAttributes

        var path: String {
            switch self {
            case .eventType: return "event_type"
            case .eventTimestamp: return "event_timestamp"
            case .clientID: return "client.client_id"
            case .userID: return "endpoint.User.UserId"
            case .sessionID: return "session.session_id"
            case .sessionStartTimestamp: return "session.start_timestamp"
            case .sessionStopTimestamp: return "session.stop_timestamp"
            case .appID: return "application.app_id"
            case .platformName: return "device.platform.name"
            case .demographicPlatform: return "endpoint.Demographic.Platform"
            case .localeCode: return "device.locale.code"
            case .demographicLocale: return "endpoint.Demographic.Locale"
            case .versionName: return "application.version_name"
            case .demographicAppVersion: return "endpoint.Demographic.AppVersion"
            case .localeCountry: return "device.locale.country"
            case .locationCountry: return "endpoint.Location.Country"
            case .activityTimestamp: return "eventTimestamp"
            case .eventSource: return "eventSource"
            case .activityEventType: return "message.eventType"
            case .activityResponse: return "message.eventResponse"
            case .activityUserSub: return "message.userSub"
            case .activityClientID: return "message.clientId"
            case .activityCountry: return "message.country"
            case .activityIdpName: return "message.idpName"
            case .activityEventID: return "message.eventId"
            case .activityCreationDate: return "message.creationDate"
            case .eventTime: return "eventTime"
            case .eventName: return "eventName"
            case .errorCode: return "errorCode"
            case .trailSub: return "additionalEventData.sub"
            case .responseUserSub: return "responseElements.userSub"
            case .challengeName: return "responseElements.challengeName"
            case .requestClientID: return "requestParameters.clientId"
            case .hostedUIClientID: return "additionalEventData.requestParameters.client_id.0"
            case .eventID: return "eventID"
            case .trailEventType: return "eventType"
            case .digestStartTime: return "digestStartTime"
            case .attemptsMade: return "attemptsMade"
            case .rawData: return "rawData"
            case .users: return "Users"
            case .segmentsResponse: return "SegmentsResponse"
            case .segmentResponse: return "SegmentResponse"
            case .userPoolClient: return "UserPoolClient"
            case .userPoolClients: return "UserPoolClients"
            case .iamRole: return "Role"
            case .policyDocument: return "PolicyDocument"
            case .policyVersion: return "PolicyVersion"
            case .deviceMake: return "device.make"
            case .deviceModel: return "device.model"
            case .demographicMake: return "endpoint.Demographic.Make"
            case .demographicModel: return "endpoint.Demographic.Model"
            case .endpointID: return "endpoint.Id"
            case .channelType: return "endpoint.ChannelType"
            case .endpointAddress: return "endpoint.Address"
            case .userAttributes: return "endpoint.User.UserAttributes"
            case .endpointAttributes: return "endpoint.Attributes"
            }
        }
    }

    /// Read access to one record's extracted fields.
    struct Fields {
        let bytes: UnsafeRawBufferPointer
        let fields: [JSONField]
        /// The worker's cache of dimension profiles, if it uses one.
        var profiles: UnsafeMutablePointer<ProfileCache>? = nil

        subscript(_ slot: Slot) -> JSONField { fields[slot.rawValue] }

        func has(_ slot: Slot) -> Bool { fields[slot.rawValue].type != .absent }

        /// The non-empty string value; nil when missing, empty, not a string.
        func text(_ slot: Slot) -> String? { fields[slot.rawValue].nonEmptyString(in: bytes) }

        /// Whether `text(slot)` would be non-nil, without making the `String`.
        func isNonEmptyText(_ slot: Slot) -> Bool {
            let field = fields[slot.rawValue]
            return field.type == .string && field.end > field.start
        }

        /// Calls `body` with the non-empty string value's UTF-8 bytes (unescaped); nil when
        /// the value is missing, empty or not a string.
        func withText<R>(_ slot: Slot, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
            let field = fields[slot.rawValue]
            guard field.type == .string, field.end > field.start else { return nil }
            let raw = UnsafeRawBufferPointer(rebasing: bytes[field.start..<field.end])
            guard field.hasEscapes else { return body(raw) }
            return JSONField.unescape(raw).withUnsafeBytes(body)
        }

        /// As `text`, kept as a `ShortText` (no `String` made for an id that fits in place).
        func short(_ slot: Slot) -> ShortText? { withText(slot) { ShortText(utf8: $0) } }

        /// Why a record whose field read as text (an id, a time, a kind, an error) holds a value
        /// of another type is rejected; nil for text, `null` or none. Read as missing, such a
        /// value moved the event to another user (a number `UserId` counted under the device's
        /// id), out of its session, to another day or kind (a number `errorCode` read as no
        /// error), in silence (reviews, 2026-12-07; docs/inputs.md).
        @inline(__always)
        func notText(_ slot: Slot) -> String? {
            switch fields[slot.rawValue].type {
            case .absent, .null, .string: return nil
            default: return "\(slot.path) is not a string: \(fields[slot.rawValue].describe(in: bytes))"
            }
        }

        /// Why a field the record's kind cannot do without is not text: missing, or of another
        /// type (`null` included); nil for a string.
        func needsText(_ slot: Slot) -> String? {
            let field = fields[slot.rawValue]
            switch field.type {
            case .string: return nil
            case .absent: return "missing \(slot.path)"
            default: return "\(slot.path) is not a string: \(field.describe(in: bytes))"
            }
        }

        /// `text(slot)`, unless it is CloudTrail's placeholder for a value it withholds
        /// (`HIDDEN_DUE_TO_SECURITY_REASONS`): no user or app client is named so.
        func shownText(_ slot: Slot) -> String? { equals(slot, Self.hidden) ? nil : text(slot) }

        /// `nonEmpty(slot)`, unless it is CloudTrail's placeholder (`shownText`).
        func nonEmptyShown(_ slot: Slot) -> Slot? { equals(slot, Self.hidden) ? nil : nonEmpty(slot) }

        static let hidden: StaticString = "HIDDEN_DUE_TO_SECURITY_REASONS"

        /// `slot` when `text(slot)` is not nil, else nil: where an id is read from, its bytes
        /// taken only when needed (no `ShortText` a record).
        func nonEmpty(_ slot: Slot) -> Slot? { isNonEmptyText(slot) ? slot : nil }

        /// `slot` when `value(slot)` is not nil (not the string `"null"`), else nil.
        func nonNull(_ slot: Slot) -> Slot? { withText(slot) { Self.matches($0, "null") } == false ? slot : nil }

        /// Whether `raw` is `literal`'s bytes.
        @inline(__always)
        static func matches(_ raw: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
            raw.count == literal.utf8CodeUnitCount && (raw.isEmpty || memcmp(raw.baseAddress!, literal.utf8Start, raw.count) == 0)
        }

        /// The id in `slot` in place, or the mark that it is longer (`InlineText`); nil when
        /// `text(slot)` is.
        func inlineText(_ slot: Slot) -> InlineText? { withText(slot) { InlineText(utf8: $0) ?? .long } }

        /// An event's ids, read from the fields `user` and `session` (nil: none).
        func ids(user: Slot?, session: Slot? = nil) -> EventIDs {
            EventIDs(user: user.flatMap(inlineText), session: session.flatMap(inlineText)) {
                (user.flatMap(short), session.flatMap(short))
            }
        }

        /// Whether the value is the string `literal` (compared as bytes, no `String` made).
        func equals(_ slot: Slot, _ literal: StaticString) -> Bool {
            let field = fields[slot.rawValue]
            guard field.type == .string, !field.hasEscapes else { return false }
            return Self.matches(UnsafeRawBufferPointer(rebasing: bytes[field.start..<field.end]), literal)
        }

        /// Whether the value is a string that ends with `suffix` (as written, no escapes).
        func endsWith(_ slot: Slot, _ suffix: StaticString) -> Bool {
            let field = fields[slot.rawValue]
            let count = suffix.utf8CodeUnitCount
            guard field.type == .string, !field.hasEscapes, field.end - field.start >= count else { return false }
            return Self.matches(UnsafeRawBufferPointer(rebasing: bytes[field.end - count..<field.end]), suffix)
        }

        /// The dimension values `make` builds, unless `profiles` knows the raw bytes of
        /// `slots` (after the export's `tag`): then the defaults, and the profile id as hint.
        func dimensions(_ tag: UInt8, _ slots: [Slot], _ make: () -> DimensionValues) -> (DimensionValues, ProfileHint) {
            guard let profiles else { return (make(), .none) }
            let hint = profileHint(tag, slots, in: profiles)
            if case .cached = hint { return (DimensionValues(), hint) }
            return (make(), hint)
        }

        /// As `text`, also treating the string `"null"` as missing (the activity log writes
        /// every value as a string, and `"null"` for none).
        func value(_ slot: Slot) -> String? {
            guard let text = text(slot), text != "null" else { return nil }
            return text
        }

        /// `Int64(value(slot))` read from the bytes (a sign, then decimal digits, as
        /// `Int64.init(_:radix:)` reads a `String`): nil when there is no value or it is not
        /// such a number.
        func valueInteger(_ slot: Slot) -> Int64? { withText(slot, Self.decimal) ?? nil }

        /// `Int64(_:)` of the text `raw` (not empty).
        static func decimal(_ raw: UnsafeRawBufferPointer) -> Int64? {
            var at = 0
            let negative = raw[0] == UInt8(ascii: "-")
            if negative || raw[0] == UInt8(ascii: "+") { at = 1 }
            guard at < raw.count else { return nil }
            var value: Int64 = 0
            while at < raw.count {
                let digit = raw[at] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (v, o2) = negative ? m.subtractingReportingOverflow(Int64(digit)) : m.addingReportingOverflow(Int64(digit))
                if o1 || o2 { return nil }
                value = v
                at += 1
            }
            return value
        }
    }

    /// Whether Pinpoint records' `application.app_id` becomes their `project_id` (`--clients`;
    /// the fields were scanned with `projectSchema` or `profileSchema`). Without, it is neither
    /// read nor part of the dimension cache's key: the default run pays nothing for projects.
    let projects: Bool

    /// The reasons given to the last other services' CloudTrail records (`cloudTrail`).
    var services = ServiceReasons()

    public init(projects: Bool = false) { self.projects = projects }

    /// Decodes the record at `range` of `bytes`, whose fields the scanner found.
    public func decode(_ bytes: UnsafeRawBufferPointer, range: Range<Int>, fields: [JSONField]) -> Outcome {
        var decoder = self
        var event = Event.blank
        switch decoder.decode(bytes, range: range, fields: fields, profiles: nil, into: &event) {
        case .event(let format): return .event(event, format)
        case .skipped(let format, let reason): return .skipped(format, reason: reason)
        case .rejected(let reason): return .rejected(reason: reason)
        }
    }

    /// As `decode(_:range:fields:)`, the event written into `event`; with `profiles`, an event
    /// whose dimension fields the cache knows comes with its profile id instead of its
    /// dimension values.
    mutating func decode(
        _ bytes: UnsafeRawBufferPointer, range: Range<Int>, fields: [JSONField], profiles: UnsafeMutablePointer<ProfileCache>?,
        into event: inout Event
    ) -> Decoded {
        guard bytes[range.lowerBound] == UInt8(ascii: "{") else {
            if Self.looksLikeSegmentList(UnsafeRawBufferPointer(rebasing: bytes[range])) {
                return .skipped(.segmentDefinitions, reason: Self.segmentDefinitionsReason)
            }
            return .rejected(reason: "the record is a JSON array, not an object")
        }
        let f = Fields(bytes: bytes, fields: fields, profiles: profiles)
        if f.has(.eventType) || f.has(.eventTimestamp) { return pinpoint(f, into: &event) }
        // Activity-log records say so first (one compare a record, as before); a notification
        // record may have the activity log's fields too (eventTimestamp, message.eventType), so
        // its source is asked before the fields are (it was counted as an activity event).
        if f.equals(.eventSource, "USER_ACTIVITY") { return activity(f, into: &event) }
        if f.equals(.eventSource, "USER_NOTIFICATION") {
            return .skipped(.cognitoActivity, reason: "a Cognito user notification log record")
        }
        if f.has(.activityTimestamp) && f.has(.activityEventType) { return activity(f, into: &event) }
        // An Insights event of a trail (a `CloudTrail-Insight/` folder beside the trail's logs):
        // its source and name lie in `insightDetails`, and it is no call of anyone's.
        if f.equals(.trailEventType, "AwsCloudTrailInsight") { return .skipped(.cloudTrail, reason: "a CloudTrail Insights event") }
        // A trail's record missing its time, its name or its source is one still, rejected for
        // what it lacks (it was "not a record authstats knows"): one with both, or one of them
        // and an AWS service's `eventSource` (not DynamoDB's or Kinesis's stream records,
        // `aws:dynamodb` with an `eventName`, which stay of no known kind).
        if f.has(.eventTime) && f.has(.eventName) || (f.has(.eventTime) || f.has(.eventName)) && f.endsWith(.eventSource, ".amazonaws.com") {
            return cloudTrail(f, into: &event)
        }
        if f.has(.digestStartTime) { return .skipped(.cloudTrailDigest, reason: "a CloudTrail digest file") }
        if f.has(.rawData) && (f.has(.attemptsMade) || f.has(.errorCode)) {
            return .skipped(.firehoseError, reason: "a Firehose error record (the delivery failed; rawData holds the original)")
        }
        if f[.users].type == .array {
            return .skipped(.userDirectory, reason: "a list-users page: pass user directories with --users")
        }
        if f[.segmentsResponse].type == .object || f[.segmentResponse].type == .object {
            return .skipped(.segmentDefinitions, reason: Self.segmentDefinitionsReason)
        }
        if f[.userPoolClient].type == .object || f[.userPoolClients].type == .array {
            return .skipped(.configuration, reason: "Cognito app client configuration: pass it with --clients or to check-config")
        }
        if f[.iamRole].type == .object || f.has(.policyDocument) || f[.policyVersion].type == .object {
            return .skipped(.configuration, reason: "an IAM role or policy: pass it to check-config with --iam")
        }
        return .rejected(reason: Self.unknownRecord)
    }

    static let segmentDefinitionsReason = "Pinpoint segment definitions: pass them with --segments"

    /// Whether an array record is a list of segment definitions (`[{"Name":…,"Dimensions":…}]`,
    /// the `CreateSegment` form), which a folder of inputs may hold beside the logs.
    static func looksLikeSegmentList(_ record: UnsafeRawBufferPointer) -> Bool {
        func has(_ key: String) -> Bool {
            let needle = Array(key.utf8)
            guard record.count >= needle.count else { return false }
            return (0...(record.count - needle.count)).contains { i in
                record[i] == needle[0] && needle.indices.allSatisfy { record[i + $0] == needle[$0] }
            }
        }
        return has("\"Name\"") && (has("\"Dimensions\"") || has("\"SegmentGroups\""))
    }

    /// The reason for an object of no known kind.
    public static let unknownRecord =
        "not a record authstats knows: no event_type/event_timestamp (Pinpoint), "
        + "eventSource USER_ACTIVITY (Cognito user activity) or eventTime/eventSource/eventName (CloudTrail)"
}

/// What kind of export a record (or a whole input) is (`summary.json`'s `format`).
public enum RecordFormat: String, Sendable, CaseIterable {
    case pinpoint
    case cognitoActivity = "cognito-activity"
    case cloudTrail = "cloudtrail"
    case cloudTrailDigest = "cloudtrail-digest"
    case firehoseError = "firehose-error"
    case userDirectory = "cognito-user-directory"
    case segmentDefinitions = "pinpoint-segments"
    case configuration = "aws-configuration"
}

extension JSONField {
    /// A short description of the value for messages: its text, or its type.
    func describe(in bytes: UnsafeRawBufferPointer) -> String {
        switch type {
        case .string: return "the string " + Self.quoted(string(in: bytes) ?? "")
        case .number, .bool, .null: return text(in: bytes)
        case .object: return "an object"
        case .array: return "an array"
        case .absent: return "nothing"
        }
    }

    /// A record's text as a message quotes it: its first 40 characters, in quotes, control
    /// characters and the like escaped as names are (`DisplayPath`), so that a record can
    /// neither move a terminal's cursor nor pass for another line of the log.
    static func quoted(_ text: some StringProtocol) -> String {
        "\"" + DisplayPath.text(String(text.prefix(40))) + "\""
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Fingerprint.Builder {
    /// Adds the text in `slot` of `f` (as `add(f.short(slot))`); nil or no text adds the same
    /// as an empty text.
    @inline(__always)
    mutating func add(_ f: RecordDecoder.Fields, _ slot: RecordDecoder.Slot?) {
        if let slot, f.withText(slot, { add($0) }) != nil { return }
        add(UnsafeRawBufferPointer(start: nil, count: 0))
    }
}

extension Fingerprint {
    /// As `of(_:id:otherwise:)`, from a builder that has taken in the tag (made once: the
    /// decoders keep one per export), the id the text in `slot` of `f` (nil: none).
    static func of(_ tagged: Builder, in f: RecordDecoder.Fields, id slot: RecordDecoder.Slot?, otherwise fields: () -> [String]) -> Fingerprint {
        var builder = tagged
        if slot != nil {
            builder.add(f, slot)
        } else {
            for field in fields() { builder.add(field) }
        }
        return builder.fingerprint
    }
}
