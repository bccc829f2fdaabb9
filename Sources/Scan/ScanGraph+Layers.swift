import Foundation
import Saliency

/// A scan over two or more layers: columns are (layer, dimension) pairs laid side by side, and the score
/// methods' selections are made across layers, within each layer and within the best layer (`[layers]
/// grid`); `full` trains the concatenation of every layer, the learned weighted sum of the layers (`mix`)
/// and, as the probe, one short decoder per whole layer.
///
/// Sizes: in a layered scan a ratio is of one layer's width, k = ⌊ratio · D̄⌋ with D̄ the chosen layers' mean
/// width, so a selection across layers, one within the best layer and one within each layer keep the same k
/// and compare at equal size.
extension ScanGraph {
    /// The layers the scan reads, in column order: one layer numbered 0 for a version-1 dataset.
    public var layers: [ScanResults.LayerWidth] {
        catalog.dataset.layers ?? [ScanResults.LayerWidth(layer: 0, dimension: dimension)]
    }

    /// Whether the scan reads two or more layers (and so crosses its grid with them).
    public var isLayered: Bool { layers.count >= 2 }

    /// The layer numbers every task reads (nil: every layer of the dataset).
    public var taskLayers: [Int]? { spec.dataset.layers?.numbers }

    /// The width ratios are taken of: D̄, the mean layer width, in a layered scan; D otherwise.
    public var ratioWidth: Int { isLayered ? dimension / layers.count : dimension }

    /// The columns of the layer at `position` in ``layers``.
    public func columns(ofLayerAt position: Int) -> Range<Int> {
        let start = layers[..<position].reduce(0) { $0 + $1.dimension }
        return start..<(start + layers[position].dimension)
    }

    /// The position in ``layers`` of column `column`.
    public func position(ofColumn column: Int) -> Int {
        var start = 0
        for (position, layer) in layers.enumerated() {
            start += layer.dimension
            if column < start { return position }
        }
        return layers.count - 1
    }

    /// Whether the learned weighted sum can be trained: asked for, and every layer of one width.
    public var trainsMix: Bool { isLayered && spec.layerSettings.mix && Set(layers.map(\.dimension)).count == 1 }

    /// Whether the probe (one short decoder per whole layer) is trained.
    public var trainsProbe: Bool { isLayered && spec.layerSettings.probeEpochs > 0 }

    /// One score per layer from per-dimension scores, by the spec's layer score.
    public func layerScores(_ scores: [Double]) -> [Double] {
        layers.indices.map { spec.layerSettings.score.value(of: scores[columns(ofLayerAt: $0)]) }
    }

    /// The position in ``layers`` of the best layer by `scores` (ties to the lower layer).
    public func bestLayer(_ scores: [Double]) -> Int {
        let perLayer = layerScores(scores)
        return perLayer.indices.max { perLayer[$0] < perLayer[$1] || (perLayer[$0] == perLayer[$1] && $0 > $1) } ?? 0
    }

    /// The selections of `method` in a layered scan (see the type's comment).
    func layeredSelections(
        of method: ScanSpec.Method, scores: [Double]?, seed: Int, stable: [Double]?
    ) throws -> [ScanResults.Selection] {
        let ratios = spec.selection.ratios
        let grid = Set(spec.layerSettings.grid)
        switch method.traits.selection {
        case .full:
            var out = [ScanResults.Selection(method: method, rule: .full, k: dimension, indices: Array(0..<dimension))]
            if trainsMix {
                out.append(
                    ScanResults.Selection(method: method, rule: .mix, k: dimension, indices: Array(0..<dimension)))
            }
            if trainsProbe {
                for (position, layer) in layers.enumerated() {
                    let columns = columns(ofLayerAt: position)
                    out.append(
                        ScanResults.Selection(
                            method: method, rule: .inLayer(layer.layer, .full), k: columns.count,
                            indices: Array(columns)))
                }
            }
            return out
        case .random:
            return try ratios.map { ratio in
                let k = Selection.count(ratio: ratio, dimensions: ratioWidth)
                let indices = try Selection.select(
                    [Double](repeating: 0, count: dimension), rule: .random(count: k, seed: UInt64(seed)))
                return ScanResults.Selection(method: method, rule: .ratio(ratio), seed: seed, k: k, indices: indices)
            }
        case .components:
            // Refused by the catalog for a scan of several layers: one covariance of L·D columns.
            return []
        case .scores:
            guard let scores else { return [] }
            var out = [ScanResults.Selection]()
            func top(_ ratio: Double, in columns: Range<Int>) throws -> [Int] {
                let k = min(columns.count, Selection.count(ratio: ratio, dimensions: ratioWidth))
                return try Selection.select(Array(scores[columns]), rule: .top(k)).map { $0 + columns.lowerBound }
            }
            if grid.contains(.cross) {
                for ratio in ratios {
                    let indices = try top(ratio, in: 0..<dimension)
                    out.append(
                        ScanResults.Selection(method: method, rule: .ratio(ratio), k: indices.count, indices: indices))
                }
                out += try thresholdSelections(of: method, scores: scores, stable: stable)
            }
            if grid.contains(.best) {
                let best = bestLayer(scores)
                for ratio in ratios {
                    let indices = try top(ratio, in: columns(ofLayerAt: best))
                    var selection = ScanResults.Selection(
                        method: method, rule: .bestLayer(.ratio(ratio)), k: indices.count, indices: indices)
                    selection.layer = layers[best].layer
                    out.append(selection)
                }
            }
            if grid.contains(.perLayer) {
                for (position, layer) in layers.enumerated() {
                    for ratio in ratios {
                        let indices = try top(ratio, in: columns(ofLayerAt: position))
                        out.append(
                            ScanResults.Selection(
                                method: method, rule: .inLayer(layer.layer, .ratio(ratio)), k: indices.count,
                                indices: indices))
                    }
                }
            }
            return out
        }
    }
}
