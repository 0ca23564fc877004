extension IAMPolicy {
    /// What the permission policies of a role say about one action on one resource.
    public enum Decision: Sendable, Hashable {
        /// An `Allow` statement matches and no `Deny` does.
        case allowed
        /// A `Deny` statement matches (it wins over any `Allow`): the policy and statement.
        case denied(policy: String, statement: String)
        /// No statement allows it.
        case notAllowed
    }

    /// Whether a set of permission policies (a role's inline and managed policies together)
    /// allows `action` on `resource`: an explicit `Deny` in any of them wins, else any
    /// `Allow` allows, else it is not allowed (IAM's evaluation within one account, without
    /// boundaries, session policies or SCPs).
    ///
    /// Actions match case-insensitively, resources case-sensitively, both with the `*` and
    /// `?` wildcards (`mobiletargeting:*`, `arn:aws:mobiletargeting:*:111122223333:apps/*`).
    /// Conditions are not evaluated here (they depend on the request): an `Allow`'s count as
    /// met, a `Deny` with any condition as not met (it may never apply to Cognito's calls), so
    /// that a role that works is never failed.
    public static func decision(_ policies: [(name: String, policy: IAMPolicy)], action: String, resource: String) -> Decision {
        var allowed = false
        for (name, policy) in policies {
            for statement in policy.statements
            where statement.actions.matches(action, caseInsensitive: true)
                && statement.resources.matches(resource, caseInsensitive: false, arnSegments: true) {
                if statement.effect == .deny {
                    if statement.otherConditions || !statement.externalIDConditions.isEmpty { continue }
                    return .denied(policy: name, statement: statement.label)
                }
                allowed = true
            }
        }
        return allowed ? .allowed : .notAllowed
    }

    /// What a trust policy says about a service assuming the role.
    public enum TrustDecision: Sendable, Hashable {
        case allowed
        /// A `Deny` statement stops it.
        case denied(statement: String)
        /// Statements would let the service assume the role, but only with an external id
        /// the client does not send: the values (or patterns) they require.
        case externalIDMismatch(required: [String])
        /// No statement lets the service assume the role.
        case notTrusted
    }

    /// Whether this trust policy lets `service` (`cognito-idp.amazonaws.com`) call
    /// `sts:AssumeRole` when the caller passes `externalID` (nil: none).
    ///
    /// A statement applies when its actions match `sts:AssumeRole` and its principals the
    /// service (or `*`); an `sts:ExternalId` condition is met when the external id matches one
    /// of its values (a `Not` one when it matches none). A `Deny` that applies and whose
    /// conditions are met wins; one with conditions that are not evaluated is not counted
    /// (an `Allow`'s count as met): a check never fails a role that works.
    public func trust(service: String, externalID: String?) -> TrustDecision {
        let applying = statements.filter {
            $0.actions.matches("sts:AssumeRole", caseInsensitive: true) && $0.principals.matchesPrincipal(service)
        }
        if let deny = applying.first(where: { $0.effect == .deny && !$0.otherConditions && $0.conditionsMet(externalID: externalID) }) {
            return .denied(statement: deny.label)
        }
        let allows = applying.filter { $0.effect == .allow }
        if allows.isEmpty { return .notTrusted }
        if allows.contains(where: { $0.conditionsMet(externalID: externalID) }) { return .allowed }
        let required = allows.flatMap { $0.externalIDConditions.filter { !$0.negated }.flatMap(\.values) }
        return .externalIDMismatch(required: Array(Set(required)).sorted())
    }
}

extension IAMPolicy.Statement {
    /// Whether every `sts:ExternalId` condition is met by `externalID` (nil: the client sends
    /// none; the key is then absent: `StringEquals` on it is false, `StringNotEquals` true).
    func conditionsMet(externalID: String?) -> Bool {
        externalIDConditions.allSatisfy { condition in
            guard let externalID else { return condition.negated }
            let matches = condition.values.contains { value in
                condition.isPattern ? Wildcard.matches(value, externalID, caseInsensitive: false) : value == externalID
            }
            return matches != condition.negated
        }
    }
}

extension IAMPolicy.Statement.Names {
    /// Whether these names (patterns) match `name` (`arnSegments`: resource ARNs, see `Wildcard`).
    func matches(_ name: String, caseInsensitive: Bool, arnSegments: Bool = false) -> Bool {
        func match(_ pattern: String) -> Bool {
            Wildcard.matches(pattern, name, caseInsensitive: caseInsensitive, arnSegments: arnSegments)
        }
        switch self {
        case .these(let patterns): return patterns.contains(where: match)
        case .allBut(let patterns): return !patterns.contains(where: match)
        case .nothing: return false
        }
    }

    /// Whether these principals include the service `name`: listed (service names are
    /// compared case-insensitively) or `*` (`NotPrincipal` is refused as the policy is read).
    func matchesPrincipal(_ name: String) -> Bool {
        switch self {
        case .these(let names): names.contains { $0 == "*" || $0.lowercased() == name.lowercased() }
        case .allBut, .nothing: false
        }
    }
}

/// IAM's wildcards: `*` matches any run of characters (none too), `?` any one character. In a
/// resource ARN (`arnSegments`) a `*` stays within its segment (the parts between colons)
/// unless it is the segment's last character (IAM's "Resource" element: such a `*` "can
/// expand to match beyond the colon boundaries"), so `arn:aws:mobiletargeting:us-*-1:…`
/// matches no ARN whose region is followed by more colons than the pattern's.
enum Wildcard {
    /// Whether `text` matches `pattern` whole.
    ///
    /// - Complexity: O(pattern × text): whether each end of the pattern matches each end of
    ///   the text, from the back.
    static func matches(_ pattern: String, _ text: String, caseInsensitive: Bool, arnSegments: Bool = false) -> Bool {
        let p = Array((caseInsensitive ? pattern.lowercased() : pattern).unicodeScalars)
        let t = Array((caseInsensitive ? text.lowercased() : text).unicodeScalars)
        // `next[j]`: whether p[i+1...] matches t[j...]; `row` is the same for p[i...].
        var next = [Bool](repeating: false, count: t.count + 1)
        next[t.count] = true
        var row = next
        for i in stride(from: p.count - 1, through: 0, by: -1) {
            let star = p[i] == "*"
            // A `*` followed by more of its segment stops at a colon.
            let bounded = star && arnSegments && i + 1 < p.count && p[i + 1] != ":"
            row[t.count] = star && next[t.count]
            for j in stride(from: t.count - 1, through: 0, by: -1) {
                if star {
                    row[j] = next[j] || (row[j + 1] && !(bounded && t[j] == ":"))
                } else {
                    row[j] = (p[i] == "?" || p[i] == t[j]) && next[j + 1]
                }
            }
            swap(&row, &next)
        }
        return next[0]
    }
}
