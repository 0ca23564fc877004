import Foundation
// Temporary stand-in until the segment definitions land (replaced by the real SegmentSet).
public struct SegmentSet: Sendable {
    public var names: [String] = []
    public var count: Int { names.count }
    public init(names: [String]) { self.names = names }
    public static func load(files: [(name: String, data: [UInt8])], timeZone: TimeZone) throws -> SegmentSet { SegmentSet(names: []) }
    public func evaluate(_ profile: UserProfile, lastDay: Day) -> SegmentMembership { SegmentMembership() }
}
public struct SegmentMembership: Sendable {
    public init() {}
    public func contains(_ index: Int) -> Bool { false }
    public var isEmpty: Bool { true }
}
public enum SegmentFileName {
    public static func fileName(for segmentName: String) -> String { segmentName }
}
