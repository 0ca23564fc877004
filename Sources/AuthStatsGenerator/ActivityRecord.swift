import AuthStatsCore

/// Cognito user activity records (`userAuthEvents` export, `docs/inputs.md` "Cognito user
/// activity log"): every value a string, the time a string of epoch milliseconds.
enum ActivityRecord {
    static let userPoolID = "eu-west-1_AbCdEf123"

    /// The records a simulated event leaves in the activity log (none for app events).
    static func records(_ event: SimulatedEvent, user: GeneratedUser, rng: inout SplitMix64) -> [(Int64, String)] {
        var out: [(Int64, String)] = []
        func add(_ type: String, _ response: String, at time: Int64) {
            out.append((time, json(type: type, response: response, time: time, user: user, device: event.device, rng: &rng)))
        }
        switch event.action {
        case .signUp: add("SignUp", "Pass", at: event.time)
        case .signIn:
            if user.mfa { add("SignIn", "InProgress", at: event.time - 1500) }
            add("SignIn", "Pass", at: event.time)
        case .authFailure: add("SignIn", "Fail", at: event.time)
        case .forgotPassword: add("ForgotPassword", "Pass", at: event.time)
        default: break
        }
        return out
    }

    static func json(type: String, response: String, time: Int64, user: GeneratedUser, device: Int, rng: inout SplitMix64) -> String {
        let city = rng.chance(0.2) ? "null" : ["Dublin", "Austin", "Berlin", "Paris", "Osaka"][Int(rng.next() % 5)]
        let date = ISOTime.javaDate(millis: time)
        var s = "{\"eventTimestamp\":\"\(time)\",\"eventSource\":\"USER_ACTIVITY\",\"logLevel\":\"INFO\",\"message\":{"
        s += "\"version\":\"1\",\"eventId\":\"\(rng.uuid())\",\"eventType\":\"\(type)\",\"userSub\":\"\(user.sub)\","
        s += "\"userName\":\(JSONText.quote(user.username)),\"userPoolId\":\"\(userPoolID)\",\"clientId\":\"\(user.appClient(device: device))\","
        s += "\"creationDate\":\"\(date)\",\"eventResponse\":\"\(response)\",\"riskLevel\":\"\",\"riskDecision\":\"PASS\","
        s += "\"challenges\":[\(response == "InProgress" ? "{\"challengeName\":\"Password\",\"challengeResponse\":\"Success\"}" : "")],"
        s += "\"deviceName\":\"Chrome 126, Windows 10\",\"ipAddress\":\"198.51.100.\(user.number % 250)\","
        s += "\"requestId\":\"\(rng.uuid())\",\"idpName\":\"\(user.federated ? "Google" : "")\","
        s += "\"compromisedCredentialDetected\":\"false\",\"city\":\"\(city)\",\"country\":\"\(user.countryName)\","
        s += "\"eventFeedbackValue\":\"\",\"eventFeedbackDate\":\"\",\"eventFeedbackProvider\":\"\",\"hasContextData\":\"true\"},"
        s += "\"logSourceId\":{\"userPoolId\":\"\(userPoolID)\"}}"
        return s
    }
}

extension ISOTime {
    static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Java's `Date.toString()` in UTC: `Wed Jul 17 17:25:55 UTC 2024`.
    static func javaDate(millis: Int64) -> String {
        let iso = Array(string(millis: millis))  // YYYY-MM-DDTHH:MM:SS.mmmZ
        let day = Day(index: Int32((millis >= 0 ? millis : millis - 86_399_999) / 86_400_000))
        let weekday = weekdays[((Int(day.index) % 7) + 7) % 7]
        let (year, month, d) = day.civil
        let dd = d < 10 ? "0\(d)" : "\(d)"
        return "\(weekday) \(months[month - 1]) \(dd) \(String(iso[11..<19])) UTC \(year)"
    }
}
