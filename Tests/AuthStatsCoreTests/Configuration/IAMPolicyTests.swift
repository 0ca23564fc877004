import Foundation
import Testing

@testable import AuthStatsCore

@Suite("IAM policies: trust of cognito-idp.amazonaws.com, mobiletargeting permissions")
struct IAMPolicyTests {
    typealias F = ConfigurationFixtures
    static let service = ConfigurationCheck.cognitoService
    static let resource = "arn:aws:mobiletargeting:eu-west-1:111122223333:apps/\(ConfigurationFixtures.projectA)"

    func policy(_ document: Any) throws -> IAMPolicy { try IAMPolicy(document: document) }

    func decision(_ document: Any, _ action: String = "mobiletargeting:PutEvents", resource: String = resource) throws -> IAMPolicy.Decision {
        IAMPolicy.decision([("p", try policy(document))], action: action, resource: resource)
    }

    @Test("the trust policy of Cognito's guide lets the service in; Service and Action as a string or a list")
    func trusted() throws {
        #expect(try policy(F.trust()).trust(service: Self.service, externalID: nil) == .allowed)
        #expect(try policy(F.trust(service: ["lambda.amazonaws.com", Self.service], action: ["sts:AssumeRole", "sts:TagSession"])).trust(service: Self.service, externalID: nil) == .allowed)
        #expect(try policy(F.trust(action: "sts:*")).trust(service: Self.service, externalID: "any") == .allowed)
    }

    @Test("a trust policy without the principal, or without sts:AssumeRole, does not")
    func missingPrincipal() throws {
        #expect(try policy(F.trust(service: "pinpoint.amazonaws.com")).trust(service: Self.service, externalID: nil) == .notTrusted)
        #expect(try policy(F.trust(action: "sts:AssumeRoleWithWebIdentity")).trust(service: Self.service, externalID: nil) == .notTrusted)
        let aws: [String: Any] = ["Statement": ["Effect": "Allow", "Principal": ["AWS": "arn:aws:iam::111122223333:root"], "Action": "sts:AssumeRole"]]
        #expect(try policy(aws).trust(service: Self.service, externalID: nil) == .notTrusted)
    }

    @Test("Principal \"*\" and {\"AWS\": \"*\"} let everyone in")
    func everyone() throws {
        for principal in ["*", ["AWS": "*"]] as [Any] {
            let document: [String: Any] = ["Statement": [["Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"]]]
            #expect(try policy(document).trust(service: Self.service, externalID: nil) == .allowed)
        }
    }

    @Test("an external id required by the trust policy must match the client's")
    func externalID() throws {
        let trust = try policy(F.trust(externalID: "ext-1"))
        #expect(trust.trust(service: Self.service, externalID: "ext-1") == .allowed)
        #expect(trust.trust(service: Self.service, externalID: "ext-2") == .externalIDMismatch(required: ["ext-1"]))
        #expect(trust.trust(service: Self.service, externalID: nil) == .externalIDMismatch(required: ["ext-1"]))
        // The key is case-insensitive; StringLike takes patterns; a list of values means any.
        let like: [String: Any] = [
            "Statement": [
                "Effect": "Allow", "Principal": ["Service": Self.service], "Action": "sts:AssumeRole",
                "Condition": ["StringLike": ["STS:EXTERNALID": ["team-*", "other"]]],
            ]
        ]
        #expect(try policy(like).trust(service: Self.service, externalID: "team-42") == .allowed)
        #expect(try policy(like).trust(service: Self.service, externalID: "x") == .externalIDMismatch(required: ["other", "team-*"]))
    }

    @Test("a client's external id is fine when the trust policy requires none")
    func externalIDNotRequired() throws {
        #expect(try policy(F.trust()).trust(service: Self.service, externalID: "ext-1") == .allowed)
    }

    @Test("a Deny in the trust policy wins")
    func trustDeny() throws {
        var document = F.trust()
        document["Statement"] = (document["Statement"] as! [Any]) + [["Sid": "NoCognito", "Effect": "Deny", "Principal": ["Service": Self.service], "Action": "sts:*"]]
        #expect(try policy(document).trust(service: Self.service, externalID: nil) == .denied(statement: "statement NoCognito"))
    }

