import Attribution
import Cluster
import Foundation
import Numerics
import Saliency

/// One successful task result of a scan, in the order the run produced them (phase, then index).
public struct ScanRecord: Sendable {
    /// The task kind.
    public var kind: String
    /// Its result.
    public var result: Payload

    /// A record.
    public init(kind: String, result: Payload) {
        self.kind = kind
        self.result = result
    }
}

/// Everything a scan's finished tasks add up to: the catalog, the merged partials and the scores, the IG
/// statistics and the trained models. Built from the results alone (the ledger's or a planner's history),
/// always the same way, so the planner stays stateless and `salience report` can rebuild any run.
///
/// Reductions merge partials in the order the records come (phase, then task index): deterministic.
public struct ScanProgress {
    /// The catalog task's result, once it finished.
    public private(set) var catalog: CatalogResult?
    /// Keys of every finished task.
    public private(set) var done: Set<String> = []
    /// Statistics pass A (moments, covariance, ranges) tasks finished.
    public private(set) var statisticsA = 0
    /// Histogram (pass B) tasks finished.
    public private(set) var statisticsB = 0
    /// IG tasks finished.
    public private(set) var igTasks = 0
    /// Merged moments.
    public private(set) var moments: MomentsPartial?
    /// Merged bootstrap replicates of the moments (with `[confidence]`).
    public private(set) var bootstrapMoments: BootstrapMomentsPartial?
    /// Merged covariance.
    public private(set) var covariance: CovariancePartial?
    /// Merged ranges.
    public private(set) var range: RangePartial?
    /// Merged joint histograms.
    public private(set) var histogram: JointHistogramPartial?
    /// Pooled train rows of the statistics pieces by task key, kept until every KSG block has its scores:
    /// the KSG tasks are made from them. Decoded as they are folded (while the phase runs), not at the
    /// boundary the KSG tasks wait for.
    public private(set) var pooledRows: [String: Observations] = [:]
    /// KSG blocks by first dimension.
    public private(set) var ksgBlocks: [Int: DimensionScores] = [:]
    /// KSG subsample replicates by the block's first dimension, `[b][d]` (with `[confidence]`).
    public private(set) var ksgReplicateBlocks: [Int: [[Double]]] = [:]
    /// Merged IG statistics.
    public private(set) var attribution: AttributionStatistics?
    /// Merged bootstrap replicates of the IG score (with `[confidence]`).
    public private(set) var attributionReplicates: AttributionReplicates?
    /// Every trained model, in record order.
    public private(set) var models: [TrainedModelResult] = []
    /// Every fused system (`scan.fuse`), in record order.
    public private(set) var fusions: [FusedSystemResult] = []
    /// Whether the report task finished.
    public private(set) var reported = false
    /// Task timings folded per report phase (``PhaseTiming/phaseName(kind:)``), from the results' stamps.
    public private(set) var phaseTimings: [String: PhaseTiming] = [:]

    /// The latest finish of any timed task, if any task carried a timing.
    public var lastFinishedAt: Date? { phaseTimings.values.map(\.finishedAt).max() }

    /// Whether the KSG blocks cover every dimension (then no KSG task needs the pooled rows any more).
    public var ksgComplete: Bool {
        guard let dimension = catalog?.dataset.dimension, dimension > 0 else { return false }
        return ksgBlocks.values.reduce(0) { $0 + $1.dimensions.count } >= dimension
    }

    /// The pooled train rows of `pieces` (statistics task keys, in catalog order) as one batch; nil when a
    /// piece's rows are missing.
    public func pooledRows(of pieces: [String]) throws -> Observations? {
        let batches = pieces.compactMap { pooledRows[$0] }
        guard batches.count == pieces.count else { return nil }
        return try Observations.concatenating(batches)
    }

    /// Folds `records` in order.
    public init(records: [ScanRecord]) throws {
        try add(records)
    }

    /// Folds more records in, after those already folded (a later phase's results).
    public mutating func add(_ records: [ScanRecord]) throws {
        for record in records { try add(record) }
    }

