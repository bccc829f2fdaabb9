import Foundation
import HDF5
import Shards

/// Saving and loading trained models as HDF5 files: weights by layer name under `weights/` (PyTorch's
/// names and shapes), the decoder configuration as a JSON attribute, the selected input columns, the
/// input standardisation, the task and targets, and a format version. h5py reads them as they are.
public enum Checkpoint {
    /// The `salience_format` attribute of a model file.
    public static let formatName = "decoder-checkpoint"
    /// The version this code writes and reads.
    public static let formatVersion = 1

    /// Writes `model` to `url` (through a temporary file renamed into place, so a crash never leaves a
    /// half-written model under the final name). `training` is recorded as a JSON attribute.
    public static func save(_ model: TrainedModel, to url: URL, training: TrainingConfig? = nil) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try write(model, to: temporary.path, training: training)
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: temporary, to: url)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw LearnError.badCheckpoint(path: url.path, reason: "cannot write: \(error)")
        }
    }

    private static func write(_ model: TrainedModel, to path: String, training: TrainingConfig?) throws {
        let file = try File.create(path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try file.writeAttribute("salience_format", .string(formatName))
        try file.writeAttribute("format_version", .int(formatVersion))
        try file.writeAttribute(
            "config", .string(String(decoding: try encoder.encode(model.decoder.config), as: UTF8.self)))
        if let training {
            try file.writeAttribute("training", .string(String(decoding: try encoder.encode(training), as: UTF8.self)))
        }
        try file.writeAttribute("task", .string(model.task.rawValue))
        try file.writeAttribute("targets", .strings(model.targets))
        try file.writeAttribute("label_variance", .string(model.labelVariance.rawValue))
        // Only modes with fitted head parameters write them, so files of the other modes stay as they were.
        if !model.head.varianceFloor.isEmpty || !model.head.binCentres.isEmpty {
            try file.writeAttribute(
                "label_variance_head", .string(String(decoding: try encoder.encode(model.head), as: UTF8.self)))
        }
        try file.writeAttribute("dataset_width", .int(model.datasetWidth))
        if let layers = model.datasetLayers { try file.writeAttribute("dataset_layers", .ints(layers)) }
        try file.writeDataset("selection", model.selection.map { Int64($0) })
        let normalization = try file.createGroup("normalization")
        try normalization.writeDataset("mean", model.decoder.standardization.mean)
        try normalization.writeDataset("std", model.decoder.standardization.std)
        let weights = try file.createGroup("weights")
        for p in model.decoder.parameters {
            try weights.writeDataset(p.name, p.value, shape: p.shape)
        }
        try file.flush()
    }

    /// Reads a model written by `save`.
    /// - Throws: `LearnError.badCheckpoint` naming the file for anything that is not a complete model of
    ///   this format version (truncated, another version, a missing or misshapen weight).
    public static func load(from url: URL) throws -> TrainedModel {
        let path = url.path
        func bad(_ reason: String) -> LearnError { .badCheckpoint(path: path, reason: reason) }
        guard FileManager.default.fileExists(atPath: path) else { throw bad("no such file") }
        let file: File
        do { file = try File.open(path) } catch { throw bad("cannot open as HDF5 (truncated or not HDF5): \(error)") }
        do {
            guard try file.hasAttribute("salience_format"),
                try file.readAttribute("salience_format").stringValue == formatName
            else { throw bad("no salience_format = \(formatName) attribute") }
            let version = try file.readAttribute("format_version").intValue
            guard version == formatVersion else {
                throw bad("format_version \(version.map(String.init) ?? "?") is not \(formatVersion)")
            }
            guard let configText = try file.readAttribute("config").stringValue else {
                throw bad("config is not a string")
            }
            let config = try JSONDecoder().decode(DecoderConfig.self, from: Data(configText.utf8))
            do { try config.validateLayerMix() } catch { throw bad("config: \(error)") }
            guard let taskName = try file.readAttribute("task").stringValue, let task = TaskKind(rawValue: taskName)
            else { throw bad("unknown task") }
            guard let targets = try file.readAttribute("targets").stringValues else { throw bad("targets missing") }
            guard let modeName = try file.readAttribute("label_variance").stringValue,
                let mode = LabelVarianceMode(rawValue: modeName)
            else { throw bad("unknown label_variance") }
            var head = LabelVarianceHead(mode: mode, task: task, targets: targets.count)
            if try file.hasAttribute("label_variance_head") {
                guard let text = try file.readAttribute("label_variance_head").stringValue else {
                    throw bad("label_variance_head is not a string")
                }
                head = try JSONDecoder().decode(LabelVarianceHead.self, from: Data(text.utf8))
            }
            guard head.mode == mode, head.targets == targets.count, head.decoderOutputs == config.outputCount else {
                throw bad(
                    "label variance \(mode.rawValue) with \(targets.count) targets needs \(head.decoderOutputs) "
                        + "decoder outputs, and the decoder has \(config.outputCount)")
            }
            guard let datasetWidth = try file.readAttribute("dataset_width").intValue else {
                throw bad("dataset_width missing")
            }
            let selection = try file.openDataset("selection").read(as: Int64.self).map { Int($0) }
            guard selection.count == config.inputWidth else {
                throw bad("selection has \(selection.count) columns but the decoder reads \(config.inputWidth)")
            }
            let normalization = try file.openGroup("normalization")
            let mean = try normalization.openDataset("mean").read(as: Float.self)
            let std = try normalization.openDataset("std").read(as: Float.self)
            guard mean.count == config.inputWidth, std.count == config.inputWidth else {
                throw bad("normalization has the wrong width")
            }
            let decoder = SequenceDecoder<Float>(config: config, seed: 0)
            decoder.setStandardization(Standardization(mean: mean, std: std))
            let weights = try file.openGroup("weights")
            for p in decoder.parameters {
                guard try weights.contains(p.name) else { throw bad("weight \(p.name) missing") }
                let dataset = try weights.openDataset(p.name)
                guard try dataset.shape == p.shape else {
                    throw bad("weight \(p.name) has shape \(try dataset.shape), expected \(p.shape)")
                }
                p.value = try dataset.read(as: Float.self)
            }
            let model = TrainedModel(
                decoder: decoder, task: task, targets: targets, head: head, selection: selection,
                datasetWidth: datasetWidth)
            if try file.hasAttribute("dataset_layers") {
                guard let layers = try file.readAttribute("dataset_layers").intValues else {
                    throw bad("dataset_layers is not a list of layer numbers")
                }
                model.datasetLayers = layers
            }
            return model
        } catch let error as LearnError {
            throw error
        } catch {
            throw bad("\(error)")
        }
    }
}
