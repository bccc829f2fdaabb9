import Foundation

/// Integer counts of (dimension value, target value) pairs on agreed edges, for every dimension and target:
/// the second pass of `mis-hist`. Counts add exactly, so any split and merge order gives identical counts.
///
/// Layout of `counts`: for each dimension (local index d), for each target t, a row-major
/// `binsX × binsY[t]` table. D = 4096 with one target and 32 × 32 bins is 32 MiB; a partial may cover a block
/// of dimensions (the layout's `dimensions`) to keep a worker smaller.
public struct JointHistogramPartial: MergeablePartial, Equatable, Sendable {
    /// The serialisation tag.
    public static let kind = PartialKind.jointHistogram

    /// The agreed edges.
    public let layout: HistogramLayout
    /// Observations counted.
    public private(set) var count: Int = 0
    /// The tables (see the type's comment for the layout).
    public private(set) var counts: [Int]

    /// Counts per dimension (all targets' tables).
    var stride: Int { layout.binsY.reduce(0) { $0 + layout.binsX * $1 } }

    /// An empty partial on `layout` (the merge identity).
    public init(layout: HistogramLayout) {
        self.layout = layout
        counts = []
        counts = [Int](repeating: 0, count: layout.dimensions.count * stride)
    }

    /// Offset of target `target`'s table within one dimension's block.
    func targetOffset(_ target: Int) -> Int {
        (0..<target).reduce(0) { $0 + layout.binsX * layout.binsY[$1] }
    }

    /// Rows and columns of one tile: the batch is counted tile by tile. Row by row over all D columns, each
    /// increment lands in another dimension's table (3 MB of tables at D = 384, 32 x 32 bins) and misses the
    /// cache; column by column, each value read is a stride of D doubles. A tile's values are binned row by
    /// row (contiguous reads) into a small buffer, then counted column by column, so every increment of a
    /// column goes to one 8 KB table that stays in L1.
    static let tileRows = 256
    static let tileColumns = 16

    /// Counts one batch whose columns are the layout's dimensions.
    public mutating func add(_ batch: Observations) throws { try add([batch], threads: 1) }

    /// Counts batches whose columns are the layout's dimensions on up to `threads` threads. Each thread
    /// takes a slice of the dimensions (whole tiles) over every batch and writes only that slice's tables, so
    /// nothing is merged afterwards and the counts equal a one-thread count.
    public mutating func add(_ batches: [Observations], threads: Int) throws {
        for batch in batches where batch.dimensionRange != layout.dimensions || batch.targetCount != layout.targetCount
        {
            throw SaliencyError.shapeMismatch(
                what: "histogram batch", expected: "dimensions \(layout.dimensions), \(layout.targetCount) targets",
                found: "dimensions \(batch.dimensionRange), \(batch.targetCount) targets")
        }
        let width = layout.dimensions.count
        let binsX = layout.binsX
        // Edges of every dimension's axis, row-major D x (binsX + 1), and the axes' scales and tolerances.
        var edgesX = [Double]()
        edgesX.reserveCapacity(width * (binsX + 1))
        for dimension in layout.dimensions { edgesX += layout.edgesX(dimension: dimension) }
        let axes = CountingAxes(
            low: layout.lowX, high: layout.highX, edges: edgesX, bins: binsX,
            scales: (0..<width).map { Double(binsX) / (layout.highX[$0] - layout.lowX[$0]) },
            tolerances: (0..<width).map {
                HistogramLayout.countingTolerance(low: layout.lowX[$0], high: layout.highX[$0], bins: binsX)
            })
        let tiles = (width + Self.tileColumns - 1) / Self.tileColumns
        let slices = max(1, min(threads, tiles))
        let stride = self.stride
        let agreed = layout
        counts.withUnsafeMutableBufferPointer { table in
            let table = SharedTable(base: table.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                let columns =
                    min(
                        width, slice * tiles / slices * Self.tileColumns)..<min(
                        width, (slice + 1) * tiles / slices * Self.tileColumns)
                for batch in batches {
                    Self.countSlice(
                        batch, columns: columns, layout: agreed, axes: axes, stride: stride, table: table.base)
                }
            }
        }
        count += batches.reduce(0) { $0 + $1.count }
    }

    /// The per-dimension constants of the x axes that the counting loop reads.
    private struct CountingAxes: Sendable {
        var low: [Double]
        var high: [Double]
        var edges: [Double]
        var bins: Int
        var scales: [Double]
        var tolerances: [Double]
    }

    /// The tables' base address, shared by counting threads that write disjoint dimension slices.
    private struct SharedTable: @unchecked Sendable {
        var base: UnsafeMutablePointer<Int>
    }

