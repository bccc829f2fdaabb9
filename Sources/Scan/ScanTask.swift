import Cluster
import Foundation

/// The task kinds of a scan's graph, as the cluster routes them to worker executors.
public enum ScanTaskKind {
    /// Read and validate the dataset's headers against the format and the spec (``CatalogTask``).
    public static let catalog = "scan.catalog"
    /// Streaming statistics over one shard's utterance range (``StatisticsTask``).
    public static let statistics = "scan.statistics"
    /// The KSG estimator over one block of dimensions, every train utterance (``KSGTask``).
    public static let ksg = "scan.ksg"
    /// Train one decoder of the grid and evaluate it (``TrainTask``).
    public static let train = "scan.train"
    /// Integrated Gradients statistics of the baseline decoder over one utterance range (``IGTask``).
    public static let ig = "scan.ig"
    /// Write the report files from assembled results (``ReportTask``).
    public static let report = "scan.report"
}

/// What every scan task payload shares: the JSON body codec and the task's key (its identity in the graph).
public protocol ScanTaskBody: Codable {
    /// A stable, unique name of the task within its run (`stats:clean-0.h5:0..<512`), used to tell which
    /// graph nodes are done.
    var key: String { get }
}

/// JSON coding of task bodies and results (sorted keys, so equal inputs give equal bytes).
public enum ScanCoding {
    /// The encoder of every scan body.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        encoder.dateEncodingStrategy = ScanDates.encoding
        return encoder
    }

    /// The decoder matching ``encoder()``.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        decoder.dateDecodingStrategy = ScanDates.decoding
        return decoder
    }

    /// `value` as a payload body with `arrays` frames.
    public static func payload<T: Encodable>(_ value: T, arrays: [[UInt8]] = []) throws -> Payload {
        Payload(body: try encoder().encode(value), arrays: arrays.map { Data($0) })
    }

    /// Decodes a payload body, naming what it was meant to be when it is not.
    public static func decode<T: Decodable>(_ type: T.Type, from payload: Payload, what: String) throws -> T {
        do {
            return try decoder().decode(type, from: payload.body)
        } catch {
            throw ScanError.malformedPayload(what: what, reason: String(describing: error))
        }
    }
}

/// `scan.catalog`: the spec to check and the dataset it names.
public struct CatalogTask: ScanTaskBody, Equatable {
    /// The spec as submitted (output directory made absolute by the submitter).
    public var spec: ScanSpec
    /// When the scan was submitted.
    public var submittedAt: Date
    /// Always `catalog`.
    public var key: String { "catalog" }

    /// A catalog task for `spec`.
    public init(spec: ScanSpec, submittedAt: Date) {
        self.spec = spec
        self.submittedAt = submittedAt
    }
}

/// One clean shard as the catalog task saw it.
public struct ScanShard: Codable, Equatable, Sendable {
    /// The file name inside the dataset directory.
    public var file: String
    /// Utterances in the file (all splits).
    public var utterances: Int
    /// Train utterances in the file.
    public var trainUtterances: Int
}

/// The catalog task's result: the spec (echoed, so the ledger alone rebuilds a run) and the dataset facts.
public struct CatalogResult: Codable, Equatable, Sendable {
    /// The spec the run was submitted with.
    public var spec: ScanSpec
    /// When the scan was submitted.
    public var submittedAt: Date
    /// The dataset summary for the results (targets and conditions resolved by the spec).
    public var dataset: ScanResults.DatasetSummary
    /// Column indices of the chosen targets among the shards' targets.
    public var targetColumns: [Int]
    /// Whether the task is binary.
    public var binary: Bool
    /// Whether the shards carry rater spread (for `std-aux`).
    public var hasRaterSpread: Bool
    /// The clean shards, in catalog order.
    public var cleanShards: [ScanShard]
    /// The label-variance modes the grid trains.
    public var labelVariance: [ScanSpec.LabelVarianceMode]
}

/// `scan.statistics`: which partials to compute over one shard's utterance range (train split only).
public struct StatisticsTask: ScanTaskBody, Equatable {
    /// Dataset directory relative to the data root.
    public var dataset: String
    /// The shard file.
    public var shard: String
    /// First utterance (inclusive) in the file.
    public var start: Int
    /// Last utterance (exclusive).
    public var end: Int
    /// Utterance or frame pooling.
    public var pooling: ScanSpec.Pooling
    /// Target columns to pair with.
    public var targetColumns: [Int]
    /// Compute `MomentsPartial` (CCS).
    public var moments: Bool
    /// Compute `CovariancePartial` (PCA).
    public var covariance: Bool
    /// Compute `RangePartial` (first pass of `mis-hist`).
    public var range: Bool
    /// Compute `JointHistogramPartial` on the edges cut from the merged range (sent as the first array).
    public var histogramBins: Int?
    /// Whether targets are binary (2 bins on their axis).
    public var binaryTargets: Bool

    /// `stats-a` or `stats-b` (histograms), then shard and range.
    public var key: String { "\(histogramBins == nil ? "stats-a" : "stats-b"):\(shard):\(start)..<\(end)" }
}

