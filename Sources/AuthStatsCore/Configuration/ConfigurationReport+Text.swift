extension ConfigurationReport {
    /// The text form: a line per app client, a table per project, the findings, and a total.
    ///
    /// Every value read from the files goes through `DisplayPath.text`, so a client name
    /// holding control characters cannot move the terminal's cursor.
    public func writeText(to out: inout some TextOutputStream) {
        out.write("app clients: \(clients.count)\n")
        var rows = [["client", "name", "user pool", "project", "region", "role", "user data"]]
        for client in clients {
            let settings = client.analytics
            let configured = settings?.namesProject == true
            rows.append([
                client.clientID, client.name ?? "-", client.userPoolID ?? "-",
                configured ? settings?.writtenProjectID ?? settings?.applicationARN ?? "-" : "(unconfigured)",
                configured ? settings?.projectRegion ?? "-" : "-",
                configured ? Self.roleLabel(settings!) : "-",
                configured ? (settings!.userDataShared ? "shared" : "not shared") : "-",
            ])
        }
        Self.writeTable(rows, to: &out)
        for entry in projects {
            let count = entry.clients.count
            out.write("\nproject \(entry.project.id) (\(entry.project.region ?? "region unknown")): \(count) client\(count == 1 ? "" : "s")\n")
            var table = [["client", "name", "user pool", "user data"]]
            for client in entry.clients {
                table.append([
                    client.clientID, client.name ?? "-", client.userPoolID ?? "-",
                    client.analytics?.userDataShared == true ? "shared" : "not shared",
                ])
            }
            Self.writeTable(table, to: &out)
        }
        out.write("\n")
        if !rolesChecked { out.write("roles: not checked (no --iam files)\n") }
        for finding in findings { out.write(Self.line(finding) + "\n") }
        let total = "\(Self.count(errors, "error")), \(Self.count(warnings, "warning"))"
        out.write("check-config: \(total)\(strict ? " (--strict: warnings count as errors)" : "")\n")
    }

    /// `error: client ID (NAME), FIELD: MESSAGE [code]`, or with `project ID` or `FILE` for
    /// findings about a project or a file.
    static func line(_ finding: ConfigurationFinding) -> String {
        var subject: [String] = []
        if let id = finding.clientID {
            subject.append("client \(DisplayPath.text(id))" + (finding.clientName.map { " (\(DisplayPath.text($0)))" } ?? ""))
        } else if let project = finding.projectID {
            subject.append("project \(project)")
        }
        if let file = finding.file { subject.append(DisplayPath.text(file)) }
        if let field = finding.field { subject.append(field) }
        let place = subject.isEmpty ? "" : subject.joined(separator: ", ") + ": "
        return "\(finding.severity.rawValue): \(place)\(DisplayPath.text(finding.message)) [\(finding.code.rawValue)]"
    }

    /// The role column: the role's name; the `RoleArn` as written when it is not a role ARN;
    /// without one, `(service-linked)` for an `ApplicationArn` (Cognito then uses its own
    /// role), else `(none)`.
    static func roleLabel(_ settings: AnalyticsSettings) -> String {
        guard let text = settings.roleARN else { return settings.applicationARN != nil ? "(service-linked)" : "(none)" }
        return IAMRoleARN(text)?.name ?? text
    }

    static func count(_ n: Int, _ noun: String) -> String {
        n == 0 ? "no \(noun)s" : "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    /// Rows as columns padded to their widest cell, indented by two spaces.
    static func writeTable(_ rows: [[String]], to out: inout some TextOutputStream) {
        let cells = rows.map { $0.map { DisplayPath.text($0) } }
        var widths = [Int](repeating: 0, count: cells.map(\.count).max() ?? 0)
        for row in cells {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        for row in cells {
            var line = "  " + row.enumerated().map { column, cell in cell + String(repeating: " ", count: widths[column] - cell.count) }
                .joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            out.write(line + "\n")
        }
    }
}