    /// Counts `batch`'s (local) `columns` into their tables at `table`. Each thread bins the batch's targets
    /// for itself: rows x targets values against rows x D for the columns, not worth a hand-over.
    private static func countSlice(
        _ batch: Observations, columns columnRange: Range<Int>, layout: HistogramLayout, axes: CountingAxes,
        stride: Int, table: UnsafeMutablePointer<Int>
    ) {
        let width = batch.dimensions
        let targets = batch.targetCount
        let binsX = axes.bins
        // Per row and target: where the row's y bin starts within a dimension's block (the target's table
        // offset plus the y bin); an x bin then adds binX * binsY[target].
        var rowCells = [Int](repeating: 0, count: batch.count * targets)
        var offset = 0
        for target in 0..<targets {
            let bins = layout.binsY[target]
            let low = layout.lowY[target]
            let high = layout.highY[target]
            layout.edgesY(target: target).withUnsafeBufferPointer { edges in
                for row in 0..<batch.count {
                    rowCells[row * targets + target] =
                        offset
                        + HistogramLayout.bin(
                            batch.targets[row * targets + target], low: low, high: high,
                            scale: Double(bins) / (high - low), edges: edges.baseAddress!, last: bins - 1)
                }
            }
            offset += binsX * bins
        }
        var tileBins = [Int32](repeating: 0, count: Self.tileRows * Self.tileColumns)
        let binsY = layout.binsY
        let lastBin = Double(binsX - 1)
        axes.low.withUnsafeBufferPointer { lowX in
            axes.high.withUnsafeBufferPointer { highX in
                axes.edges.withUnsafeBufferPointer { edgesX in
                    axes.scales.withUnsafeBufferPointer { scales in
                        axes.tolerances.withUnsafeBufferPointer { tolerances in
                            batch.features.withUnsafeBufferPointer { features in
                                rowCells.withUnsafeBufferPointer { rowCells in
                                    tileBins.withUnsafeMutableBufferPointer { tileBins in
                                        for firstRow in Swift.stride(from: 0, to: batch.count, by: Self.tileRows) {
                                            let rows = min(Self.tileRows, batch.count - firstRow)
                                            for firstColumn in Swift.stride(
                                                from: columnRange.lowerBound, to: columnRange.upperBound,
                                                by: Self.tileColumns)
                                            {
                                                let columns = min(
                                                    Self.tileColumns, columnRange.upperBound - firstColumn)
                                                for row in 0..<rows {
                                                    let values = features.baseAddress! + (firstRow + row) * width
                                                    for local in 0..<columns {
                                                        let column = firstColumn + local
                                                        tileBins[row &* columns &+ local] = Int32(
                                                            truncatingIfNeeded: HistogramLayout.binCounting(
                                                                values[column], low: lowX[column],
                                                                high: highX[column], scale: scales[column],
                                                                edges: edgesX.baseAddress! + column &* (binsX &+ 1),
                                                                last: binsX - 1, lastBin: lastBin,
                                                                tolerance: tolerances[column]))
                                                    }
                                                }
                                                for local in 0..<columns {
                                                    let block = table + (firstColumn + local) * stride
                                                    for target in 0..<targets {
                                                        let binsY = binsY[target]
                                                        let cells = rowCells.baseAddress! + firstRow * targets + target
                                                        for row in 0..<rows {
                                                            // Indices are in the table by construction.
                                                            block[
                                                                Int(tileBins[row &* columns &+ local]) &* binsY
                                                                    &+ cells[row &* targets]] &+= 1
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds counts element-wise; the layouts must be identical.
    public mutating func merge(_ other: JointHistogramPartial) throws {
        guard other.layout == layout else {
            throw SaliencyError.shapeMismatch(
                what: "histogram merge", expected: "the same edges and bins", found: "different edges or bins")
        }
        for index in counts.indices { counts[index] += other.counts[index] }
        count += other.count
    }

    /// The `binsX × binsY[target]` table of one (global) dimension and target, row-major.
    public func table(dimension: Int, target: Int) -> ArraySlice<Int> {
        let start = (dimension - layout.dimensions.lowerBound) * stride + targetOffset(target)
        return counts[start..<(start + layout.binsX * layout.binsY[target])]
    }

    public func serialized() -> [UInt8] {
        var encoder = PartialEncoder(kind: Self.kind)
        encoder.write(layout.dimensions.lowerBound)
        encoder.write(layout.dimensions.count)
        encoder.write(layout.binsX)
        encoder.write(layout.targetCount)
        encoder.write(layout.binsY)
        encoder.write(layout.lowX)
        encoder.write(layout.highX)
        encoder.write(layout.lowY)
        encoder.write(layout.highY)
        encoder.write(count)
        encoder.write(counts)
        return encoder.bytes()
    }

    public init(serialized bytes: [UInt8]) throws {
        var decoder = try PartialDecoder(bytes, kind: Self.kind)
        let first = try decoder.readCount("first dimension")
        let width = try decoder.readCount("dimension count", limit: bytes.count)
        let binsX = try decoder.readCount("bins on x", limit: bytes.count)
        let targets = try decoder.readCount("target count", limit: bytes.count)
        let binsY = try decoder.readInts(expected: targets, field: "bins on y")
        guard binsY.allSatisfy({ $0 >= 1 && $0 <= bytes.count }) else {
            throw PartialDecodingError.invalidField("bins on y \(binsY)")
        }
        let lowX = try decoder.readDoubles(expected: width, field: "lowX")
        let highX = try decoder.readDoubles(expected: width, field: "highX")
        let lowY = try decoder.readDoubles(expected: targets, field: "lowY")
        let highY = try decoder.readDoubles(expected: targets, field: "highY")
        let layout: HistogramLayout
        do {
            layout = try HistogramLayout(
                dimensions: first..<(first + width), binsX: binsX, binsY: binsY, lowX: lowX, highX: highX, lowY: lowY,
                highY: highY)
        } catch {
            throw PartialDecodingError.invalidField("histogram layout: \(error)")
        }
        let perDimension = binsY.reduce(0) { $0 + binsX * $1 }
        guard perDimension <= bytes.count, width * perDimension <= bytes.count else {
            throw PartialDecodingError.invalidField(
                "\(width) x \(perDimension) counts cannot fit in \(bytes.count) bytes")
        }
        self.layout = layout
        count = try decoder.readCount("count", limit: Int.max)
        counts = try decoder.readInts(expected: width * perDimension, field: "counts")
        guard counts.allSatisfy({ $0 >= 0 }) else { throw PartialDecodingError.invalidField("negative count") }
        try decoder.finish()
    }
}