    @Test("a trust Deny applies only when its conditions are met: sts:ExternalId evaluated (StringNotEquals too), any other condition not, so it never fails a role that works")
    func trustDenyConditions() throws {
        func with(_ deny: [String: Any]) throws -> IAMPolicy {
            var document = F.trust()
            var statement: [String: Any] = ["Sid": "D", "Effect": "Deny", "Principal": ["Service": Self.service], "Action": "sts:AssumeRole"]
            statement["Condition"] = deny
            document["Statement"] = (document["Statement"] as! [Any]) + [statement]
            return try policy(document)
        }
        let notExt = try with(["StringNotEquals": ["sts:ExternalId": "ext"]])
        #expect(notExt.trust(service: Self.service, externalID: "ext") == .allowed)
        #expect(notExt.trust(service: Self.service, externalID: "other") == .denied(statement: "statement D"))
        #expect(notExt.trust(service: Self.service, externalID: nil) == .denied(statement: "statement D"))  // an absent key: StringNotEquals is true
        let notLike = try with(["StringNotLike": ["sts:ExternalId": "ex*"]])
        #expect(notLike.trust(service: Self.service, externalID: "ext") == .allowed)
        #expect(notLike.trust(service: Self.service, externalID: "zzz") == .denied(statement: "statement D"))
        // Not evaluated (the request's account, transport): the Deny is not counted.
        for condition: [String: Any] in [
            ["StringNotEquals": ["aws:SourceAccount": "111122223333"]], ["Bool": ["aws:SecureTransport": "false"]],
            ["StringEquals": ["sts:ExternalId": "other", "aws:SourceArn": "arn:x"]],
        ] {
            #expect(try with(condition).trust(service: Self.service, externalID: "ext") == .allowed, "\(condition)")
        }
        // An Allow that requires the id not to be something: met by any other id.
        var document = F.trust()
        document["Statement"] = [["Effect": "Allow", "Principal": ["Service": Self.service], "Action": "sts:AssumeRole",
                                  "Condition": ["StringNotEquals": ["sts:ExternalId": "bad"]]]]
        #expect(try policy(document).trust(service: Self.service, externalID: "ext") == .allowed)
        #expect(try policy(document).trust(service: Self.service, externalID: "bad") == .externalIDMismatch(required: []))
    }

    @Test("a URL-encoded document, as the IAM API returns it, and a JSON string")
    func encodedDocument() throws {
        let json = F.json(F.trust(externalID: "ext 1"))
        let encoded = json.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        #expect(encoded.hasPrefix("%7B"))
        #expect(try policy(encoded).trust(service: Self.service, externalID: "ext 1") == .allowed)
        #expect(try policy(json).trust(service: Self.service, externalID: "ext 1") == .allowed)
    }

    @Test("documents that are not policies", arguments: ["not a policy", "%7B%22no%22", "[]"])
    func notPolicies(text: String) {
        #expect(throws: IAMPolicy.Failure.self) { try IAMPolicy(document: text) }
    }

    @Test("policies without statements or with a bad Effect")
    func badStatements() {
        #expect(throws: IAMPolicy.Failure.self) { try IAMPolicy(document: ["Version": "2012-10-17"]) }
        #expect(throws: IAMPolicy.Failure.self) { try IAMPolicy(document: ["Statement": [["Effect": "Maybe", "Action": "*"]]]) }
        #expect(throws: IAMPolicy.Failure.self) { try IAMPolicy(document: ["Statement": ["not an object"]]) }
    }

