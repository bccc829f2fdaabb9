import Foundation
import Numerics

/// Everything a scan produced, or has produced so far: the run's metadata, the score curves, the selections
/// and one ``TrainedModelResult`` per trained model.
///
/// This is `results.json`, and what `Reports` draws. It is versioned: a reader refuses a format it does not
/// know instead of guessing. A run still in progress is a valid `ScanResults` with some parts empty and its
/// phases saying which.
public struct ScanResults: Codable, Equatable, Sendable {
    /// The value of ``format`` in every results file.
    public static let formatName = "salience-scan-results"
    /// The version this code writes and reads.
    public static let currentVersion = 1

    /// Always ``formatName``.
    public var format: String
    /// The format version, ``currentVersion`` when written by this code.
    public var formatVersion: Int
    /// The run: spec, dataset, times, phases, status and failed tasks.
    public var run: Run
    /// One curve per scoring method (per dimension, in dimension order).
    public var scoreCurves: [ScoreCurve]
    /// Every selection the grid trained on.
    public var selections: [Selection]
    /// One entry per trained model.
    public var models: [TrainedModelResult]
    /// Bootstrap confidence of the scores and selections (only with `[confidence] replicates`).
    public var confidence: Confidence?
    /// One entry per fused system of the spec's `[fusion]` (fusion method, seed, mode); nil (and absent from
    /// the JSON) when the spec has none, so results without fusion read and write as before.
    public var fusions: [FusedSystemResult]?
    /// What a scan over several layers found about them; nil (and absent from the JSON) otherwise.
    public var layers: LayerAnalysis?

    /// Creates results for `run`, with the other parts empty until the phases fill them.
    public init(
        run: Run, scoreCurves: [ScoreCurve] = [], selections: [Selection] = [], models: [TrainedModelResult] = [],
        fusions: [FusedSystemResult]? = nil
    ) {
        format = Self.formatName
        formatVersion = Self.currentVersion
        self.run = run
        self.scoreCurves = scoreCurves
        self.selections = selections
        self.models = models
        self.fusions = fusions
    }

    /// The metric models are chosen and compared by: ROC AUC for a binary task, CCC otherwise (methods.md).
    public var primaryMetric: Metric { run.dataset.task == "binary" ? .auc : .ccc }

    /// The score curve of `method`, if it has been computed.
    public func scoreCurve(_ method: ScanSpec.Method) -> ScoreCurve? {
        scoreCurves.first { $0.method == method }
    }
}

// MARK: - Reading and writing

/// Why a results file was refused.
public enum ScanResultsError: Error, CustomStringConvertible {
    /// The file is not a Salience results file.
    case notResults(path: String, found: String)
    /// The file's version is newer (or older) than this code reads.
    case unsupportedVersion(path: String, version: Int)
    /// The JSON does not decode; the decoder's reason says where.
    case malformed(path: String, reason: String)
    /// The file could not be read.
    case unreadable(path: String, reason: String)

    /// What went wrong, naming the file.
    public var description: String {
        switch self {
        case .notResults(let path, let found):
            return "\(path): not a Salience results file (format is \"\(found)\", "
                + "expected \"\(ScanResults.formatName)\")"
        case .unsupportedVersion(let path, let version):
            return "\(path): results format version \(version) is not supported (this build reads "
                + "version \(ScanResults.currentVersion))"
        case .malformed(let path, let reason):
            return "\(path): malformed results JSON: \(reason)"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        }
    }
}

extension ScanResults {
    /// The JSON encoder of results files: snake_case keys, ISO 8601 dates with milliseconds, sorted keys, NaN as a string.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = ScanDates.encoding
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = NonFiniteJSON.encoding
        return encoder
    }

    /// The JSON decoder matching ``makeEncoder()``.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = ScanDates.decoding
        decoder.nonConformingFloatDecodingStrategy = NonFiniteJSON.decoding
        return decoder
    }

    /// The results as `results.json` bytes.
    public func jsonData() throws -> Data { try Self.makeEncoder().encode(self) }

    /// Decodes results, checking the format name and version first; `path` names the source in errors.
    public static func decode(_ data: Data, path: String = "results.json") throws -> ScanResults {
        struct Header: Decodable {
            var format: String?
            var formatVersion: Int?
        }
        let decoder = makeDecoder()
        let header: Header
        do {
            header = try decoder.decode(Header.self, from: data)
        } catch {
            throw ScanResultsError.malformed(path: path, reason: String(describing: error))
        }
        guard header.format == formatName else {
            throw ScanResultsError.notResults(path: path, found: header.format ?? "missing")
        }
        guard header.formatVersion == currentVersion else {
            throw ScanResultsError.unsupportedVersion(path: path, version: header.formatVersion ?? -1)
        }
        do {
            return try decoder.decode(ScanResults.self, from: data)
        } catch {
            throw ScanResultsError.malformed(path: path, reason: String(describing: error))
        }
    }

    /// Reads a `results.json` file.
    public static func load(contentsOf url: URL) throws -> ScanResults {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ScanResultsError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try decode(data, path: url.path)
    }
}
