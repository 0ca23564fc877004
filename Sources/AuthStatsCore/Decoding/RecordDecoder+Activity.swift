extension RecordDecoder {
    /// A Cognito user activity record (`userAuthEvents` export, `docs/inputs.md` "Cognito user
    /// activity log"): every value a string, `"null"` meaning none.
    func activity(_ f: Fields, into event: inout Event) -> Decoded {
        let time: Int64
        if let text = f.value(.activityTimestamp) {
            guard let millis = Int64(text) else {
                return .rejected(reason: "eventTimestamp is not epoch milliseconds: \"\(text.prefix(40))\"")
            }
            time = millis
        } else if let millis = f[.activityTimestamp].integer(in: f.bytes) {
            time = millis  // a number instead of the documented string: read it all the same
        } else if let date = f.value(.activityCreationDate) {
            guard let millis = Timestamps.javaDate(date) else {
                return .rejected(reason: "no eventTimestamp, and message.creationDate is not a date like \"Wed Jul 17 17:25:55 UTC 2024\": \"\(date.prefix(40))\"")
            }
            time = millis
        } else {
            return .rejected(reason: "missing eventTimestamp and message.creationDate (a Cognito user activity record needs one)")
        }
        guard let eventType = f.value(.activityEventType) else {
            return .rejected(reason: "missing message.eventType")
        }
        let response = f.value(.activityResponse)
        let kind: EventKind
        switch (eventType, response) {
        case ("SignIn", "Pass"): kind = .signIn
        case ("SignIn", "Fail"): kind = .authFailure
        case ("SignIn", "InProgress"): kind = .authStep
        case ("SignIn", _): kind = .other  // an unknown response: not counted as a sign-in or failure
        case ("SignUp", "Pass"): kind = .signUp
        default: kind = .account
        }
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
            [eventType, response ?? "", String(time), user.flatMap { f.short($0)?.string } ?? "", f.value(.activityClientID) ?? ""]
        }
        // SignIn, SignUp, ForgotPassword and ResendCode are made by operations of the nine
        // (InitiateAuth…, SignUp, ForgotPassword, ResendConfirmationCode); PasswordChange and
        // the rest are not. (Only `account` events need the type compared: SignIn and a
        // passing SignUp make other kinds.)
        let parity: ParityReason
        if f.isNonEmptyText(.activityIdpName) && f.value(.activityIdpName) != nil {
            parity = .federatedUser
        } else if kind == .account && eventType != "SignUp" && eventType != "ForgotPassword" && eventType != "ResendCode" {
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

    /// The fields activity-log dimension values are made from (the key of a `ProfileCache`).
    static let activityDimensionSlots: [Slot] = [.activityClientID, .activityCountry, .activityIdpName]
}
