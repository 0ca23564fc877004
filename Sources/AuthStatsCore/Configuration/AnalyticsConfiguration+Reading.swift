import Foundation

extension AnalyticsConfiguration {
    /// Reads one client configuration file's content (`name` is how findings name it).
    ///
    /// It holds JSON values back to back, or one; each is one of:
    /// - `aws cognito-idp describe-user-pool-client` output, `{"UserPoolClient": {…}}`;
    /// - `aws cognito-idp list-user-pool-clients` output, `{"UserPoolClients": [{ClientId,
    ///   ClientName, UserPoolId}, …]}`: ids and names only, so each client is unconfigured
    ///   unless a describe output of it is read too;
    /// - a bare `UserPoolClientType` object (`--query UserPoolClient`), with a `ClientId`;
    /// - a JSON array of any of these.
    ///
    /// - Returns: what is wrong with the file itself (not JSON from some byte on, a value of
    ///   none of these shapes, an entry without a `ClientId`); everything readable is added.
    public mutating func load(_ data: [UInt8], name: String) -> [ConfigurationFinding] {
        let (values, damage) = JSONDocuments.read(data)
        var findings: [ConfigurationFinding] = []
        var document = 0
        func take(_ value: Any, nested: Bool) {
            document += 1
            let source = AppClient.Source(file: name, document: document)
            if let array = value as? [Any], !nested {
                document -= 1
                for element in array { take(element, nested: true) }
                return
            }
            guard let object = value as? [String: Any] else {
                return findings.append(Self.unknown(source, "a JSON \(Self.kind(of: value)), not an object"))
            }
            if let client = object["UserPoolClient"] as? [String: Any] {
                readClient(client, source: source, findings: &findings)
            } else if let page = object["UserPoolClients"] as? [Any] {
                for entry in page {
                    guard let entry = entry as? [String: Any] else {
                        findings.append(Self.unknown(source, "an element of UserPoolClients that is not an object"))
                        continue
                    }
                    var listed = source
                    listed.isListPage = true
                    readClient(entry, source: listed, findings: &findings)
                }
            } else if object["ClientId"] != nil {
                readClient(object, source: source, findings: &findings)
            } else {
                findings.append(
                    Self.unknown(
                        source,
                        "not describe-user-pool-client or list-user-pool-clients output (no UserPoolClient, "
                            + "UserPoolClients or ClientId)"))
            }
        }
        for value in values { take(value, nested: false) }
        if let damage { findings.append(.invalidJSON(damage, file: name, documentsBefore: values.count)) }
        return findings
    }

    /// One `UserPoolClientType` object.
    private mutating func readClient(_ object: [String: Any], source: AppClient.Source, findings: inout [ConfigurationFinding]) {
        guard let id = object.stringMember("ClientId"), !id.isEmpty else {
            findings.append(
                ConfigurationFinding(.clientID, file: source.file, message: "document \(source.document): an app client without a ClientId"))
            return
        }
        var analytics: AnalyticsSettings?
        var unreadable = false
        if let settings = object["AnalyticsConfiguration"] as? [String: Any] {
            let shared = settings["UserDataShared"]
            if let shared, !(shared is NSNull), !JSONDocuments.isBoolean(shared) {
                findings.append(
                    Self.unknown(
                        source,
                        "the UserDataShared of client \(id) is \(settings.stringMember("UserDataShared") ?? ""), "
                            + "\(Self.kind(of: shared) == "string" ? "a string" : "a number"), not true or false: taken as false"))
            }
            analytics = AnalyticsSettings(
                applicationID: settings.stringMember("ApplicationId"), applicationARN: settings.stringMember("ApplicationArn"),
                roleARN: settings.stringMember("RoleArn"), externalID: settings.stringMember("ExternalId"),
                userDataShared: JSONDocuments.boolean(shared) ?? false)
        } else if let value = object["AnalyticsConfiguration"], !(value is NSNull) {
            // Not an object (a hand-edited file): said, not taken for a client without analytics
            // (a warning only, until 2026-12-05).
            findings.append(
                Self.unknown(source, "the AnalyticsConfiguration of client \(id) is \(Self.kind(of: value)), not an object: not read"))
            unreadable = true
        }
        var client = AppClient(
            clientID: id, name: object.stringMember("ClientName"), userPoolID: object.stringMember("UserPoolId"),
            analytics: analytics, source: source)
        client.analyticsUnreadable = unreadable
        add(client)
    }

    static func unknown(_ source: AppClient.Source, _ what: String) -> ConfigurationFinding {
        ConfigurationFinding(.unknownDocument, file: source.file, message: "document \(source.document): \(what)")
    }

    /// "object", "array", "string", "null" or "number or boolean", for messages.
    static func kind(of value: Any) -> String {
        switch value {
        case is [String: Any]: "object"
        case is [Any]: "array"
        case is String: "string"
        case is NSNull: "null"
        default: "number or boolean"
        }
    }
}