    private mutating func add(_ record: ScanRecord) throws {
        let payload = record.result
        if let timing = TaskTiming.read(from: payload) {
            let phase = PhaseTiming.phaseName(kind: record.kind)
            let reads = TaskTiming.reads(from: payload)
            if phaseTimings[phase] == nil {
                phaseTimings[phase] = PhaseTiming(timing, reads: reads)
            } else {
                phaseTimings[phase]?.add(timing, reads: reads)
            }
        }
        switch record.kind {
        case ScanTaskKind.catalog:
            catalog = try ScanCoding.decode(CatalogResult.self, from: payload, what: "scan.catalog result")
            done.insert("catalog")
        case ScanTaskKind.statistics:
            let body = try ScanCoding.decode(StatisticsResult.self, from: payload, what: "scan.statistics result")
            guard body.partials.count == payload.arrays.count else {
                throw ScanError.malformedPayload(what: "scan.statistics result", reason: "partials and arrays differ")
            }
            for (name, data) in zip(body.partials, payload.arrays) {
                let bytes = [UInt8](data)
                switch name {
                case "moments": try Self.fold(&moments, MomentsPartial(serialized: bytes)) { try $0.merge($1) }
                case "bootstrap-moments":
                    try Self.fold(&bootstrapMoments, BootstrapMomentsPartial(serialized: bytes)) { try $0.merge($1) }
                case "covariance": try Self.fold(&covariance, CovariancePartial(serialized: bytes)) { try $0.merge($1) }
                case "range": try Self.fold(&range, RangePartial(serialized: bytes)) { try $0.merge($1) }
                case "histogram":
                    try Self.fold(&histogram, JointHistogramPartial(serialized: bytes)) { try $0.merge($1) }
                case "pooled-rows" where !ksgComplete:
                    do { pooledRows[body.key] = try Observations(serialized: bytes) } catch {
                        throw ScanError.malformedPayload(
                            what: "scan.statistics result \(body.key)", reason: "pooled rows: \(error)")
                    }
                case "pooled-rows": break
                default:
                    throw ScanError.malformedPayload(what: "scan.statistics result", reason: "unknown partial \(name)")
                }
            }
            if body.key.hasPrefix("stats-a") { statisticsA += 1 } else { statisticsB += 1 }
            done.insert(body.key)
        case ScanTaskKind.ksg:
            let body = try ScanCoding.decode(KSGResult.self, from: payload, what: "scan.ksg result")
            let arrays = try payload.arrays.map { try DoubleBytes.decode($0, what: "scan.ksg scores") }
            let replicates = body.replicates ?? 0
            // At least one per-target vector before the replicates.
            guard replicates >= 0, replicates < arrays.count, body.start <= body.end,
                arrays.allSatisfy({ $0.count == body.end - body.start })
            else {
                throw ScanError.malformedPayload(
                    what: "scan.ksg result \(body.key)",
                    reason: "\(arrays.count) arrays of \(arrays.map(\.count)) scores for \(body.start)..<\(body.end), "
                        + "\(replicates) of them replicates")
            }
            ksgBlocks[body.start] = DimensionScores(
                method: KSGMutualInformation.method, dimensions: body.start..<body.end,
                perTarget: Array(arrays.dropLast(replicates)))
            if replicates > 0 { ksgReplicateBlocks[body.start] = Array(arrays.suffix(replicates)) }
            done.insert(body.key)
            if ksgComplete { pooledRows = [:] }
        case ScanTaskKind.ig:
            let body = try ScanCoding.decode(IGResult.self, from: payload, what: "scan.ig result")
            guard let data = payload.arrays.first else {
                throw ScanError.malformedPayload(what: "scan.ig result", reason: "no statistics")
            }
            try Self.fold(&attribution, AttributionStatistics(bytes: [UInt8](data))) { try $0.merge($1) }
            if payload.arrays.count > 1 {
                try Self.fold(&attributionReplicates, AttributionReplicates(bytes: [UInt8](payload.arrays[1]))) {
                    try $0.merge($1)
                }
            }
            igTasks += 1
            done.insert(body.key)
        case ScanTaskKind.train:
            let model = try ScanCoding.decode(TrainedModelResult.self, from: payload, what: "scan.train result")
            models.append(model)
            done.insert(
                TrainTask.key(
                    method: model.method, rule: model.rule, seed: model.seed, labelVariance: model.labelVariance))
        case ScanTaskKind.fuse:
            let fusion = try ScanCoding.decode(FusedSystemResult.self, from: payload, what: "scan.fuse result")
            fusions.append(fusion)
            done.insert(FuseTask.key(method: fusion.method, seed: fusion.seed, labelVariance: fusion.labelVariance))
        case ScanTaskKind.report:
            reported = true
            done.insert("report")
        default:
            break
        }
    }

    private static func fold<T>(_ accumulator: inout T?, _ value: T, _ merge: (inout T, T) throws -> Void) rethrows {
        if accumulator == nil {
            accumulator = value
        } else {
            try merge(&accumulator!, value)
        }
    }
}
