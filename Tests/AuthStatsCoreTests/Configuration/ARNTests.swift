import Testing

@testable import AuthStatsCore

@Suite("ARNs: Pinpoint project and IAM role ARNs, any partition")
struct ARNTests {
    @Test(
        "a Pinpoint project ARN in any partition",
        arguments: [
            ("arn:aws:mobiletargeting:eu-west-1:111122223333:apps/0123456789abcdef0123456789abcdef", "aws", "eu-west-1"),
            ("arn:aws-cn:mobiletargeting:cn-north-1:111122223333:apps/0123456789abcdef0123456789abcdef", "aws-cn", "cn-north-1"),
            ("arn:aws-us-gov:mobiletargeting:us-gov-west-1:111122223333:apps/0123456789abcdef0123456789abcdef", "aws-us-gov", "us-gov-west-1"),
        ])
    func projectARN(text: String, partition: String, region: String) throws {
        let arn = try #require(PinpointProjectARN(text))
        #expect(arn.arn.partition == partition)
        #expect(arn.arn.region == region)
        #expect(arn.arn.account == "111122223333")
        #expect(arn.projectID == "0123456789abcdef0123456789abcdef")
        #expect(arn.arn.description == text)
    }

    @Test(
        "what is not a Pinpoint project ARN",
        arguments: [
            "0123456789abcdef0123456789abcdef",  // an id, not an ARN
            "arn:aws:mobiletargeting:eu-west-1:apps/0123456789abcdef0123456789abcdef",  // no account
            "arn:aws:mobiletargeting::111122223333:apps/0123456789abcdef0123456789abcdef",  // no region
            "arn:aws:mobiletargeting:eu-west-1:1111:apps/0123456789abcdef0123456789abcdef",  // short account
            "arn:aws:mobiletargeting:eu-west-1:111122223333:apps/",  // no id
            "arn:aws:mobiletargeting:eu-west-1:111122223333:apps/0123/segments/x",  // a sub-resource
            "arn:aws:mobiletargeting:eu-west-1:111122223333:campaigns/0123",
            "arn:aws:iam::111122223333:role/CognitoPinpoint",  // another service
            "arn:amazon:mobiletargeting:eu-west-1:111122223333:apps/0123",  // not a partition
            "arn:aws-:mobiletargeting:eu-west-1:111122223333:apps/0123",
            "arn:aws:mobiletargeting:EU-WEST-1:111122223333:apps/0123",
        ])
    func notProjectARN(text: String) {
        #expect(PinpointProjectARN(text) == nil)
    }

    @Test("the project id inside an ARN is kept as written: its 32 hex characters are checked apart")
    func projectIDAsWritten() throws {
        #expect(try #require(PinpointProjectARN("arn:aws:mobiletargeting:eu-west-1:111122223333:apps/xyz")).projectID == "xyz")
    }

    @Test(
        "an IAM role ARN, with or without a path, in any partition",
        arguments: [
            ("arn:aws:iam::111122223333:role/CognitoPinpoint", "CognitoPinpoint"),
            ("arn:aws:iam::111122223333:role/service-role/CognitoPinpoint", "CognitoPinpoint"),
            ("arn:aws-cn:iam::111122223333:role/a+b=c,d.e@f_g-h", "a+b=c,d.e@f_g-h"),
            ("arn:aws-us-gov:iam::111122223333:role/Role", "Role"),
        ])
    func roleARN(text: String, name: String) throws {
        let arn = try #require(IAMRoleARN(text))
        #expect(arn.name == name)
        #expect(!arn.isServiceLinked)
    }

    @Test("the service-linked role is known by its name")
    func serviceLinked() throws {
        let arn = try #require(
            IAMRoleARN("arn:aws:iam::111122223333:role/aws-service-role/cognito-idp.amazonaws.com/AWSServiceRoleForAmazonCognitoIdp"))
        #expect(arn.isServiceLinked)
    }

    @Test(
        "what is not an IAM role ARN",
        arguments: [
            "CognitoPinpoint", "arn:aws:iam::111122223333:user/someone", "arn:aws:iam:eu-west-1:111122223333:role/R",
            "arn:aws:iam::111122223333:role/", "arn:aws:iam::111122223333:role/has space", "arn:aws:sts::111122223333:role/R",
            "arn:aws:iam::ACCOUNT:role/R",
        ])
    func notRoleARN(text: String) {
        #expect(IAMRoleARN(text) == nil)
    }

    @Test(
        "a user pool id gives its region",
        arguments: [
            ("eu-west-1_AbCdEf123", "eu-west-1"), ("us-gov-west-1_Abc", "us-gov-west-1"), ("cn-north-1_X1", "cn-north-1"),
            ("AbCdEf123", nil), ("eu-west-1_", nil), ("eu-west_Abc", nil), ("EU-WEST-1_Abc", nil), ("eu-west-1_Ab-c", nil),
        ])
    func poolRegion(id: String, region: String?) {
        #expect(AppClient(clientID: "c", userPoolID: id, source: .init(file: "f", document: 1)).poolRegion == region)
    }

    @Test(
        "a project id is 32 hex characters",
        arguments: [
            ("0123456789abcdef0123456789abcdef", true), ("0123456789ABCDEF0123456789ABCDEF", true),
            ("0123456789abcdef", false), ("0123456789abcdef0123456789abcdeg", false), ("0123456789abcdef0123456789abcdef0", false),
            ("0123456789abcdef0123456789abc\u{FF21}", false),  // 32 bytes, one of them a fullwidth letter
        ])
    func projectID(text: String, valid: Bool) {
        #expect(AppClient.isProjectID(text) == valid)
    }
}
