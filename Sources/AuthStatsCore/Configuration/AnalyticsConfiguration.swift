/*! Analytics configuration: which Pinpoint project each Cognito app client sent its
 analytics to (issue 14).

 Cognito's Pinpoint analytics were configured per app client: each client pointed at one
 project (several could share one), in a region the pool's region allowed
 (`PinpointRegions`), through an IAM role Cognito assumed. This folder reads what the AWS CLI
 prints about that and checks it:

 1. `AnalyticsConfiguration.load` reads `describe-user-pool-client` and
    `list-user-pool-clients` outputs into `AppClient`s.
 2. `IAMRoles.load` reads `get-role`, `get-role-policy` and `get-policy-version` outputs
    into roles with their trust and permission policies (`IAMPolicy`).
 3. `ConfigurationCheck.run` applies the rules to both and gives a `ConfigurationReport`:
    the clients, the projects, and the `ConfigurationFinding`s.
 4. `ConfigurationReport.writeText` / `writeJSON` print it.

 Pure Swift and Foundation: no file system (callers pass the bytes), no printing.
 `docs/configuration.md` is the reference.
 */

/// The app clients read from client configuration files, and which project each sent its
/// analytics to.
///
/// A client id may be read more than once (a `describe-user-pool-client` output and a
/// `list-user-pool-clients` page, or the same client in two exports): `entries` keeps every
/// reading, `clients` one per id.
public struct AnalyticsConfiguration: Sendable {
    /// Every client entry read, in reading order.
    public private(set) var entries: [AppClient] = []
    /// One per client id, in the order ids were first read: the first entry of the id with
    /// an analytics configuration that names a project; else its first describe output; else
    /// its first `list-user-pool-clients` entry. A name or pool id it lacks is taken from the
    /// id's other entries.
    public private(set) var clients: [AppClient] = []
    private var index: [String: Int] = [:]
    /// By the place in `clients`: its project and whether Cognito sent its events there
    /// (`project(ofClient:)`, `sentAnalytics(client:)`), worked out when the client is added.
    /// With `--clients` they are asked for every event, and parsing the client's ARN each time
    /// made a run seven times slower.
    private var resolved: [(project: PinpointProject?, sentAnalytics: Bool)] = []

    public init() {}

    /// Adds one client entry.
    public mutating func add(_ client: AppClient) {
        entries.append(client)
        guard let position = index[client.clientID] else {
            index[client.clientID] = clients.count
            clients.append(client)
            resolved.append(Self.resolve(client))
            return
        }
        var kept = clients[position]
        if Self.rank(client) > Self.rank(kept) {
            let older = kept
            kept = client
            kept.name = kept.name ?? older.name
            kept.userPoolID = kept.userPoolID ?? older.userPoolID
        } else {
            kept.name = kept.name ?? client.name
            kept.userPoolID = kept.userPoolID ?? client.userPoolID
        }
        clients[position] = kept
        resolved[position] = Self.resolve(kept)
    }

    private static func resolve(_ client: AppClient) -> (project: PinpointProject?, sentAnalytics: Bool) {
        let project = client.analytics?.project
        guard let project, let region = project.region, let poolRegion = client.poolRegion else { return (project, false) }
        return (project, PinpointRegions.allows(poolIn: poolRegion, projectIn: region))
    }

    /// Which entry of a client id stands for it: one naming a project, over a describe
    /// output without one, over a list page's entry (which shows no configuration at all).
    private static func rank(_ entry: AppClient) -> Int {
        entry.analytics?.namesProject == true ? 2 : entry.source.isListPage ? 0 : 1
    }

    /// The client with this id.
    public func client(_ id: String) -> AppClient? { index[id].map { clients[$0] } }

    /// The project a client sent its analytics to: nil when the client is not listed, has no
    /// analytics configuration, or its project id is not 32 hex characters (`check-config`
    /// reports those). When the id is mapped to two projects (an error of `check-config`),
    /// the one of `clients` (the first read).
    ///
    /// - Complexity: O(1).
    public func project(ofClient id: String) -> PinpointProject? {
        index[id].flatMap { resolved[$0].project }
    }

    /// Whether Cognito sent this client's events to Pinpoint at all, as far as its
    /// configuration tells: it names a valid project, its pool id gives a region, and the
    /// region table allows the project's region for it (so never in a region where Pinpoint
    /// did not exist).
    ///
    /// - Complexity: O(1).
    public func sentAnalytics(client id: String) -> Bool {
        index[id].map { resolved[$0].sentAnalytics } ?? false
    }

    /// Whether a client of project `id` shares user data (`UserDataShared`), as Cognito then
    /// made the endpoints of its users' verified addresses; nil for a project no client names.
    public func sharesUserData(project id: String) -> Bool? {
        var named = false
        for (index, client) in clients.enumerated() where resolved[index].project?.id == id {
            if client.analytics?.userDataShared == true { return true }
            named = true
        }
        return named ? false : nil
    }

    /// The projects of `clients`, by id (byte order), each with its clients.
    public var projects: [(project: PinpointProject, clients: [AppClient])] {
        var byID: [String: [AppClient]] = [:]
        for client in clients {
            if let project = client.analytics?.project { byID[project.id, default: []].append(client) }
        }
        return byID.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { id in
            let members = byID[id]!.sorted { $0.clientID.utf8.lexicographicallyPrecedes($1.clientID.utf8) }
            // Clients of one project agree on its region unless one is misconfigured (an error
            // of its own, `project-in-two-regions`): the first client's, by id, stands, of those
            // whose ApplicationArn says it; us-east-1, which an ApplicationId alone stands for,
            // only when none does (it stood over an ARN's region by client order until 2026-12-07).
            let region = members.lazy.filter { $0.analytics?.projectARN != nil }.compactMap { $0.analytics?.project?.region }.first
                ?? members.lazy.compactMap { $0.analytics?.project?.region }.first
            return (PinpointProject(id: id, region: region), members)
        }
    }
}
