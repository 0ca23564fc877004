extension RecordDecoder {
    /// The user-pool operations that authenticate (`docs/metrics.md` "Kinds", CloudTrail column).
    static let authOperations: Set<String> = [
        "InitiateAuth", "AdminInitiateAuth", "RespondToAuthChallenge", "AdminRespondToAuthChallenge",
    ]
    // The nine operations that carry `AnalyticsMetadata` (the only ones Cognito sent to
    // Pinpoint, `docs/metrics.md` "Pinpoint parity") are `authOperations`, `SignUp` and
    // `accountOperations`: the decoder tells them by the kind they make.
    static let accountOperations: Set<String> = [
        "ConfirmSignUp", "ForgotPassword", "ConfirmForgotPassword", "ResendConfirmationCode",
    ]

    /// One CloudTrail record (`docs/inputs.md` "CloudTrail"): Cognito user-pool records become
    /// events; those of other AWS services and Insights events are skipped.
    func cloudTrail(_ f: Fields) -> Outcome {
        guard f.equals(.eventSource, "cognito-idp.amazonaws.com") else {
            let source = f.text(.eventSource) ?? ""
            return .skipped(.cloudTrail, reason: "a CloudTrail record of \(source.isEmpty ? "another service" : source)")
        }
        if f.equals(.trailEventType, "AwsCloudTrailInsight") {
            return .skipped(.cloudTrail, reason: "a CloudTrail Insights event")
        }
        let timeField = f[.eventTime]
        guard timeField.type == .string else {
            return .rejected(reason: "eventTime is not a string: \(timeField.describe(in: f.bytes))")
        }
        let timeBytes = UnsafeRawBufferPointer(rebasing: f.bytes[timeField.start..<timeField.end])
        guard !timeField.hasEscapes, let time = Timestamps.iso8601(timeBytes) else {
            return .rejected(reason: "eventTime is not an ISO 8601 time: \"\(f.text(.eventTime)?.prefix(40) ?? "")\"")
        }
        guard let name = f.text(.eventName) else {
            return .rejected(reason: "eventName is not a string: \(f[.eventName].describe(in: f.bytes))")
        }
        // errorCode may be missing, "" or null: all three mean success.
        let failed = f.isNonEmptyText(.errorCode)
        let kind: EventKind
        if Self.authOperations.contains(name) {
            kind = failed ? .authFailure : (f.isNonEmptyText(.challengeName) ? .authStep : .signIn)
        } else if name == "SignUp" {
            kind = failed ? .account : .signUp
        } else if Self.accountOperations.contains(name) {
            kind = .account
        } else {
            kind = .other
        }
        let user = f.nonEmpty(.trailSub) ?? f.nonEmpty(.responseUserSub)
        let (dimensions, hint) = f.dimensions(UInt8(ascii: "T"), Self.cloudTrailDimensionSlots) {
            var dimensions = DimensionValues()
            dimensions[.clientID] = f.text(.requestClientID) ?? f.text(.hostedUIClientID) ?? ""
            dimensions[.source] = EventSource.cloudtrail.name
            return dimensions
        }
        let fingerprint = Fingerprint.of(Self.cloudTrailTag, in: f, id: f.nonEmpty(.eventID)) {
            [name, String(time), user.flatMap { f.short($0)?.string } ?? "", f.text(.errorCode) ?? ""]
        }
        // The nine operations are exactly those that make a sign-in, failure, step, sign-up or
        // account event here: every `other` event is made by another operation (no lookup).
        let parity: ParityReason = !f.isNonEmptyText(.requestClientID) && f.has(.hostedUIClientID)
            ? .hostedUI : kind == .other ? .otherOperation : .received
        let event = Event(
            time: time, source: .cloudtrail, kind: kind, ids: f.ids(user: user), fingerprint: fingerprint,
            dimensions: dimensions, profileHint: hint, parity: parity)
        return .event(event, .cloudTrail)
    }

    static let cloudTrailTag = Fingerprint.Builder(tag: "cloudtrail")

    /// The fields CloudTrail dimension values are made from (the key of a `ProfileCache`).
    static let cloudTrailDimensionSlots: [Slot] = [.requestClientID, .hostedUIClientID]
}
