extension ConfigurationReport {
    /// The schema of `--format json`; it goes up when a key changes meaning or goes away.
    public static let schema = "authstats.check-config/1"

    /// The JSON form (`--format json`): one object, the same findings as the text, for
    /// scripts. Every object has all its keys, in alphabetical order (absent values are
    /// `null`), and every list is in the text's order, so two runs print the same bytes.
    public func writeJSON(to out: inout some TextOutputStream) {
        out.write("{\n")
        out.write("  \"clients\": \(Self.list(clients.map(Self.object)))")
        out.write(",\n  \"errors\": \(errors)")
        out.write(",\n  \"exit_status\": \(exitStatus)")
        out.write(",\n  \"findings\": \(Self.list(findings.map(Self.object)))")
        out.write(",\n  \"projects\": \(Self.list(projects.map(Self.object)))")
        out.write(",\n  \"roles_checked\": \(rolesChecked)")
        out.write(",\n  \"schema\": \(JSONText.quote(Self.schema))")
        out.write(",\n  \"strict\": \(strict)")
        out.write(",\n  \"warnings\": \(warnings)")
        out.write("\n}\n")
    }

    /// A JSON value written by hand, byte for byte stable.
    enum Value {
        case text(String?)
        case integer(Int)
        case boolean(Bool?)
        case texts([String])
        case objects([String])

        var json: String {
            switch self {
            case .text(let text): text.map(JSONText.quote) ?? "null"
            case .integer(let n): String(n)
            case .boolean(let b): b.map { $0 ? "true" : "false" } ?? "null"
            case .texts(let texts): "[" + texts.map(JSONText.quote).joined(separator: ", ") + "]"
            case .objects(let objects): "[" + objects.joined(separator: ", ") + "]"
            }
        }
    }

    /// `{"key": value, …}` on one line, keys sorted.
    static func object(_ members: [(String, Value)]) -> String {
        "{" + members.sorted { $0.0 < $1.0 }.map { "\(JSONText.quote($0.0)): \($0.1.json)" }.joined(separator: ", ") + "}"
    }

    /// A list with one element per line.
    static func list(_ elements: [String]) -> String {
        elements.isEmpty ? "[]" : "[\n    " + elements.joined(separator: ",\n    ") + "\n  ]"
    }

    static func object(_ client: AppClient) -> String {
        let settings = client.analytics
        return object([
            ("analytics", .boolean(settings?.namesProject == true)),
            ("application_arn", .text(settings?.applicationARN)),
            ("application_id", .text(settings?.applicationID)),
            ("client_id", .text(client.clientID)),
            ("client_name", .text(client.name)),
            ("document", .integer(client.source.document)),
            ("external_id", .text(settings?.externalID)),
            ("file", .text(client.source.file)),
            ("pool_region", .text(client.poolRegion)),
            ("project_id", .text(settings?.project?.id)),
            ("project_region", .text(settings?.projectRegion)),
            ("role_arn", .text(settings?.roleARN)),
            ("user_data_shared", .boolean(settings.map(\.userDataShared))),
            ("user_pool_id", .text(client.userPoolID)),
        ])
    }

    static func object(_ finding: ConfigurationFinding) -> String {
        object([
            ("client_id", .text(finding.clientID)),
            ("client_name", .text(finding.clientName)),
            ("code", .text(finding.code.rawValue)),
            ("field", .text(finding.field)),
            ("file", .text(finding.file)),
            ("message", .text(finding.message)),
            ("project_id", .text(finding.projectID)),
            ("severity", .text(finding.severity.rawValue)),
        ])
    }

    static func object(_ entry: ProjectEntry) -> String {
        let pools = Set(entry.clients.compactMap(\.userPoolID)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return object([
            (
                "clients",
                .objects(
                    entry.clients.map { client in
                        object([
                            ("client_id", .text(client.clientID)),
                            ("client_name", .text(client.name)),
                            ("user_data_shared", .boolean(client.analytics?.userDataShared == true)),
                            ("user_pool_id", .text(client.userPoolID)),
                        ])
                    })
            ),
            ("project_id", .text(entry.project.id)),
            ("region", .text(entry.project.region)),
            ("user_pools", .texts(pools)),
        ])
    }
}