    @Test("the guide's permission policy allows both actions on its project, not on another")
    func permissions() throws {
        for action in ConfigurationCheck.requiredActions {
            #expect(try decision(F.permissions(), action) == .allowed)
        }
        #expect(try decision(F.permissions(), "mobiletargeting:DeleteApp") == .notAllowed)
        let other = "arn:aws:mobiletargeting:eu-west-1:111122223333:apps/\(F.projectB)"
        #expect(try decision(F.permissions(), resource: other) == .notAllowed)
        let otherAccount = "arn:aws:mobiletargeting:eu-west-1:444455556666:apps/\(F.projectA)"
        #expect(try decision(F.permissions(), resource: otherAccount) == .notAllowed)
    }

    @Test(
        "wildcards: *, mobiletargeting:*, actions in any case, ARN patterns with * and ?",
        arguments: [
            ("*", "*", true), ("mobiletargeting:*", "*", true), ("MobileTargeting:putevents", "*", true),
            ("mobiletargeting:Put*", "arn:aws:mobiletargeting:*:*:apps/*", true),
            ("mobiletargeting:PutEvent?", "arn:aws:mobiletargeting:eu-west-?:111122223333:apps/0123456789abcdef0123456789abcde?", true),
            ("mobiletargeting:Update*", "*", false), ("mobiletargeting:PutEvents", "arn:aws:mobiletargeting:us-east-1:*:apps/*", false),
            ("mobiletargeting:PutEvents", "arn:aws:mobiletargeting:eu-west-1:111122223333:apps/0123456789ABCDEF0123456789ABCDEF", false),
            ("s3:*", "*", false),
        ])
    func wildcards(action: String, resource: String, allowed: Bool) throws {
        let document: [String: Any] = ["Statement": ["Effect": "Allow", "Action": action, "Resource": resource]]
        #expect(try decision(document) == (allowed ? .allowed : .notAllowed))
    }

