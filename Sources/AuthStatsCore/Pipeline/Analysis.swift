import Foundation

/// The authstats pipeline, stage by stage, with the type at each boundary:
///
/// 1. **Ingest** (`AuthStatsIngest`): input paths → decompressed byte streams, one per file or
///    archive member, each fed to a `StreamProcessor`.
/// 2. **Frame** (`RecordFramer`): bytes → records (NDJSON or back-to-back JSON), each scanned
///    once by `JSONScanner` into `JSONField` byte ranges.
/// 3. **Decode** (`RecordDecoder`): fields → `Event` (`docs/metrics.md` "Events" to
///    "Dimensions"), or a `RejectedRecord`.
/// 4. **Aggregate** (`MetricsAccumulator`): events → counters and user-activity sets, deduplicated.
/// 5. **Report** (`ReportBuilder`): accumulator + range → `Reports` → `ReportTable`s, written by
///    `CSVTableWriter`, `JSONTableWriter` and `SummaryWriter`.
///
/// An `Analysis` is one run of stages 2–4 over any number of streams; `reports()` runs stage 5.
public final class Analysis {
    public struct Configuration: Sendable {
        public var timeZone: TimeZone
        /// The zone's name as the user gave it (Foundation reports `UTC` as `GMT`).
        public var timeZoneName: String
        public var from: Day?
        public var to: Day?
        public var maxRecordBytes: Int
        /// Event fingerprints kept in memory for dedup before spilling (48 bytes each).
        public var dedupCapacity = DuplicateFilter.defaultCapacity
        /// The inactivity gap that splits sessions without a Pinpoint session id.
        public var sessionTimeoutMillis: Int64 = 30 * 60_000
        /// Bytes of session events kept in memory before spilling a sorted run.
        public var sessionMemory = SessionLog.defaultBudget
        /// Shards of the session log (users split by hash), sessionized on `sessionThreads` at
        /// the end, each a smaller merge. One shard writes `sessions.csv` in user order.
        public var sessionShards = 1
        /// Threads for the session shards at the end of a run: the cores left beside the
        /// thread that resolves the duplicates and builds the tables (one on two cores; on a
        /// big machine the shards, one per job, no longer run one after another). Spilled
        /// duplicates are resolved two day groups at a time, on a second thread for a while.
        public var sessionThreads = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)
        /// Whether session rows (`finishReading(sessions:)`) are wanted: the session log then
        /// keeps user ids and texts; without, it keeps what the counts need, in half the bytes.
        public var sessionRows = true
        /// Decode through a `ProfileCache` (the default). Off only to compare against the
        /// values made for every event (tests).
        public var cacheProfiles = true
        /// The event times accepted; others are rejected (`TimeRange`).
        public var acceptedTimes = TimeRange.default()
        /// Segments and attribute breakdowns: user profiles are collected only when they
        /// want them (`ProfileOptions.wanted`).
        public var profiles = ProfileOptions()
        /// `--clients`: the app clients' Pinpoint projects; each event then gets a `project_id`.
        public var clients: AnalyticsConfiguration?
        /// `--by-project`: each project's events also counted in an analysis of their own.
        public var byProject = false
        /// This is one project's analysis (`--by-project`): its segments choose among the
        /// users of its events, not every user of the directory.
        public var projectShare = false
        /// `--pinpoint-parity`: count only what Pinpoint analytics would have received.
        public var pinpointParity = false
        /// `--auth-source`: only these exports' sign-ups, sign-ins and failures count as such;
        /// the others' still count as activity (`docs/metrics.md` "Overlapping exports"). Nil: all.
        public var authSources: Set<EventSource>?
        /// Added to every input position (`InputReport.position`): a nightly state's batch
        /// number in the high bits, so that inputs of an earlier batch come first.
        public var firstPosition: UInt64 = 0
        /// A run kept in a nightly state: every event is observed for profiles, even after
        /// `to` (a later report may cover those days).
        public var keepsAllDays = false
        /// The run keeps the state's report totals (`ReportTotals`): its tables are built
        /// through them, so that they cost no second walk of the activity.
        public var keepsReportTotals = false
        /// Each input file's place in a larger order (a shard plan's whole listing), by its
        /// index in this run's: positions then order inputs as one run over the whole listing.
        public var fileIndexes: [Int]?

        public static let defaultMaxRecordBytes = 64 << 20

        /// - Parameter timeZone: an IANA name; nil if Foundation does not know it.
        public init?(timeZone name: String = "UTC", from: Day? = nil, to: Day? = nil,
                     maxRecordBytes: Int = Configuration.defaultMaxRecordBytes) {
            guard let timeZone = TimeZone(identifier: name) else { return nil }
            self.timeZone = timeZone
            timeZoneName = name
            self.from = from
            self.to = to
            self.maxRecordBytes = maxRecordBytes
        }

