/// Errors of the training core, each naming what and where.
public enum LearnError: Error, CustomStringConvertible, Equatable {
    /// A label-variance mode that needs rater spread was asked for, and the dataset has neither `ratings` nor
    /// `label_std`.
    case noRaterSpread(dataset: String, mode: LabelVarianceMode = .stdAux)
    /// A split has no utterances.
    case emptySplit(String)
    /// A selection index is not below the dataset's width.
    case selectionOutOfRange(index: Int, width: Int, source: String)
    /// The dataset's embedding width differs from the model's.
    case widthMismatch(model: String, modelWidth: Int, dataset: String, datasetWidth: Int)
    /// A checkpoint file cannot be used.
    case badCheckpoint(path: String, reason: String)
    /// A training setting that cannot apply to this dataset (the sentence says which and why).
    case invalidSetting(String)
    /// The local file that holds frames beyond the memory budget cannot be created or written.
    case frameFile(path: String, reason: String)
    /// A layer mix of `layers` layers cannot cut `columns` input columns into equal layers.
    case badLayerMix(layers: Int, columns: Int)
    /// A memory budget of `given` bytes cannot hold one batch, which needs `needed` bytes (`batch` utterances of
    /// up to `frames` frames of `columns` float32 columns).
    case memoryBudgetTooSmall(given: Int, needed: Int, batch: Int, frames: Int, columns: Int)

    /// A one-sentence explanation.
    public var description: String {
        switch self {
        case .noRaterSpread(let dataset, let mode):
            return "\(dataset): --label-variance \(mode.rawValue) needs `ratings` or `label_std`, and the shards have "
                + "neither; use --label-variance off"
        case .emptySplit(let split):
            return "the \(split) split has no utterances"
        case .selectionOutOfRange(let index, let width, let source):
            return "\(source): selected dimension \(index) is out of range for embeddings of width \(width)"
        case .widthMismatch(let model, let modelWidth, let dataset, let datasetWidth):
            return "\(model) was trained on embeddings of width \(modelWidth), but \(dataset) has width \(datasetWidth)"
        case .badCheckpoint(let path, let reason):
            return "\(path): not a usable Salience model (\(reason))"
        case .invalidSetting(let sentence):
            return sentence
        case .frameFile(let path, let reason):
            return "cannot keep frames beyond the memory budget in \(path): \(reason) (give --cache-dir a writable "
                + "local directory with room, or a larger --memory)"
        case .memoryBudgetTooSmall(let given, let needed, let batch, let frames, let columns):
            return "a memory budget of \(Self.mebibytes(given)) cannot hold one batch: \(batch) utterances x up to "
                + "\(frames) frames x \(columns) columns x 4 bytes = \(Self.mebibytes(needed)) needed (give a larger "
                + "--memory or training.memory_mib, or a smaller batch size)"
        case .badLayerMix(let layers, let columns) where layers < 1:
            return "a layer mix needs at least 1 layer, and \(layers) were asked for (\(columns) columns)"
        case .badLayerMix(let layers, let columns):
            return "a layer mix of \(layers) layers cuts the frame into \(layers) equal blocks of columns (one per "
                + "layer, in layer order), and \(columns) columns are not a multiple of \(layers); select every "
                + "column of each of the \(layers) layers"
        }
    }

    /// `bytes` in MiB, rounded up, for messages.
    static func mebibytes(_ bytes: Int) -> String { "\((bytes + (1 << 20) - 1) >> 20) MiB" }
}
