import Foundation

/// An IAM policy document, as far as the analytics role checks read it: each statement's
/// effect, actions, resources, principals and `sts:ExternalId` conditions
/// (`docs/configuration.md` "IAM role checks").
///
/// The document may come as a JSON object (what the AWS CLI prints) or as the URL-encoded
/// JSON string the IAM API returns (`%7B%22Version%22…`). `Statement` may be one object or a
/// list; `Action`, `Resource` and `Principal.Service` a string or a list. Other condition
/// keys and operators are not evaluated: they count as met (a check that ignores them may
/// pass a role that a condition on, say, `aws:SourceAccount` still stops; it never fails a
/// role that works).
public struct IAMPolicy: Sendable, Hashable {
    public var statements: [Statement]

    public init(statements: [Statement]) { self.statements = statements }

    public struct Statement: Sendable, Hashable {
        public enum Effect: String, Sendable, Hashable {
            case allow = "Allow"
            case deny = "Deny"
        }

        /// What a statement's `Action`, `Resource` or `Principal` matches: the names listed,
        /// all but the names listed (`NotAction`, `NotResource`, `NotPrincipal`), or nothing
        /// (neither given).
        public enum Names: Sendable, Hashable {
            case these([String])
            case allBut([String])
            case nothing
        }

        /// `Sid`, or "statement N" (1-based), for messages.
        public var label: String
        public var effect: Effect
        public var actions: Names
        public var resources: Names
        /// Service principals (`cognito-idp.amazonaws.com`), and `*` for everyone
        /// (`"Principal": "*"` or `{"AWS": "*"}`).
        public var principals: Names
        /// The `sts:ExternalId` conditions (`StringEquals`, `StringLike` and their `Not` forms):
        /// each must be met.
        public var externalIDConditions: [ExternalIDCondition]
        /// Whether the statement has conditions that are not evaluated (any other key or
        /// operator: `aws:SourceAccount`, `aws:SecureTransport`, `…IfExists`): in an `Allow`
        /// they count as met, in a `Deny` as not met, so that a check never fails a role that
        /// works (`docs/configuration.md` "Not evaluated").
        public var otherConditions: Bool

        public init(
            label: String, effect: Effect, actions: Names, resources: Names = .nothing, principals: Names = .nothing,
            externalIDConditions: [ExternalIDCondition] = [], otherConditions: Bool = false
        ) {
            self.label = label
            self.effect = effect
            self.actions = actions
            self.resources = resources
            self.principals = principals
            self.externalIDConditions = externalIDConditions
            self.otherConditions = otherConditions
        }
    }

    /// A `Condition` on `sts:ExternalId`: met when the external id given equals one of
    /// `values` (`StringEquals`) or matches one as a pattern with `*` and `?` (`StringLike`);
    /// `negated` (`StringNotEquals`, `StringNotLike`): met when it matches none, or none is given.
    public struct ExternalIDCondition: Sendable, Hashable {
        public var values: [String]
        public var isPattern: Bool
        public var negated: Bool

        public init(values: [String], isPattern: Bool, negated: Bool = false) {
            self.values = values
            self.isPattern = isPattern
            self.negated = negated
        }
    }

    /// A document that is not a policy.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Parses a policy document given as a JSON object, or as a string holding one (URL-encoded
    /// as the IAM API returns it, or plain).
    /// - Throws: `Failure` saying what is wrong.
    /// - Parameter permissions: a permission policy (inline or managed), which names no
    ///   principal: IAM refuses one with `Principal` (a trust policy has one).
    public init(document: Any, permissions: Bool = false) throws(Failure) {
        var object = document
        if let text = document as? String {
            let decoded = text.contains("%") ? (text.removingPercentEncoding ?? text) : text
            guard let parsed = try? JSONSerialization.jsonObject(with: Data(decoded.utf8)) else {
                throw Failure(description: "the policy document is a string that is not JSON, plain or URL-encoded")
            }
            object = parsed
        }
        guard let policy = object as? [String: Any] else { throw Failure(description: "the policy document is not a JSON object") }
        let list: [Any]
        switch policy["Statement"] {
        case let one as [String: Any]: list = [one]
        case let many as [Any]: list = many
        default: throw Failure(description: "the policy document has no Statement (an object or a list of them)")
        }
        var statements: [Statement] = []
        for (position, element) in list.enumerated() {
            guard let statement = element as? [String: Any] else {
                throw Failure(description: "statement \(position + 1) is not an object")
            }
            statements.append(try Self.statement(statement, position: position + 1, permissions: permissions))
        }
        self.init(statements: statements)
    }

