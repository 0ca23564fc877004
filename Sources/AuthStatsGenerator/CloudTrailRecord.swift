import AuthStatsCore

/// CloudTrail records of the user pool's API calls (`docs/inputs.md` "CloudTrail"), and of other services
/// logged by the same trail.
enum CloudTrailRecord {
    static let account = "111122223333"
    static let region = "eu-west-1"

    /// The records a simulated event leaves in CloudTrail (none for app events).
    static func records(_ event: SimulatedEvent, user: GeneratedUser, rng: inout SplitMix64) -> [(Int64, String)] {
        let client = user.appClient(device: event.device)
        var out: [(Int64, String)] = []
        func add(_ t: Int64, _ body: String) { out.append((t, body)) }
        switch event.action {
        case .signUp:
            add(event.time, apiCall("SignUp", at: event.time, client: client, sub: nil,
                                    request: "{\"clientId\":\"\(client)\",\"username\":\"HIDDEN_DUE_TO_SECURITY_REASONS\",\"userAttributes\":\"HIDDEN_DUE_TO_SECURITY_REASONS\"}",
                                    response: "{\"userConfirmed\":false,\"userSub\":\"\(user.sub)\"}", rng: &rng))
            add(event.time + 40_000, apiCall("ConfirmSignUp", at: event.time + 40_000, client: client, sub: user.sub,
                                             request: "{\"clientId\":\"\(client)\",\"username\":\"HIDDEN_DUE_TO_SECURITY_REASONS\"}",
                                             response: "null", rng: &rng))
        case .signIn:
            if user.federated {
                // Hosted UI (Google): not an API sign-in, so not counted as one.
                add(event.time - 800, hostedUI("OAuth2_Authorize_GET", at: event.time - 800, client: client, rng: &rng))
                add(event.time, hostedUI("Token_POST", at: event.time, client: client, rng: &rng))
            } else {
                // SRP: a challenge step, then the answer that returns tokens.
                add(event.time - 900, apiCall("InitiateAuth", at: event.time - 900, client: client, sub: user.sub,
                                              request: "{\"authFlow\":\"USER_SRP_AUTH\",\"authParameters\":\"HIDDEN_DUE_TO_SECURITY_REASONS\",\"clientId\":\"\(client)\"}",
                                              response: "{\"challengeName\":\"PASSWORD_VERIFIER\",\"challengeParameters\":{\"USER_ID_FOR_SRP\":\"HIDDEN_DUE_TO_SECURITY_REASONS\"}}", rng: &rng))
                add(event.time, apiCall("RespondToAuthChallenge", at: event.time, client: client, sub: user.sub,
                                        request: "{\"challengeName\":\"PASSWORD_VERIFIER\",\"clientId\":\"\(client)\",\"challengeResponses\":\"HIDDEN_DUE_TO_SECURITY_REASONS\"}",
                                        response: "{\"authenticationResult\":{\"accessToken\":\"HIDDEN_DUE_TO_SECURITY_REASONS\",\"expiresIn\":3600,\"tokenType\":\"Bearer\"},\"challengeParameters\":{}}",
                                        rng: &rng))
            }
        case .authFailure:
            let unknownUser = rng.chance(0.1)
            add(event.time, apiCall("InitiateAuth", at: event.time, client: client, sub: unknownUser ? nil : user.sub,
                                    request: "{\"authFlow\":\"USER_PASSWORD_AUTH\",\"authParameters\":\"HIDDEN_DUE_TO_SECURITY_REASONS\",\"clientId\":\"\(client)\"}",
                                    response: "null", error: unknownUser ? ("UserNotFoundException", "User does not exist.") : ("NotAuthorizedException", "Incorrect username or password."),
                                    rng: &rng))
        case .forgotPassword:
            add(event.time, apiCall("ForgotPassword", at: event.time, client: client, sub: user.sub,
                                    request: "{\"clientId\":\"\(client)\",\"username\":\"HIDDEN_DUE_TO_SECURITY_REASONS\"}",
                                    response: "{\"codeDeliveryDetails\":{\"attributeName\":\"email\",\"deliveryMedium\":\"EMAIL\",\"destination\":\"HIDDEN_DUE_TO_SECURITY_REASONS\"}}", rng: &rng))
        default: break
        }
        return out
    }

