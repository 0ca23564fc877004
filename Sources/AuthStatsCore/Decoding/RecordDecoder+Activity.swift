extension RecordDecoder {
    /// A Cognito user activity record (`userAuthEvents` export, `docs/inputs.md` "Cognito user
    /// activity log"): every value a string, `"null"` meaning none.
    func activity(_ f: Fields, into event: inout Event) -> Decoded {
        // Read as bytes where they lie, each field once: the time, the event type and the
        // response made three `String`s a record (docs/performance.md "The ledger's hash, and
        // what each input and activity record cost": the decoder 41.6 → 24.6 M instructions
        // over 510 trail files).
        let time: Int64
        if let millis = f.valueInteger(.activityTimestamp) {
            time = millis
        } else if f.nonNull(.activityTimestamp) != nil {
            return .rejected(reason: "eventTimestamp is not epoch milliseconds: " + JSONField.quoted(f.value(.activityTimestamp)!))
        } else if f.notText(.activityTimestamp) != nil {
            // A number instead of the documented string: read it all the same if it is whole;
            // another type, or a fraction, is no time (it fell back to `creationDate`, another
            // day maybe, in silence, until 2026-12-07).
            guard let millis = f[.activityTimestamp].integer(in: f.bytes) else {
                return .rejected(reason: "eventTimestamp is not epoch milliseconds: " + f[.activityTimestamp].describe(in: f.bytes))
            }
            time = millis
        } else if let date = f.value(.activityCreationDate) {
            guard let millis = Timestamps.javaDate(date) else {
                return .rejected(reason: "no eventTimestamp, and message.creationDate is not a date like \"Wed Jul 17 17:25:55 UTC 2024\": " + JSONField.quoted(date))
            }
            time = millis
        } else {
            return .rejected(reason: "missing eventTimestamp and message.creationDate (a Cognito user activity record needs one)")
        }
        guard let eventType = f.withText(.activityEventType, ActivityType.init) ?? nil else {
            return .rejected(reason: f.notText(.activityEventType) ?? "missing message.eventType")
        }
        if let reason = f.notText(.activityResponse) { return .rejected(reason: reason) }
        let response = f.withText(.activityResponse, ActivityResponse.init) ?? nil
        let kind: EventKind
        switch (eventType, response) {
        case (.signIn, .pass): kind = .signIn
        case (.signIn, .fail): kind = .authFailure
        case (.signIn, .inProgress): kind = .authStep
        case (.signIn, _): kind = .other  // an unknown response: not counted as a sign-in or failure
        case (.signUp, .pass): kind = .signUp
        default: kind = .account
        }
        if let reason = f.notText(.activityUserSub) { return .rejected(reason: reason) }
        let user = f.nonNull(.activityUserSub)
        let (dimensions, hint) = f.dimensions(UInt8(ascii: "A"), Self.activityDimensionSlots) {
            var dimensions = DimensionValues()
            dimensions[.clientID] = f.value(.activityClientID) ?? ""
            dimensions[.country] = f.value(.activityCountry) ?? ""
            dimensions[.source] = EventSource.cognitoActivity.name
            dimensions[.userType] = f.value(.activityIdpName) == nil ? "local" : "federated"
            return dimensions
        }
        let fingerprint = Fingerprint.of(Self.activityTag, in: f, id: f.nonNull(.activityEventID)) {
            [f.value(.activityEventType)!, f.value(.activityResponse) ?? "", String(time), user.flatMap { f.short($0)?.string } ?? "",
             f.value(.activityClientID) ?? ""]
        }
        // SignIn, SignUp, ForgotPassword and ResendCode are made by operations of the nine
        // (InitiateAuth…, SignUp, ForgotPassword, ResendConfirmationCode); PasswordChange and
        // the rest are not. (Only `account` events need the type compared: SignIn and a
        // passing SignUp make other kinds.)
        let parity: ParityReason
        if f.nonNull(.activityIdpName) != nil {
            parity = .federatedUser
        } else if kind == .account && eventType == .other {
            parity = .otherOperation
        } else {
            parity = .received
        }
        event = Event(
            time: time, source: .cognitoActivity, kind: kind, ids: f.ids(user: user), fingerprint: fingerprint,
            dimensions: dimensions, profileHint: hint, parity: parity)
        return .event(.cognitoActivity)
    }

    static let activityTag = Fingerprint.Builder(tag: "cognito-activity")

    /// The `message.eventType`s that decide a kind or the parity; nil for `"null"`.
    enum ActivityType {
        case signIn, signUp, forgotPassword, resendCode, other

        init?(_ raw: UnsafeRawBufferPointer) {
            if Fields.matches(raw, "SignIn") { self = .signIn }
            else if Fields.matches(raw, "SignUp") { self = .signUp }
            else if Fields.matches(raw, "ForgotPassword") { self = .forgotPassword }
            else if Fields.matches(raw, "ResendCode") { self = .resendCode }
            else if Fields.matches(raw, "null") { return nil }
            else { self = .other }
        }
    }

    /// The `message.eventResponse`s; nil for `"null"`.
    enum ActivityResponse {
        case pass, fail, inProgress, other

        init?(_ raw: UnsafeRawBufferPointer) {
            if Fields.matches(raw, "Pass") { self = .pass }
            else if Fields.matches(raw, "Fail") { self = .fail }
            else if Fields.matches(raw, "InProgress") { self = .inProgress }
            else if Fields.matches(raw, "null") { return nil }
            else { self = .other }
        }
    }

    /// The fields activity-log dimension values are made from (the key of a `ProfileCache`).
    static let activityDimensionSlots: [Slot] = [.activityClientID, .activityCountry, .activityIdpName]
}