    private static func statement(_ object: [String: Any], position: Int, permissions: Bool) throws(Failure) -> Statement {
        let label = (object["Sid"] as? String).flatMap { $0.isEmpty ? nil : "statement \($0)" } ?? "statement \(position)"
        guard let effectText = object["Effect"] as? String, let effect = Statement.Effect(rawValue: effectText) else {
            throw Failure(description: "\(label): Effect is neither Allow nor Deny")
        }
        // IAM refuses such a statement when the policy is saved, so a document that holds one
        // was edited after it left AWS: what the role really has is not in the file.
        for (key, notKey) in [("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal")]
        where object[key] != nil && object[notKey] != nil {
            throw Failure(description: "\(label): both \(key) and \(notKey) (IAM accepts one of them in a statement)")
        }
        if permissions && object["Principal"] != nil {
            throw Failure(description: "\(label): Principal (IAM accepts it in a role's trust policy, not in its permission policies)")
        }
        if object["NotPrincipal"] != nil {
            throw Failure(description: "\(label): NotPrincipal (IAM accepts it in neither a role's trust policy nor its permission policies)")
        }
        let (externalID, others) = conditions(object["Condition"])
        return Statement(
            label: label, effect: effect, actions: names(object, "Action", "NotAction"),
            resources: names(object, "Resource", "NotResource"), principals: principals(object),
            externalIDConditions: externalID, otherConditions: others)
    }

    /// `key` or `notKey`: a string or a list of strings.
    private static func names(_ object: [String: Any], _ key: String, _ notKey: String) -> Statement.Names {
        if let listed = strings(object[key]) { return .these(listed) }
        if let listed = strings(object[notKey]) { return .allBut(listed) }
        return .nothing
    }

    /// `Principal`: `"*"`, or an object whose `Service` (a string or a list)
    /// names services and whose `AWS` may be `"*"`.
    private static func principals(_ object: [String: Any]) -> Statement.Names {
        func listed(_ value: Any?) -> [String]? {
            if let text = value as? String { return text == "*" ? ["*"] : [] }
            guard let principal = value as? [String: Any] else { return nil }
            var out = strings(principal["Service"]) ?? []
            if strings(principal["AWS"])?.contains("*") == true { out.append("*") }
            return out
        }
        // (`NotPrincipal` is refused above.)
        return listed(object["Principal"]).map { .these($0) } ?? .nothing
    }

    /// The `sts:ExternalId` members of `StringEquals`, `StringLike`, `StringNotEquals` and
    /// `StringNotLike` (keys are case-insensitive in IAM), and whether there is any other
    /// condition (not evaluated).
    private static func conditions(_ condition: Any?) -> (externalID: [ExternalIDCondition], others: Bool) {
        guard let condition else { return ([], false) }
        guard let operators = condition as? [String: Any] else { return ([], true) }
        let evaluated = ["StringEquals": (false, false), "StringLike": (true, false), "StringNotEquals": (false, true), "StringNotLike": (true, true)]
        var out: [ExternalIDCondition] = []
        var others = false
        for (name, keys) in operators.sorted(by: { $0.key < $1.key }) {
            guard let (isPattern, negated) = evaluated[name], let keys = keys as? [String: Any] else {
                others = true
                continue
            }
            for (key, value) in keys.sorted(by: { $0.key < $1.key }) {
                if key.lowercased() == "sts:externalid" {
                    out.append(ExternalIDCondition(values: strings(value) ?? [], isPattern: isPattern, negated: negated))
                } else {
                    others = true
                }
            }
        }
        return (out, others)
    }

    /// A string or a list of strings (numbers as their text); nil for anything else.
    private static func strings(_ value: Any?) -> [String]? {
        switch value {
        case let text as String: [text]
        case let list as [Any]: list.compactMap { ($0 as? String) ?? ($0 as? NSNumber)?.description }
        case let number as NSNumber: [number.description]
        default: nil
        }
    }
}
