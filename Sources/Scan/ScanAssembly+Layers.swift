import Foundation
import Saliency

extension ScanAssembly {
    /// The layer analysis of a layered scan (nil otherwise): layer scores per method from its score curve,
    /// the probe's metrics per layer, their rank agreement, the cross-layer selections' counts per layer and
    /// the mix's weights.
    static func layerAnalysis(
        graph: ScanGraph, curves: [ScanResults.ScoreCurve], selections: [ScanResults.Selection],
        models: [TrainedModelResult], metric: ScanResults.Metric
    ) -> ScanResults.LayerAnalysis? {
        guard graph.isLayered else { return nil }
        let layers = graph.layers
        let devKey = ScanResults.MetricKey(split: .dev, metric: metric)
        let testKey = ScanResults.MetricKey(split: .test, metric: metric)
        var probe: [ScanResults.ProbeLayer] = []
        for layer in layers {
            let trained = models.filter { $0.method == .full && $0.rule == .inLayer(layer.layer, .full) }
            let dev = trained.compactMap { $0[devKey] }
            let test = trained.compactMap { $0[testKey] }
            guard !dev.isEmpty, !test.isEmpty else { continue }
            probe.append(
                ScanResults.ProbeLayer(
                    layer: layer.layer, dev: dev.reduce(0, +) / Double(dev.count),
                    test: test.reduce(0, +) / Double(test.count), models: trained.count))
        }
        let probeComplete = graph.trainsProbe && probe.count == layers.count
        let sign = metric.higherIsBetter ? 1.0 : -1.0
        var methods: [ScanResults.MethodLayers] = []
        for curve in curves where curve.method.traits.selection == .scores && curve.mean.count == graph.dimension {
            let scores = graph.layerScores(curve.mean)
            var entry = ScanResults.MethodLayers(
                method: curve.method, layerScores: scores, bestLayer: layers[graph.bestLayer(curve.mean)].layer)
            if probeComplete && layers.count >= 3 {
                entry.spearmanWithProbe = MethodAgreement.spearman(scores, probe.map { sign * $0.dev })
                entry.spearmanWithProbeTest = MethodAgreement.spearman(scores, probe.map { sign * $0.test })
            }
            for selection in selections where selection.method == curve.method && !selection.rule.isLayerScoped {
                var counts = [Int](repeating: 0, count: layers.count)
                for index in selection.indices { counts[graph.position(ofColumn: index)] += 1 }
                entry.crossLayerCounts.append(
                    ScanResults.CrossLayerCount(rule: selection.rule, k: selection.k, counts: counts))
            }
            methods.append(entry)
        }
        let mixModels = models.filter { $0.method == .full && $0.rule == .mix }.compactMap(\.layerWeights)
        let mixWeights =
            mixModels.isEmpty
            ? nil
            : layers.indices.map { position in
                mixModels.reduce(0) { $0 + ($1.count > position ? $1[position] : 0) } / Double(mixModels.count)
            }
        let best = probeComplete ? probe.max { sign * $0.dev < sign * $1.dev }?.layer : nil
        return ScanResults.LayerAnalysis(
            layers: layers, score: graph.spec.layerSettings.score.description, metric: metric.rawValue,
            methods: methods, probe: probe.isEmpty ? nil : probe, probeBestLayer: best, mixWeights: mixWeights)
    }
}
