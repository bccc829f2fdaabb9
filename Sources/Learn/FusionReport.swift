import Foundation
import Numerics

/// What `salience fuse --metrics` writes: the method, the members, the fitted weights per target, and every
/// metric of the fused system and of each member (the same entries `salience train --metrics` has), so the
/// fused system can be compared with its members split by split and condition by condition.
public struct FusionReport: Codable, Sendable {
    /// `mean`, `dev-weighted` or `learned`.
    public var method: String
    /// The members' prediction files, in order.
    public var members: [String]
    /// The fitted combination per target.
    public var weights: [FusionWeights]
    /// Every metric of the fused predictions.
    public var metrics: [MetricEntry]
    /// Every metric of each member, in member order.
    public var memberMetrics: [[MetricEntry]]

    /// The report of one fusion.
    public init(_ record: FusionRecord) {
        method = record.method.rawValue
        members = record.members
        weights = record.weights
        metrics = record.metrics
        memberMetrics = record.memberMetrics
    }

    /// The report as JSON with snake_case keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = NonFiniteJSON.encoding
        return try encoder.encode(self)
    }
}
