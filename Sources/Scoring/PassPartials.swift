import Saliency

/// The mergeable partials a statistics pass accumulates: moments (CCS), covariance (PCA), ranges (the first
/// pass of `mis-hist`) and joint histograms on agreed edges (its second pass), each only when asked for.
/// `salience scores` and the cluster's `scan.statistics` tasks accumulate them the same way: each batch's
/// partials on the pass thread that pooled it, merged in unit order. With `bootstrap` set, the moments also
/// come as that many Poisson-bootstrap replicates (``BootstrapMomentsPartial``).
public struct PassPartials: Sendable {
    public var moments: MomentsPartial?
    public var bootstrapMoments: BootstrapMomentsPartial?
    public var covariance: CovariancePartial?
    /// One covariance per block of columns (a layered dataset's layers) instead of one over every column:
    /// L blocks of D² rather than (L·D)².
    public var blockCovariances: [CovariancePartial]?
    public var range: RangePartial?
    public var histogram: JointHistogramPartial?
    /// Pooled rows counted.
    public var rows = 0

    /// Empty partials over `dimensions` and `targetCount` targets, for the statistics asked for.
    public init(
        dimensions: Range<Int>, targetCount: Int, moments: Bool = false, covariance: Bool = false,
        range: Bool = false, histogram: HistogramLayout? = nil, bootstrap: BootstrapSettings? = nil,
        covarianceBlocks: [Range<Int>]? = nil
    ) {
        self.moments = moments ? MomentsPartial(dimensions: dimensions, targetCount: targetCount) : nil
        if moments, let bootstrap {
            bootstrapMoments = BootstrapMomentsPartial(
                dimensions: dimensions, targetCount: targetCount, replicates: bootstrap.replicates,
                seed: bootstrap.seed)
        }
        if covariance, let covarianceBlocks {
            blockCovariances = covarianceBlocks.map { CovariancePartial(dimensions: $0) }
        } else {
            self.covariance = covariance ? CovariancePartial(dimensions: dimensions) : nil
        }
        self.range = range ? RangePartial(dimensions: dimensions, targetCount: targetCount) : nil
        self.histogram = histogram.map { JointHistogramPartial(layout: $0) }
    }

    private init() {}

    /// The same statistics of one batch.
    public func of(_ batch: Observations) throws -> PassPartials {
        var piece = PassPartials()
        if moments != nil { piece.moments = MomentsPartial(batch) }
        if let bootstrapMoments {
            piece.bootstrapMoments = try BootstrapMomentsPartial(
                batch, replicates: bootstrapMoments.count, seed: bootstrapMoments.seed)
        }
        if let covariance {
            var block = CovariancePartial(dimensions: covariance.rows)
            try block.add(batch)
            piece.covariance = block
        }
        if let blockCovariances {
            piece.blockCovariances = try blockCovariances.map { block in
                var partial = CovariancePartial(dimensions: block.rows)
                try partial.add(batch)
                return partial
            }
        }
        if range != nil { piece.range = RangePartial(batch) }
        if let histogram {
            var counts = JointHistogramPartial(layout: histogram.layout)
            try counts.add(batch)
            piece.histogram = counts
        }
        piece.rows = batch.count
        return piece
    }

    /// Folds `other` in (each partial's exact merge).
    public mutating func merge(_ other: PassPartials) throws {
        if let partial = other.moments { try moments?.merge(partial) }
        if let partial = other.bootstrapMoments { try bootstrapMoments?.merge(partial) }
        if let partial = other.covariance { try covariance?.merge(partial) }
        if let partials = other.blockCovariances, blockCovariances != nil {
            for (index, partial) in partials.enumerated() { try blockCovariances![index].merge(partial) }
        }
        if let partial = other.range { try range?.merge(partial) }
        if let partial = other.histogram { try histogram?.merge(partial) }
        rows += other.rows
    }
}

extension ShardPass {
    /// Streams the pass once and accumulates `partials` (empty ones, saying which statistics to compute),
    /// handing every pooled batch to `keep` too, in merge order, when given. The result depends only on the
    /// data and the units, not on the number of threads.
    public func accumulate(
        _ partials: PassPartials, columns: [Int]? = nil, keep: ((Observations) -> Void)? = nil
    ) throws -> PassPartials {
        let total = Accumulated(partials)
        // A batch of many rows gets its partials on the pass thread that pooled it; small ones are gathered
        // in merge order and get theirs once they add up (see `BatchCoalescer`).
        try run(
            columns: columns,
            compute: { batch in (BatchCoalescer.gathers(batch) ? nil : try partials.of(batch), batch) },
            merge: { piece, batch in
                if let piece {
                    try total.value.merge(piece)
                } else if let gathered = try total.small.add(batch) {
                    try total.value.merge(partials.of(gathered))
                }
                keep?(batch)
            })
        if let gathered = try total.small.take() { try total.value.merge(partials.of(gathered)) }
        return total.value
    }
}

/// The running total of a pass and its gathered small batches, touched only by its merge (one at a time).
private final class Accumulated: @unchecked Sendable {
    var value: PassPartials
    var small = BatchCoalescer()
    init(_ value: PassPartials) { self.value = value }
}