        /// Every setting at once, as the command line gives them: days as `YYYY-MM-DD` (an
        /// unreadable one is no bound), the timeout as a duration (`45m`). Nil for an unknown
        /// time zone or an unreadable timeout.
        public init?(
            timeZone: String, from: String?, to: String?, maxRecordBytes: Int, dedupCapacity: Int,
            sessionTimeout: String, sessionMemory: Int, sessionShards: Int, sessionRows: Bool = true
        ) {
            guard let timeout = Duration.parseMillis(sessionTimeout) else { return nil }
            self.init(
                timeZone: timeZone, from: from.flatMap(Day.init(iso:)), to: to.flatMap(Day.init(iso:)),
                maxRecordBytes: maxRecordBytes)
            self.dedupCapacity = dedupCapacity
            sessionTimeoutMillis = timeout
            self.sessionMemory = sessionMemory
            self.sessionShards = sessionShards
            self.sessionRows = sessionRows
        }
    }

    public let configuration: Configuration
    public let rejects: any RejectSink
    /// The accumulator, the day clock, what the events asked of the directory and the profiles'
    /// encoded demographics, behind a pointer this analysis owns: the per-event path mutates
    /// them without the runtime's exclusivity checks on class properties (about 1% of a run;
    /// two checks an event had been 9% of `observe` as properties of this class). Only this
    /// analysis touches them, from one thread at a time.
    let state: UnsafeMutablePointer<
        (accumulator: MetricsAccumulator, clock: DayClock, types: DirectoryTypes, demographics: ProfileDemographics)
    >
    public var accumulator: MetricsAccumulator { state.pointee.accumulator }
    var clock: DayClock { state.pointee.clock }
    /// Every input stream, in the order read.
    public internal(set) var inputs: [InputReport] = []

    private var resolved = false

    /// The users of `--users`: their `user_type` overrides the events'.
    public let directory: UserDirectory

    /// Profile ids by the raw bytes of dimension fields, for the decoders of this analysis's
    /// streams (`ProfileCache`). An event it knows carries no dimension values; `add` gets them
    /// back from the profile when they are needed (a user directory overrides `user_type`;
    /// session rows name the platform and app version).
    let profiles: UnsafeMutablePointer<ProfileCache>
    /// The shapes of the records this analysis's streams met, shared by their scanners
    /// (`ShapeMemory`): learnt in a worker's first files, replayed in the rest.
    private(set) lazy var recordShapes = ShapeMemory(schema: recordSchema)
    /// The paths the decoders read from each record, for this analysis's configuration.
    var recordSchema: FieldSchema {
        collectsProfiles ? RecordDecoder.profileSchema : configuration.clients != nil ? RecordDecoder.projectSchema : RecordDecoder.schema
    }
    /// `profiles` for the decoders: nil when `configuration.cacheProfiles` is off.
    var decoderProfiles: UnsafeMutablePointer<ProfileCache>? { configuration.cacheProfiles ? profiles : nil }

    /// - Parameters:
    ///   - spill: where the duplicate filter keeps fingerprints beyond
    ///     `configuration.dedupCapacity`; nil keeps them all in memory.
    ///   - directory: the user directory, if any.
    public init(
        configuration: Configuration, rejects: any RejectSink, spill: (any SpillStore)? = nil,
        directory: UserDirectory = UserDirectory()
    ) {
        self.configuration = configuration
        self.rejects = rejects
        self.directory = directory
        state = .allocate(capacity: 1)
        state.initialize(
            to: (
                MetricsAccumulator(
                    dedupCapacity: configuration.dedupCapacity, store: spill, sessionMemory: configuration.sessionMemory,
                    sessionShards: configuration.sessionShards, sessionRows: configuration.sessionRows),
                DayClock(timeZone: configuration.timeZone),
                DirectoryTypes(),
                ProfileDemographics()
            ))
        profiles = .allocate(capacity: 1)
        profiles.initialize(to: ProfileCache())
        self.spill = spill
        if configuration.profiles.wanted {
            // The kind counts hold every event's user-day, not only activity: twice the room of
            // the activity triples (fewer, longer runs to merge at the end).
            state.pointee.accumulator.collectProfiles(
                capacity: max(1, configuration.dedupCapacity), memory: configuration.profiles.memory, store: spill)
        }
    }

    /// Where the stages spill (also the member exports, at the end).
    let spill: (any SpillStore)?

    /// Whether events are decoded with their profile fields (`RecordDecoder.profileSchema`)
    /// and handed to `add(_:position:fields:)`.
    public var collectsProfiles: Bool { configuration.profiles.wanted }

    /// Encoded demographics of each dimension profile id (`ProfileLog.demographics`), made
    /// once each: where they lie in `bytes`, by id.
    struct ProfileDemographics {
        var bytes: [UInt8] = []
        var spans: [(Int, Int)] = []
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
        profiles.deinitialize(count: 1)
        profiles.deallocate()
    }

    private var fileIndex = 0
    private var streamInFile = 0

    /// Called from time to time while a stream is read (every `progressBytes` of it), with
    /// the bytes read since the last call: for progress lines on long runs.
    public var progress: ((Int) -> Void)?
    public static let progressBytes = 64 << 20

    /// Starts a file: the streams that follow are numbered within file `index` (its place
    /// in sorted input order).
    public func beginFile(index: Int) {
        fileIndex = configuration.fileIndexes?[index] ?? index
        streamInFile = 0
    }

    /// A place in the input order, kept for one input that is made later, possibly by another
    /// analysis of the same run: an archive member handed to another worker keeps the position
    /// it has when its archive is read in one piece (`ArchiveReader`).
    public struct InputSlot: Sendable, Equatable {
        let file: Int
        let stream: Int
    }

    /// Takes the next position of the current file for one input that `placing(at:)` makes.
    public func reserveInput() -> InputSlot {
        defer { streamInFile += 1 }
        return InputSlot(file: fileIndex, stream: streamInFile)
    }

    /// Runs `body`, whose one input (a stream, a failed or an empty input) takes the position
    /// of `slot`; the numbering of the file being read here stays as it was.
    public func placing<T>(at slot: InputSlot, _ body: () -> T) -> T {
        let saved = (fileIndex, streamInFile)
        (fileIndex, streamInFile) = (slot.file, slot.stream)
        defer {
            precondition(streamInFile == slot.stream + 1, "a reserved input position is used by exactly one input")
            (fileIndex, streamInFile) = saved
        }
        return body()
    }

    /// A new entry of `inputs`, at the next position of the current file.
    private func newInput(path: String, member: String?) -> InputReport {
        var report = InputReport(path: path, member: member)
        report.position = configuration.firstPosition + (UInt64(fileIndex) << 24 | UInt64(min(streamInFile, (1 << 24) - 1)))
        streamInFile += 1
        return report
    }

    /// Starts reading one stream of `path` (and archive `member`).
    public func beginStream(path: String, member: String?, compression: String, container: String?) -> StreamProcessor {
        var report = newInput(path: path, member: member)
        report.compression = compression
        report.container = container
        inputs.append(report)  // its place; `finish` fills it in
        return StreamProcessor(analysis: self, report: report, index: inputs.count - 1)
    }

    /// Records an input that could not be read at all (missing, unreadable, not an archive).
    public func failedInput(path: String, member: String? = nil, error: String) {
        var report = newInput(path: path, member: member)
        report.status = .failed
        report.error = error
        inputs.append(report)
    }

    /// Records an input that holds no stream at all (an empty archive): read, nothing in it;
    /// `passedOver` counts its entries that were not read, by reason (as skipped).
    public func emptyInput(
        path: String, member: String? = nil, compression: String, container: String?, passedOver: [String: Int] = [:]
    ) {
        var report = newInput(path: path, member: member)
        report.compression = compression
        report.container = container
        report.skipReasons = passedOver
        report.skipped = passedOver.values.reduce(0, +)
        report.records = report.skipped
        inputs.append(report)
    }

    /// As `add(_:position:)`, also noting what the event says of its user's profile (read
    /// from `fields`, as `RecordDecoder.profileSchema` extracted them). Events after the report
    /// range are counted but not observed: a profile is as of the range's last day.
    func add(_ event: Event, position: UInt64, fields: RecordDecoder.Fields) {
        add(event, position: position)
        observe(event, position: position, fields: fields)
        if configuration.byProject, let counted = lastProjectEvent {
            child(counted.dimensions[.projectID]).observe(counted, position: position, fields: fields)
        }
    }

    /// Notes what `event` says of its user's profile.
    private func observe(_ event: Event, position: UInt64, fields: RecordDecoder.Fields) {
        guard let user = event.user else { return }
        let day = state.pointee.clock.day(ofMillis: event.time)
        if let to = configuration.to, day > to, !configuration.keepsAllDays { return }
        let profile = event.profileHint.cachedProfile ?? state.pointee.accumulator.table.profile(of: event.dimensions)
        if Int(profile) >= state.pointee.demographics.spans.count {
            // A new profile id: its demographics encoded once (ids are dense, in order).
            let values = state.pointee.accumulator.table
            for id in state.pointee.demographics.spans.count...Int(profile) {
                let start = state.pointee.demographics.bytes.count
                state.pointee.demographics.bytes += ProfileLog.demographics(values.values(ofProfile: UInt32(id)))
                state.pointee.demographics.spans.append((start, state.pointee.demographics.bytes.count))
            }
        }
        let (start, end) = state.pointee.demographics.spans[Int(profile)]
        state.pointee.demographics.bytes.withUnsafeBytes { bytes in
            state.pointee.accumulator.profileLog?.observe(
                event, user: user.hash, position: position, demographics: UnsafeRawBufferPointer(rebasing: bytes[start..<end]),
                fields: fields)
        }
    }

    /// Counts `event`; with `--by-project`, also in its project's analysis.
    func add(_ event: Event, position: UInt64) {
        guard let sources = configuration.authSources, !sources.contains(event.source), event.kind.isAuthentication else {
            return count(event, position: position)
        }
        // Another export's sign-up, sign-in or failure with `--auth-source`: an app or other
        // event. (The event is copied only then: a copy retains its values and long ids.)
        var demoted = event
        demoted.kind = event.kind == .authFailure ? .other : .app
        count(demoted, position: position)
    }

    /// With `--by-project`: the event `count` counted last, its values made and `project_id`
    /// set (for its project's analysis to observe too).
    private var lastProjectEvent: Event?

    /// The values of the profile `count` last made them for (`--sessions-detail`,
    /// `--clients`): a user's events come in runs, mostly of one profile, and each shares
    /// them (a retain) instead of making them again.
    private var lastValues: (profile: UInt32, values: DimensionValues)?

    /// The skip reason of an input's events `--pinpoint-parity` left out for `reason`.
    static func leftOutReason(_ reason: ParityReason) -> String { "left out by --pinpoint-parity: \(reason.name)" }

    /// Events `--pinpoint-parity` left out, by reason.
    public internal(set) var parityLeftOut: [ParityReason: Int] = [:]

    /// Copies of left-out events found at the end whose inputs this run does not list (a
    /// merge's: the shard runs counted them as skipped, `ShardRuns`): duplicates now, so the
    /// merged reports count that many fewer skipped.
    public internal(set) var unlistedLeftOutCopies = 0

    /// With `--pinpoint-parity`, why Pinpoint would not have received `event` (`docs/metrics.md`
    /// "Pinpoint parity"), counted by reason; nil when it would have (then it is counted). A
    /// Pinpoint record was received; another export's event is left out for a federated user
    /// (its record says so, or the directory), the hosted UI, an operation not among the
    /// nine, or (with `--clients`) an app client without analytics; an event without a user
    /// stays.
    /// Its fingerprint is logged, so that a later delivery of it is a duplicate (`takeBack`),
    /// as any copy is, not left out a second time.
    func leftOut(_ event: Event, position: UInt64) -> ParityReason? {
        guard configuration.pinpointParity, event.source != .pinpoint else { return nil }
        var reason = event.parity
        if reason == .received, directory.count > 0, let user = event.user, directory.isFederated(user) == true {
            reason = .federatedUser
        }
        if reason == .received, let clients = configuration.clients {
            let client = event.profileHint.cachedProfile.map {
                state.pointee.accumulator.table.value(ofProfile: $0, .clientID)
            } ?? event.dimensions[.clientID]
            if !clients.sentAnalytics(client: client) { reason = .clientWithoutAnalytics }
        }
        guard reason != .received, !(reason == .federatedUser && event.user == nil) else { return nil }
        parityLeftOut[reason, default: 0] += 1
        state.pointee.accumulator.logLeftOut(event, day: state.pointee.clock.day(ofMillis: event.time), position: position, reason: reason)
        return reason
    }

    /// Dimension profiles taken from a nightly state (`restore`): a batch writes those after them.
    var restoredProfiles = 0

    /// With `--by-project`: an analysis per project, of that project's events alone, by id
    /// (as exact text: two spellings of one id are two projects).
    public private(set) var projects: [ExactText: Analysis] = [:]

    /// The analysis of `project`, made on its first event: the same settings but its share of
    /// the memory budgets, no projects of its own, and no directory-only users in its segments.
    func child(_ project: String) -> Analysis {
        if let existing = projects[ExactText(project)] { return existing }
        var settings = configuration
        settings.byProject = false
        settings.projectShare = true
        let share = max(1, (configuration.clients?.projects.count ?? 0) + 1)
        settings.dedupCapacity = max(1, configuration.dedupCapacity / share)
        settings.sessionMemory = max(1 << 20, configuration.sessionMemory / share)
        settings.profiles.memory = max(1 << 20, configuration.profiles.memory / share)
        // Cognito made a project's endpoints of verified addresses only for its clients that
        // share user data: `--share-user-data` adds them to no other project's exports.
        if configuration.clients?.sharesUserData(project: project) == false { settings.profiles.projectSharesUserData = false }
        let analysis = Analysis(configuration: settings, rejects: rejects, spill: spill, directory: directory)
        projects[ExactText(project)] = analysis
        return analysis
    }

    private func count(_ event: Event, position: UInt64) {
        let day = state.pointee.clock.day(ofMillis: event.time)
        // Most events: a profile id known (or made here) and no value to change, so the event
        // is counted as it came. (The copy below retains what it holds and releases it.)
        if configuration.clients == nil, !configuration.sessionRows, let decoded = decodedProfile(event) {
            return state.pointee.accumulator.add(event, day: day, position: position, profile: typed(decoded, of: event))
        }
        // The profile of the values as decoded (before a directory's `user_type` or the
        // project of `--clients`), when the cache gives it or waits for it; the values
        // themselves when something needs them.
        var event = event
        let clients = configuration.clients
        var decoded = decodedProfile(event)
        // A cached profile comes this way only with `--sessions-detail` or `--clients`, and
        // both need the values.
        if case .cached(let profile) = event.profileHint {
            if lastValues?.profile != profile {
                lastValues = (profile, state.pointee.accumulator.table.values(ofProfile: profile))
            }
            event.dimensions = lastValues!.values
        }
        if let clients {
            event.dimensions[.projectID] = Self.project(of: event, clients)
            event.profileHint = .none  // the values are made; a profile id is this table's alone
            // The project follows from the values as decoded (a Pinpoint record's `app_id` is
            // among its profile's fields, another export's client id too), so the profile with
            // it is found once per decoded profile, not by the values for every event.
            decoded = decoded.map { projectedProfile($0, values: event.dimensions) }
        }
        let byValues = decoded == nil
        let toProject = configuration.byProject && (clients != nil || byValues)
        if let profile = decoded { decoded = typed(profile, of: event) }
        // The values carry the directory's `user_type` where they are counted by value, here
        // or by the project's analysis (a profile found by its id had it applied by `typed`).
        if byValues || toProject, directory.count > 0, let user = event.user, let federated = isFederated(user) {
            event.dimensions[.userType] = UserDirectory.userType(federated: federated)
        }
        if let decoded {
            state.pointee.accumulator.add(event, day: day, position: position, profile: decoded)
        } else {
            state.pointee.accumulator.add(event, day: day, position: position)
        }
        if toProject {
            child(event.dimensions[.projectID]).count(event, position: position)
            lastProjectEvent = event
        }
    }

    /// The profile of `values` (a decoded `profile`'s, its `project_id` set by `--clients`),
    /// kept by the decoded profile's id.
    private func projectedProfile(_ profile: UInt32, values: DimensionValues) -> UInt32 {
        let slot = Int(profile)
        let count = state.pointee.types.projectedProfiles.count
        if slot < count, case let id = state.pointee.types.projectedProfiles[slot], id != .max { return id }
        if slot >= count { state.pointee.types.projectedProfiles += repeatElement(.max, count: slot + 1 - count) }
        let id = state.pointee.accumulator.table.profile(of: values)
        state.pointee.types.projectedProfiles[slot] = id
        return id
    }

    /// The profile id of `event`'s values as decoded, when the cache gives it or waits for it
    /// (then it is made, and given to the cache); nil when the event carries its values only.
    private func decodedProfile(_ event: Event) -> UInt32? {
        switch event.profileHint {
        case .cached(let profile):
            return profile
        case .pending:
            let profile = state.pointee.accumulator.table.profile(of: event.dimensions)
            profiles.pointee.fill(profile)
            return profile
        case .none:
            return nil
        }
    }

    /// What a worker's events ask of the user directory, and with `--clients` of the projects,
    /// kept beside the accumulator (behind the same pointer: no run-time exclusivity checks).
    struct DirectoryTypes {
        /// Profile ids with the directory's `user_type` set, by `profile * 2 + federated`
        /// (`UInt32.max`: not made yet). Profile ids are dense, so this is a short array.
        var typedProfiles: [UInt32] = []
        /// With `--clients`: profile ids with `project_id` set, by the decoded profile's id
        /// (`UInt32.max`: not made yet).
        var projectedProfiles: [UInt32] = []
        /// The last user looked up and the directory's answer (nil: none yet).
        var last: (user: UInt64, federated: Bool?)?
    }

    /// Whether a user is federated, as the directory says (nil: not listed). A user's events
    /// mostly come together, so the last answer is kept: each look-up of a million users'
    /// table misses the cache.
    @inline(__always)
    private func isFederated(_ user: UserID) -> Bool? {
        if let last = state.pointee.types.last, last.user == user.hash { return last.federated }
        let federated = directory.isFederated(user)
        state.pointee.types.last = (user.hash, federated)
        return federated
    }

    /// `profile` with the directory's `user_type` of `event`'s user when it lists the user,
    /// looked up by id: no values made and hashed per event (they were 10% of a run with a
    /// directory).
    @inline(__always)
    private func typed(_ profile: UInt32, of event: Event) -> UInt32 {
        guard directory.count > 0, let user = event.user, let federated = isFederated(user) else { return profile }
        return typedProfile(profile, federated: federated)
    }

    /// `profile`'s values with `user_type` federated or local, as a profile id.
    private func typedProfile(_ profile: UInt32, federated: Bool) -> UInt32 {
        let slot = Int(profile) * 2 + (federated ? 1 : 0)
        let count = state.pointee.types.typedProfiles.count
        if slot < count, case let id = state.pointee.types.typedProfiles[slot], id != .max { return id }
        if slot >= count { state.pointee.types.typedProfiles += repeatElement(.max, count: slot + 1 - count) }
        var values = state.pointee.accumulator.table.values(ofProfile: profile)
        values[.userType] = UserDirectory.userType(federated: federated)
        let id = state.pointee.accumulator.table.profile(of: values)
        state.pointee.types.typedProfiles[slot] = id
        return id
    }

    /// The `project_id` of an event with `--clients` (`docs/metrics.md` "Dimensions"): a Pinpoint
    /// record's own `application.app_id`; another export's through its app client; else
    /// `(unconfigured)`.
    static func project(of event: Event, _ clients: AnalyticsConfiguration) -> String {
        if event.source == .pinpoint {
            let id = event.dimensions[.projectID]
            return id == Dimension.unknown ? Dimension.unconfigured : id
        }
        return clients.project(ofClient: event.dimensions[.clientID])?.id ?? Dimension.unconfigured
    }

    /// A worker has read its last input and its analysis is about to be merged with the
    /// others' (`ParallelReader`): what spilled, spills the rest on this worker's thread.
    public func workerDone() {
        // (Each accumulator settles itself first: `MetricsAccumulator.workerDone()`.)
        state.pointee.accumulator.workerDone()
        for analysis in projects.values { analysis.workerDone() }
    }

    /// Takes in the state of `other`, an analysis of other files with the same
    /// configuration (a parallel worker). Merging in any order gives the same reports.
    public func merge(_ other: Analysis) {
        precondition(!resolved && !other.resolved, "merge analyses before reading their reports")
        // This one's accumulator settles itself as it merges (and a project's as one is merged
        // into it; the others settle when they are next read); `other`'s must be settled before.
        other.settle()
        inputs += other.inputs
        state.pointee.accumulator.merge(other.accumulator)
        parityLeftOut.merge(other.parityLeftOut, uniquingKeysWith: +)
        for (project, analysis) in other.projects {
            if let mine = projects[project] { mine.merge(analysis) } else { projects[project] = analysis }
        }
    }

    /// Moves the duplicates found at the end from `events` to `duplicates` of their inputs.
    func takeBack(_ found: [DuplicateFilter.Counted]) {
        guard !found.isEmpty else { return }
        // Each input's index by its position, the first of equal ones (read in place: a copy
        // of a report retains its texts).
        var index: [UInt64: Int] = [:]
        for i in inputs.indices where index[inputs[i].position] == nil { index[inputs[i].position] = i }
        for counted in found {
            // A copy of a left-out event: left out and skipped no more, a duplicate. Its input
            // may be another state's, not listed here (a merge: `unlistedLeftOutCopies`).
            if let reason = counted.leftOut { Self.dropOne(reason, from: &parityLeftOut) }
            guard let i = index[counted.input] else {
                if counted.leftOut != nil { unlistedLeftOutCopies += 1 }
                continue
            }
            if let reason = counted.leftOut {
                inputs[i].skipped -= 1
                Self.dropOne(Self.leftOutReason(reason), from: &inputs[i].skipReasons)
            } else {
                inputs[i].events -= 1
            }
            inputs[i].duplicates += 1
        }
    }

    /// One fewer of `key` in `counts`, a count that comes to zero removed (as if never counted).
    private static func dropOne<Key: Hashable>(_ key: Key, from counts: inout [Key: Int]) {
        if let n = counts[key] { counts[key] = n > 1 ? n - 1 : nil }
    }

    func finish(_ stream: StreamProcessor) {
        inputs[stream.index] = stream.report
        settle()
    }

    /// The workers of one run (`ParallelReader`) put their users into one set
    /// (`MetricsAccumulator.shareUsers`); each project's analysis keeps its own.
    public func shareUsers(_ shared: SharedUserSet) {
        state.pointee.accumulator.shareUsers(shared)
    }

    /// Ends `shareUsers` once every worker is done; the analysis `taking` holds the set.
    public func stopSharingUsers(taking: Bool) {
        state.pointee.accumulator.stopSharingUsers(taking: taking)
    }

    /// Puts the events added so far wholly into the tables (`MetricsAccumulator.settle()`),
    /// this analysis's and its projects'.
    func settle() {
        state.pointee.accumulator.settle()
        for analysis in projects.values { analysis.settle() }
    }

    private var sessionSpillFailure: String?

    /// Why spilling to disk stopped, if it did (the run then kept that state in memory).
    public var spillFailure: String? { accumulator.spillFailure ?? sessionSpillFailure }

    /// Sessions per day, once `finishReading` has run.
    public private(set) var sessionStats = SessionStats()

    /// Ends the reading: finds the duplicates that lie far apart (`DuplicateFilter`) and
    /// corrects the counts, then rebuilds the sessions (`Sessionizer`), handing each to
    /// `sessions` when given. `reports()` calls it; it runs once.
    public func finishReading(sessions: ((Session) -> Void)? = nil) {
        guard !resolved else { return }
        settle()
        resolved = true
        // Each project's analysis after this one's (each uses both cores on its own).
        defer {
            for id in projectIDs {
                projects[ExactText(id)]!.rangeOverride = reportRange
                projects[ExactText(id)]!.dataLastOverride = accumulator.dayBounds?.last
                projects[ExactText(id)]!.finishReading()
            }
        }
        inputs.sort { $0.position < $1.position }
        let logs = accumulator.sessionLogs
        state.pointee.accumulator.sessionLogs = []
        sessionSpillFailure = logs.lazy.compactMap(\.spillFailure).first
        let timeout = configuration.sessionTimeoutMillis
        // Segment profiles count each user's sessions in the report range.
        let userDays = sessionUserDays
        precondition(sessions == nil || sessionsAhead == nil, "session rows are built by finishReading itself")
        if let sessions {
            takeBack(state.pointee.accumulator.resolveDuplicates())
            sessionStats = Self.sessionize(logs, timeoutMillis: timeout, clock: clock, userDays: userDays, each: sessions)
            runSegmentPass(sessions: sessionStats.userSessions)
            return
        }
        // The session pass shares nothing with the rest (the session log keeps every delivery
        // and drops the copies itself): other threads build the sessions (the shards on the
        // cores left, `sessionThreads`: one on two cores, since more would hold back the
        // duplicates and tables, the longer chain there) while this one resolves the
        // duplicates and builds the report tables, which need only the counts, and the
        // segments, which need the sessions only if a definition compares them (else they are
        // added to the segment rows after).
        // Started while the nightly state was written (`sessionizeAhead`), or now.
        let (result, group) = sessionsAhead ?? startSessions(logs, keep: false)
        sessionsAhead = nil
        takeBack(state.pointee.accumulator.resolveDuplicates(besideSessions: true))
        tablesWithoutSessions = buildTables(sessions: SessionStats())
        let segmentsNeedSessions = configuration.profiles.segments?.usesSessions ?? false
        if !segmentsNeedSessions { runSegmentPass(sessions: nil) }
        group.wait()
        sessionStats = result.stats
        if segmentsNeedSessions {
            runSegmentPass(sessions: sessionStats.userSessions)
        } else {
            segmentOutput?.addSessions(sessionStats.userSessions)
        }
    }

    /// Takes the report tables and session counts from `totals` instead of building them
    /// (`docs/state.md` "Reports without restoring"): for an analysis that holds the state's
    /// counters alone (`restoreCounts`), with no activity or sessions to walk.
    public func useTotals(_ totals: ReportTotals) {
        guard !resolved else { return }
        resolved = true
        inputs.sort { $0.position < $1.position }
        tablesWithoutSessions = reportRange.map { totals.reports(accumulator, range: $0, dimensions: reportedDimensions) }
            ?? Reports(range: nil)
        sessionStats = totals.sessions
        state.pointee.accumulator.restoredUserCount = totals.users
    }

    /// Whether the reports come from `ReportTotals` (`useTotals`).
    public var reportsFromTotals: Bool { accumulator.restoredUserCount != nil }

    /// The days whose sessions segment profiles count (the report range), when they are wanted.
    private var sessionUserDays: ClosedRange<Int32>? {
        configuration.profiles.reported ? reportRange.map { $0.first.index...$0.last.index } : nil
    }

    /// The report's sessions being built on another thread (`sessionizeAhead`).
    private var sessionsAhead: (result: SessionResult, group: DispatchGroup)?

    /// Starts building the report's sessions on another thread now, from a copy of the
    /// session log (which keeps every delivery and drops copies itself, so the duplicates
    /// need not be resolved first): while the nightly state is written from the same log,
    /// the two passes share both cores instead of running one after the other. Only for a
    /// run whose `finishReading` wants no session rows.
    public func sessionizeAhead() {
        guard !resolved, sessionsAhead == nil else { return }
        // The log is read, not consumed: the state's writer reads it too (its spilled runs go
        // with the temporary folder at the end of the run).
        sessionsAhead = startSessions(accumulator.sessionLogs, keep: true)
    }

    /// Builds the sessions of `logs` (without rows) on other threads; `keep`: read the logs
    /// without consuming them.
    private func startSessions(_ logs: [SessionLog], keep: Bool) -> (result: SessionResult, group: DispatchGroup) {
        let result = SessionResult()
        let group = DispatchGroup()
        let (timeout, clock, userDays, threads) = (configuration.sessionTimeoutMillis, clock, sessionUserDays, configuration.sessionThreads)
        DispatchQueue.global().async(group: group) {
            result.set(
                Self.sessionize(logs, timeoutMillis: timeout, clock: clock, userDays: userDays, threads: threads, keep: keep, each: nil))
        }
        return (result, group)
    }

    /// The report range: `--from`/`--to` where given, else the days with events (a project's
    /// analysis: the whole run's range, so that its rows line up with the run's).
    private var reportRange: DayRange? {
        rangeOverride ?? ReportBuilder.resolveRange(from: configuration.from, to: configuration.to, data: accumulator.dayBounds)
    }
    private var rangeOverride: DayRange?
    /// A project's analysis: the last day with an event in the whole run's data, up to which
    /// its retention targets are known (a project that went quiet shows its cohorts' 0s, not
    /// empty cells: until 2026-12-07 it used its own last day, a review found).
    private var dataLastOverride: Day?

    /// Segments and attribute breakdowns, once the duplicates and sessions are known.
    private var segmentOutput: SegmentPass.Output?

    /// The member exports of the segments (`segments/<file>.csv`), once `finishReading` has run.
    public var memberExports: MemberExportLog? { segmentOutput?.exports }

    /// The projects' ids in byte order (`--by-project`).
    var projectIDs: [String] { projects.keys.map(\.text).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }

    private func runSegmentPass(sessions: UserSessionCounts?) {
        guard configuration.profiles.reported, let range = reportRange, var profileLog = accumulator.profileLog,
            let kinds = accumulator.userKinds
        else { return }
        state.pointee.accumulator.profileLog = nil
        state.pointee.accumulator.userKinds = nil

        let daily = (tablesWithoutSessions ?? buildTables(sessions: SessionStats())).daily
        let pass = SegmentPass(
            options: configuration.profiles, range: range, directory: directory, userSessions: sessions, store: spill,
            directoryOnlyUsers: !configuration.projectShare)
        segmentOutput = pass.run(kinds: kinds, profiles: &profileLog, daily: daily)
    }

    /// The report tables built during `finishReading`, before the session columns.
    private var tablesWithoutSessions: Reports?

    private func buildTables(sessions: SessionStats) -> Reports {
        if configuration.keepsReportTotals, let data = accumulator.dayBounds, reportRange == data, (dataLastOverride ?? data.last) <= data.last {
            // The same tables, from the totals the state keeps (`ReportTotals.reports`).
            let totals = userTotals ?? ReportTotals.build(accumulator, axis: ReportTotals.axis(of: data), sessions: SessionStats())
            userTotals = totals
            var reports = totals.reports(accumulator, range: data, dimensions: reportedDimensions)
            ReportBuilder.addSessions(sessions, to: &reports)
            return reports
        }
        return ReportBuilder.build(accumulator, range: reportRange, sessions: sessions, dimensions: reportedDimensions, dataLast: dataLastOverride)
    }

    /// The report totals, without sessions, when `buildTables` built the tables through them.
    private var userTotals: ReportTotals?

    /// The `ReportTotals` of the whole analysis once its reports are built (`finishReading`
    /// has built its sessions); nil without data.
    public func reportTotals() -> ReportTotals? {
        guard let data = accumulator.dayBounds else { return nil }
        var totals = userTotals ?? ReportTotals.build(accumulator, axis: ReportTotals.axis(of: data), sessions: SessionStats())
        totals.setSessions(sessionStats)
        return totals
    }

    /// The breakdown's dimensions: `project_id` only with `--clients`.
    var reportedDimensions: [Dimension] { Dimension.reported(withProjects: configuration.clients != nil) }

    /// Builds the sessions of every shard, on `threads` threads (a shard holds whole users, so
    /// their counts just add up). `each` is only allowed with one shard.
    static func sessionize(
        _ logs: [SessionLog], timeoutMillis: Int64, clock: DayClock, userDays: ClosedRange<Int32>? = nil, threads: Int = 1,
        keep: Bool = false, each: ((Session) -> Void)?
    ) -> SessionStats {
        precondition(each == nil || logs.count == 1, "session rows need a single shard")
        var total = SessionStats()
        let threads = min(threads, logs.count)
        guard threads > 1, each == nil else {
            for log in logs {
                total.merge(shardStats(log, timeoutMillis: timeoutMillis, clock: clock, userDays: userDays, keep: keep, each: each))
            }
            return total
        }
        // Shards on `threads` threads (a big machine's end phase), merged in shard order.
        let parts = concurrentMap(count: logs.count, threads: threads) { shard in
            shardStats(logs[shard], timeoutMillis: timeoutMillis, clock: clock, userDays: userDays, keep: keep, each: nil)
        }
        for part in parts { total.merge(part) }
        return total
    }

    /// The sessions of one shard; its log is consumed unless `keep`.
    private static func shardStats(
        _ log: SessionLog, timeoutMillis: Int64, clock: DayClock, userDays: ClosedRange<Int32>?, keep: Bool,
        each: ((Session) -> Void)?
    ) -> SessionStats {
        var sessionizer = Sessionizer(timeoutMillis: timeoutMillis, clock: clock)
        sessionizer.userDays = userDays
        if keep { return sessionizer.run(log.sortedCopy(), each: each) }
        var log = log
        return log.withSorted { sessionizer.run($0, each: each) }
    }


    /// The report range and tables (stage 5).
    public func reports(sessions: ((Session) -> Void)? = nil) -> Reports {
        finishReading(sessions: sessions)
        var reports = tablesWithoutSessions ?? buildTables(sessions: sessionStats)
        if tablesWithoutSessions != nil { ReportBuilder.addSessions(sessionStats, to: &reports) }
        if let segments = segmentOutput {
            // Profiles are made for attribute breakdowns too; the segment tables only with
            // `--segments` (docs/reports.md: with `--breakdown-attribute` alone they were written
            // empty until 2026-12-07).
            reports.segmentsGiven = configuration.profiles.segments != nil
            reports.segments = segments.rows
            reports.segmentDaily = segments.daily
            if !segments.breakdown.isEmpty {
                reports.breakdown = (reports.breakdown + segments.breakdown).sorted(by: BreakdownRow.precedes)
            }
        }
        return reports
    }

    /// With `--by-project`: each project's id and reports, ids in byte order.
    public func projectReports() -> [(id: String, reports: Reports, analysis: Analysis)] {
        finishReading()
        return projectIDs.map { ($0, projects[ExactText($0)]!.reports(), projects[ExactText($0)]!) }
    }

    /// True when some input was read to the end or in part: otherwise nothing is written.
    public var anyInputReadable: Bool { inputs.contains { $0.status != .failed } }
}

/// The session pass's result, set by the thread that builds the sessions (under a lock).
final class SessionResult: @unchecked Sendable {
    private let lock = NSLock()
    private var value = SessionStats()

    func set(_ stats: SessionStats) {
        lock.lock()
        value = stats
        lock.unlock()
    }

    var stats: SessionStats {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
