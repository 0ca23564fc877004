extension RecordDecoder {
    /// A Pinpoint event-stream record (`docs/inputs.md` "Pinpoint event stream").
    func pinpoint(_ f: Fields, into event: inout Event) -> Decoded {
        let timestamp = f[.eventTimestamp]
        guard timestamp.type != .absent else {
            return .rejected(reason: "missing event_timestamp (a Pinpoint event stream record needs one)")
        }
        guard let time = timestamp.integer(in: f.bytes) else {
            return .rejected(
                reason: "event_timestamp is not an integer of epoch milliseconds: \(timestamp.describe(in: f.bytes))")
        }
        // The type is read as bytes: no `String` per record.
        var builder = Self.pinpointTag
        guard let kind = f.withText(.eventType, { type -> EventKind in
            builder.add(type)
            return EventKind.pinpoint(eventType: type)
        }) else {
            let type = f[.eventType]
            switch type.type {
            case .absent: return .rejected(reason: "missing event_type")
            case .string: return .rejected(reason: "event_type is empty")
            default: return .rejected(reason: "event_type is not a string: \(type.describe(in: f.bytes))")
            }
        }
        if let reason = f.notText(.userID) ?? f.notText(.clientID) ?? f.notText(.sessionID) { return .rejected(reason: reason) }
        // The ids are read where they lie, not kept in `ShortText`s (see `InlineText`).
        let user = f.nonEmpty(.userID) ?? f.nonEmpty(.clientID)

        let (dimensions, hint) = f.dimensions(
            UInt8(ascii: projects ? "Q" : "P"), projects ? Self.pinpointProjectSlots : Self.pinpointDimensionSlots
        ) {
            var dimensions = DimensionValues()
            dimensions[.platform] = (f.text(.platformName) ?? f.text(.demographicPlatform))?.lowercased() ?? ""
            dimensions[.locale] = (f.text(.localeCode) ?? f.text(.demographicLocale)).map(Self.normalizeLocale) ?? ""
            dimensions[.appVersion] = f.text(.versionName) ?? f.text(.demographicAppVersion) ?? ""
            dimensions[.country] = f.text(.localeCountry) ?? f.text(.locationCountry) ?? ""
            dimensions[.source] = EventSource.pinpoint.name
            // A project id is hex: lower-cased, as `AnalyticsConfiguration` keeps them.
            if projects { dimensions[.projectID] = f.text(.appID)?.lowercased() ?? "" }
            return dimensions
        }

        builder.add(time)
        builder.add(f, .clientID)
        builder.add(f, .sessionID)
        builder.add(f, user)
        let ids = f.ids(user: user, session: .sessionID)
        event = Event(
            time: time, source: .pinpoint, kind: kind, ids: ids, fingerprint: builder.fingerprint,
            sessionStart: ids.session == nil ? nil : f[.sessionStartTimestamp].integer(in: f.bytes),
            sessionStop: ids.session == nil ? nil : f[.sessionStopTimestamp].integer(in: f.bytes),
            dimensions: dimensions, profileHint: hint)
        return .event(.pinpoint)
    }

    /// The fingerprint builder after the export's name (made once, not per record).
    static let pinpointTag = Fingerprint.Builder(tag: "pinpoint")

    /// The fields Pinpoint dimension values are made from (the key of a `ProfileCache`).
    static let pinpointDimensionSlots: [Slot] = [
        .platformName, .demographicPlatform, .localeCode, .demographicLocale, .versionName, .demographicAppVersion,
        .localeCountry, .locationCountry,
    ]

    /// `pinpointDimensionSlots` and the project (`projects`).
    static let pinpointProjectSlots: [Slot] = pinpointDimensionSlots + [.appID]

    /// `ll_CC`: language lower-case, a two-letter region upper-case, `-` read as `_`
    /// (`en-gb` → `en_GB`); a four-letter script is title-cased (`zh_hant_tw` → `zh_Hant_TW`).
    public static func normalizeLocale(_ code: String) -> String {
        // The common cases, `ll_CC` in any case with `_` or `-`: by bytes, no split.
        let u = code.utf8
        if u.count == 5 {
            var b = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
            withUnsafeMutableBytes(of: &b) { $0.copyBytes(from: u) }
            func letter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
            if letter(b.0) && letter(b.1) && (b.2 == 0x5F || b.2 == 0x2D) && letter(b.3) && letter(b.4) {
                if b.0 >= 0x61 && b.1 >= 0x61 && b.2 == 0x5F && b.3 < 0x61 && b.4 < 0x61 { return code }
                b = (b.0 | 0x20, b.1 | 0x20, 0x5F, b.3 & ~0x20, b.4 & ~0x20)
                return withUnsafeBytes(of: &b) { String(decoding: $0, as: UTF8.self) }
            }
        }
        // A POSIX codeset or modifier (`en_US.UTF-8`, `de_DE@euro`) is kept as written.
        let tailStart = code.firstIndex { $0 == "." || $0 == "@" } ?? code.endIndex
        // Empty parts are kept (`_US` is no language `us`, `en__US` no `en_US`).
        let parts = code[..<tailStart].split(omittingEmptySubsequences: false, whereSeparator: { $0 == "_" || $0 == "-" })
        var out = [parts[0].lowercased()]
        var next = 1
        // A script right after the language, then a region: only those two places (in
        // `de-DE-u-co-phonebk` the `co` after the extension's `u` is no region).
        if next < parts.count, parts[next].count == 4, parts[next].allSatisfy(\.isLetter) {
            out.append(parts[next].prefix(1).uppercased() + parts[next].dropFirst().lowercased())
            next += 1
        }
        if next < parts.count, parts[next].count == 2 || parts[next].count == 3 && parts[next].allSatisfy(\.isLetter) {
            out.append(parts[next].uppercased())
            next += 1
        }
        out += parts[next...].map(String.init)
        return out.joined(separator: "_") + code[tailStart...]
    }
}