    @Test("an explicit Deny wins over any Allow, in any policy of the role")
    func denyWins() throws {
        let allow = try policy(["Statement": [["Effect": "Allow", "Action": "*", "Resource": "*"]]])
        let deny = try policy(["Statement": ["Sid": "NoEvents", "Effect": "Deny", "Action": ["mobiletargeting:PutEvents"], "Resource": "*"]])
        #expect(
            IAMPolicy.decision([("managed", allow), ("inline", deny)], action: "mobiletargeting:PutEvents", resource: Self.resource)
                == .denied(policy: "inline", statement: "statement NoEvents"))
        #expect(IAMPolicy.decision([("managed", allow), ("inline", deny)], action: "mobiletargeting:UpdateEndpoint", resource: Self.resource) == .allowed)
    }

    @Test("a permission Deny with a condition (region, transport: not evaluated) is not counted; an Allow's condition counts as met")
    func permissionDenyConditions() throws {
        let allow = try policy(["Statement": [["Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*", "Condition": ["Bool": ["aws:SecureTransport": "true"]]]]])
        for condition: [String: Any] in [
            ["StringNotEquals": ["aws:RequestedRegion": ["us-east-1", "eu-west-1"]]], ["Bool": ["aws:SecureTransport": "false"]],
        ] {
            let deny = try policy(["Statement": [["Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition]]])
            #expect(IAMPolicy.decision([("a", allow), ("d", deny)], action: "mobiletargeting:PutEvents", resource: Self.resource) == .allowed, "\(condition)")
        }
        let plain = try policy(["Statement": [["Sid": "D", "Effect": "Deny", "Action": "*", "Resource": "*"]]])
        #expect(IAMPolicy.decision([("a", allow), ("d", plain)], action: "mobiletargeting:PutEvents", resource: Self.resource) == .denied(policy: "d", statement: "statement D"))
    }

    @Test("NotAction and NotResource")
    func notLists() throws {
        let notAction: [String: Any] = ["Statement": ["Effect": "Allow", "NotAction": "iam:*", "Resource": "*"]]
        #expect(try decision(notAction) == .allowed)
        let notResource: [String: Any] = ["Statement": ["Effect": "Deny", "Action": "*", "NotResource": "arn:aws:mobiletargeting:*:*:apps/\(F.projectB)*"]]
        #expect(IAMPolicy.decision([("a", try policy(["Statement": ["Effect": "Allow", "Action": "*", "Resource": "*"]])), ("d", try policy(notResource))], action: "mobiletargeting:PutEvents", resource: Self.resource) == .denied(policy: "d", statement: "statement 1"))
    }

    @Test("a statement IAM would not save is refused, named: NotPrincipal, or an element with its Not form")
    func refusedStatements() throws {
        let cases: [([String: Any], String)] = [
            (["Sid": "Both", "Effect": "Allow", "Action": "mobiletargeting:*", "NotAction": "iam:*", "Resource": "*"],
             "statement Both: both Action and NotAction (IAM accepts one of them in a statement)"),
            (["Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "arn:aws:iam::*"],
             "statement 1: both Resource and NotResource (IAM accepts one of them in a statement)"),
            (["Effect": "Allow", "Action": "sts:AssumeRole", "Principal": ["Service": "cognito-idp.amazonaws.com"], "NotPrincipal": ["AWS": "*"]],
             "statement 1: both Principal and NotPrincipal (IAM accepts one of them in a statement)"),
            (["Effect": "Allow", "Action": "sts:AssumeRole", "NotPrincipal": ["Service": "ec2.amazonaws.com"]],
             "statement 1: NotPrincipal (IAM accepts it in neither a role's trust policy nor its permission policies)"),
        ]
        // A permission policy names no principal; a trust policy does.
        let withPrincipal: [String: Any] = ["Statement": ["Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*", "Principal": "*"]]
        #expect(throws: IAMPolicy.Failure.self) { try IAMPolicy(document: withPrincipal, permissions: true) }
        #expect((try? IAMPolicy(document: withPrincipal)) != nil)
        for (statement, message) in cases {
            let failure = #expect(throws: IAMPolicy.Failure.self) { try IAMPolicy(document: ["Statement": [statement]]) }
            #expect(failure?.description == message)
        }
    }

    @Test(
        "the wildcard matcher",
        arguments: [
            ("*", "", true), ("a*", "a", true), ("a*c", "abbbc", true), ("a*c", "abbb", false), ("a?c", "abc", true), ("a?c", "ac", false),
            ("*b*", "abc", true), ("**", "x", true), ("a*b*c", "aXbYbZc", true), ("abc", "abcd", false), ("", "", true), ("", "a", false),
        ])
    func wildcardMatcher(pattern: String, text: String, matches: Bool) {
        #expect(Wildcard.matches(pattern, text, caseInsensitive: false) == matches)
        // Without colons, a resource's matching is the same.
        #expect(Wildcard.matches(pattern, text, caseInsensitive: false, arnSegments: true) == matches)
    }

    /// IAM's "Resource" element: a `*` inside an ARN segment stays in it; one that ends its
    /// segment may run past colons.
    @Test(
        "a resource's * crosses a colon only at the end of its segment",
        arguments: [
            ("arn:aws:mobiletargeting:us*1:apps/*", "arn:aws:mobiletargeting:us-east-1:111122223331:apps/p", false, true),
            ("arn:aws:mobiletargeting:us*1:*:apps/*", "arn:aws:mobiletargeting:us-east-1:111122223331:apps/p", true, true),
            ("arn:aws:mobiletargeting:*", "arn:aws:mobiletargeting:us-east-1:111122223331:apps/p/events", true, true),
            ("arn:aws:mobiletargeting:us-east-*:apps/*", "arn:aws:mobiletargeting:us-east-1:111122223331:apps/p", true, true),
            ("arn:aws:mobiletargeting:*:*:apps/p/*", "arn:aws:mobiletargeting:us-east-1:111122223331:apps/p/events", true, true),
            ("a*b:c", "ax:yb:c", false, true), ("a*:c", "ax:yb:c", true, true),
        ])
    func arnWildcards(pattern: String, text: String, asResource: Bool, plain: Bool) {
        #expect(Wildcard.matches(pattern, text, caseInsensitive: false, arnSegments: true) == asResource)
        #expect(Wildcard.matches(pattern, text, caseInsensitive: false) == plain)
    }
}