/// `scan.ksg`: KSG mutual information over a block of dimensions.
public struct KSGTask: ScanTaskBody, Equatable {
    /// Dataset directory relative to the data root.
    public var dataset: String
    /// First dimension (inclusive).
    public var start: Int
    /// Last dimension (exclusive).
    public var end: Int
    /// Utterance or frame pooling.
    public var pooling: ScanSpec.Pooling
    /// Target columns.
    public var targetColumns: [Int]
    /// k.
    public var neighbours: Int
    /// Seed of the tie-breaking noise (the same as `salience scores`' default).
    public var noiseSeed: UInt64

    /// `ksg:start..<end`.
    public var key: String { "ksg:\(start)..<\(end)" }
}

/// `scan.train`: one decoder of the grid.
public struct TrainTask: ScanTaskBody, Equatable {
    /// Dataset directory relative to the data root.
    public var dataset: String
    /// The method whose selection this is.
    public var method: ScanSpec.Method
    /// The rule that set the size.
    public var rule: ScanResults.SelectionRule
    /// The selected columns (ascending); for PCA, every column (the projection is in the arrays).
    public var columns: [Int]
    /// k: the input width of the decoder.
    public var k: Int
    /// The training seed.
    public var seed: Int
    /// Label-variance mode.
    public var labelVariance: ScanSpec.LabelVarianceMode
    /// Target columns.
    public var targetColumns: [Int]
    /// The distorted conditions to evaluate on.
    public var conditions: [String]
    /// The decoder.
    public var decoder: ScanSpec.Decoder
    /// Optimiser settings.
    public var training: ScanSpec.Training
    /// The run's output directory (absolute); the model is written under it.
    public var outputDirectory: String
    /// Whether this model is also the baseline whose IG the `ig` method scores.
    public var isIGBaseline: Bool
    /// PCA: the projection's centre (length D) and `k × D` weights follow as arrays 0 and 1.
    public var projected: Bool

    /// `train:method:rule:seed:mode`.
    public var key: String {
        Self.key(method: method, rule: rule, seed: seed, labelVariance: labelVariance)
    }

    /// The key of the train task of one grid cell and seed.
    public static func key(
        method: ScanSpec.Method, rule: ScanResults.SelectionRule, seed: Int, labelVariance: ScanSpec.LabelVarianceMode
    ) -> String {
        "train:\(method.rawValue):\(rule):\(seed):\(labelVariance.rawValue)"
    }

    /// The model file, relative to the output directory.
    public var modelPath: String {
        let rulePart = rule.description.replacingOccurrences(of: ":", with: "-").replacingOccurrences(
            of: "*", with: "x")
        return "models/\(method.rawValue)-\(rulePart)-seed\(seed)-\(labelVariance.rawValue).h5"
    }
}

/// `scan.ig`: attribution statistics of the baseline decoder over one shard's utterance range (train split).
public struct IGTask: ScanTaskBody, Equatable {
    /// Dataset directory relative to the data root.
    public var dataset: String
    /// The shard file.
    public var shard: String
    /// First utterance (inclusive).
    public var start: Int
    /// Last utterance (exclusive).
    public var end: Int
    /// The baseline model file (absolute).
    public var modelPath: String
    /// Integration steps.
    public var steps: Int
    /// The rule.
    public var method: ScanSpec.IGMethod
    /// The outputs attributed (the target means).
    public var outputs: [Int]

    /// `ig:shard:start..<end`.
    public var key: String { "ig:\(shard):\(start)..<\(end)" }
}

/// `scan.report`: the results to write, and where.
public struct ReportTask: ScanTaskBody {
    /// Everything assembled (status `succeeded`).
    public var results: ScanResults
    /// The output directory (absolute).
    public var outputDirectory: String
    /// Always `report`.
    public var key: String { "report" }
}

/// Why a scan task or plan failed.
public enum ScanError: Error, CustomStringConvertible, Equatable {
    /// The dataset fails the format's rules (every problem, each naming its file).
    case invalidDataset(directory: String, problems: [String])
    /// The spec does not fit the dataset (each problem naming its field).
    case specDoesNotFit(problems: [ScanSpecProblem])
    /// A payload is not what its task kind needs.
    case malformedPayload(what: String, reason: String)
    /// A result the planner needs is missing or inconsistent.
    case inconsistentResults(String)
    /// Reading or writing a file failed.
    case io(path: String, reason: String)

    /// What went wrong, naming files and fields.
    public var description: String {
        switch self {
        case .invalidDataset(let directory, let problems):
            return "dataset \(directory) is not valid (\(problems.count) problem(s)): "
                + problems.joined(separator: "; ")
        case .specDoesNotFit(let problems):
            return "the scan spec does not fit the dataset: " + problems.map(\.description).joined(separator: "; ")
        case .malformedPayload(let what, let reason):
            return "malformed \(what): \(reason)"
        case .inconsistentResults(let message):
            return "inconsistent results: \(message)"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