    static func apiCall(
        _ name: String, at time: Int64, client: String, sub: String?, request: String, response: String,
        error: (String, String)? = nil, rng: inout SplitMix64
    ) -> String {
        var s = head(
            identity: "{\"type\":\"Unknown\",\"principalId\":\"Anonymous\"}", at: time, source: "cognito-idp.amazonaws.com",
            name: name, address: "198.51.100.7", agent: "aws-sdk-js/3.0")
        if let (code, message) = error {
            s += "\"errorCode\":\"\(code)\",\"errorMessage\":\"\(message)\","
        } else if rng.chance(0.2) {
            s += "\"errorCode\":\"\","  // seen on real records: an empty code is success
        }
        s += "\"requestParameters\":\(request),\"responseElements\":\(response),"
        s += sub.map { "\"additionalEventData\":{\"sub\":\"\($0)\"}," } ?? ""
        return s + tail(readOnly: false, type: "AwsApiCall", rng: &rng)
    }

    /// The fields every record here starts with.
    static func head(identity: String, at time: Int64, source: String, name: String, address: String, agent: String) -> String {
        "{\"eventVersion\":\"1.08\",\"userIdentity\":\(identity),"
            + "\"eventTime\":\"\(ISOTime.seconds(millis: time))\",\"eventSource\":\"\(source)\",\"eventName\":\"\(name)\","
            + "\"awsRegion\":\"\(region)\",\"sourceIPAddress\":\"\(address)\",\"userAgent\":\"\(agent)\","
    }

    /// The fields every record here ends with: new request and event ids, and `extra`
    /// members before the category.
    static func tail(readOnly: Bool, type: String, extra: String = "", rng: inout SplitMix64) -> String {
        "\"requestID\":\"\(rng.uuid())\",\"eventID\":\"\(rng.uuid())\",\"readOnly\":\(readOnly),\"eventType\":\"\(type)\","
            + "\"managementEvent\":true,\"recipientAccountId\":\"\(account)\",\(extra)\"eventCategory\":\"Management\"}"
    }

    static func hostedUI(_ name: String, at time: Int64, client: String, rng: inout SplitMix64) -> String {
        var s = head(
            identity: "{\"accountId\":\"\(account)\"}", at: time, source: "cognito-idp.amazonaws.com", name: name,
            address: "203.0.113.51", agent: "Mozilla/5.0")
        s += "\"requestParameters\":null,\"responseElements\":null,\"additionalEventData\":{\"responseParameters\":{\"status\":302},"
        s += "\"requestParameters\":{\"client_id\":[\"\(client)\"],\"response_type\":[\"code\"],\"redirect_uri\":[\"https://app.example.com/cb\"]},"
        s += "\"userPoolDomain\":\"example.auth.\(region).amazoncognito.com\",\"userPoolId\":\"\(ActivityRecord.userPoolID)\"},"
        return s + tail(
            readOnly: false, type: "AwsServiceEvent", extra: "\"serviceEventDetails\":{\"serviceAccountId\":\"444455556666\"},",
            rng: &rng)
    }

    /// A record of another AWS service in the same trail (skipped by authstats).
    static func foreign(at time: Int64, rng: inout SplitMix64) -> String {
        let (source, name) = [("s3.amazonaws.com", "GetBucketAcl"), ("sts.amazonaws.com", "AssumeRole"), ("kms.amazonaws.com", "Decrypt")][Int(rng.next() % 3)]
        return head(
            identity: "{\"type\":\"AWSService\",\"invokedBy\":\"cloudtrail.amazonaws.com\"}", at: time, source: source, name: name,
            address: "cloudtrail.amazonaws.com", agent: "cloudtrail.amazonaws.com")
            + "\"requestParameters\":{\"bucketName\":\"trail-bucket\"},\"responseElements\":null,"
            + tail(readOnly: true, type: "AwsApiCall", rng: &rng)
    }

    /// The day's CloudTrail digest file (skipped by authstats).
    static func digest(day: Day) -> String {
        "{\"awsAccountId\":\"\(account)\",\"digestStartTime\":\"\(day)T00:00:00Z\",\"digestEndTime\":\"\(day)T01:00:00Z\","
            + "\"digestS3Bucket\":\"trail-bucket\",\"digestS3Object\":\"AWSLogs/\(account)/CloudTrail-Digest/\(region)/digest.json.gz\","
            + "\"newestEventTime\":\"\(day)T00:59:00Z\",\"oldestEventTime\":\"\(day)T00:01:00Z\",\"previousDigestSignature\":\"00ab\","
            + "\"digestPublicKeyFingerprint\":\"0123abcd\",\"digestSignatureAlgorithm\":\"SHA256withRSA\",\"logFiles\":[]}"
    }
}

extension ISOTime {
    /// `2024-05-02T07:57:09Z`: CloudTrail's eventTime, whole seconds.
    static func seconds(millis: Int64) -> String {
        let iso = string(millis: millis)
        return String(iso.prefix(19)) + "Z"
    }
}
