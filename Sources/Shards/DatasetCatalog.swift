import Foundation
import HDF5

/// What one shard of a dataset holds.
public struct ShardSummary: Codable, Equatable, Sendable {
    /// The file name.
    public var file: String
    /// Its condition (`clean` when the attribute is absent).
    public var condition: String
    /// N.
    public var utterances: Int
    /// Utterances per split name (`train`, `dev`, `test`).
    public var utterancesPerSplit: [String: Int]
    /// F.
    public var frames: Int
    /// D.
    public var dimension: Int
    /// `float32` or `float16`.
    public var embeddingType: String
    /// The chunk shape of `embeddings` (nil: contiguous).
    public var chunk: [Int]?
    /// R, when `ratings` is present.
    public var raters: Int?
    /// Whether `label_std` is present.
    public var hasLabelStd: Bool
    /// The layers of a layered (version-2) shard; nil for a version-1 shard.
    public var layers: [LayerWidth]? = nil
    /// Frames of its longest utterance: what one batch of it can need (a memory budget is checked against it).
    public var longestUtterance = 0
}

/// The refusal of a dataset directory: every problem found, one line each.
public struct DatasetError: Error, CustomStringConvertible, Sendable {
    /// The problems.
    public var problems: [ShardError]
    /// One line per problem.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// A dataset directory described from its shards' headers and metadata (no frames are read): shards,
/// conditions, utterances per split, frames, D, targets, task and what rating information is present.
///
/// Building a catalog applies the rules across shards: all shards agree on D, `task` and `targets`; ids are
/// unique within a condition across the whole dataset; a distorted shard's ids appear in clean shards; the
/// directory holds at least one shard. Any problem refuses the whole dataset (`DatasetError`).
public struct DatasetCatalog: Codable, Sendable {
    /// The directory.
    public var directory: String
    /// One summary per shard, in file-name order.
    public var shards: [ShardSummary]
    /// D: the width of every column the catalog describes (its layers' D, summed).
    public var dimension: Int
    /// The layers the columns come from, by increasing number; nil for a dataset of version-1 shards (one
    /// layer, numbered 0, of width `dimension`). `restricted(toLayers:)` narrows it.
    public var layers: [LayerWidth]?
    /// Target names.
    public var targets: [String]
    /// The task.
    public var task: TaskKind
    /// The encoder texts found (usually one).
    public var encoders: [String]
    /// Conditions present, `clean` first, then by name.
    public var conditions: [String]
    /// Whether every shard has `ratings`.
    public var hasRatings: Bool
    /// Whether every shard has `label_std`.
    public var hasLabelStd: Bool
    /// Root attributes other than the format's (e.g. `synthetic_relevant_dims`), from the first shard
    /// holding each.
    public var extraAttributes: [String: CatalogAttribute]

    /// Reads the catalog of `directory`.
    /// - Throws: `DatasetError` listing every problem when any shard or any rule across shards fails.
    public init(directory: URL) throws {
        let scan = Self.scan(directory: directory)
        guard scan.problems.isEmpty, let catalog = scan.catalog else { throw DatasetError(problems: scan.problems) }
        self = catalog
    }

    /// Reads the catalog of `directory` and keeps up to `limit` shards of `condition` (every condition when
    /// nil) open, the first ones by name: the readers, by file name, hold the metadata the catalog checked, so a
    /// pass over the frames that follows starts without reading it again. Each kept shard holds an open file
    /// (and libhdf5's caches for it) while its reader lives, hence the limit: a directory of thousands of
    /// shards must not run out of descriptors.
    /// - Throws: `DatasetError` as `init(directory:)` does.
    public static func opening(
        directory: URL, condition: String? = nil, layers: [Int]? = nil, keepingAtMost limit: Int
    ) throws -> (catalog: DatasetCatalog, readers: [String: ShardReader]) {
        var readers: [String: ShardReader] = [:]
        let scan = Self.scan(directory: directory) { loader in
            guard readers.count < limit, condition == nil || loader.header?.condition == condition else { return }
            if let reader = try? ShardReader(loaded: loader, layers: layers) { readers[loader.fileName] = reader }
        }
        guard scan.problems.isEmpty, let catalog = scan.catalog else { throw DatasetError(problems: scan.problems) }
        return (try catalog.restricted(toLayers: layers), readers)
    }

    /// The shard files of a dataset directory: every `*.h5` directly inside it, by name.
    public static func shardURLs(in directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".\(ShardFormat.fileExtension)") && !$0.hasPrefix(".") }.sorted()
            .map { directory.appendingPathComponent($0) }
    }

    /// The shards of `condition`.
    public func shards(condition: String) -> [ShardSummary] { shards.filter { $0.condition == condition } }

    /// Utterances of `condition` (all splits), summed over its shards.
    public func utteranceCount(condition: String = ShardFormat.cleanCondition) -> Int {
        shards(condition: condition).reduce(0) { $0 + $1.utterances }
    }

    /// Utterances of `condition` in `split`.
    public func utteranceCount(condition: String = ShardFormat.cleanCondition, split: Split) -> Int {
        shards(condition: condition).reduce(0) { $0 + ($1.utterancesPerSplit[split.description] ?? 0) }
    }

    /// Frames of `condition`.
    public func frameCount(condition: String = ShardFormat.cleanCondition) -> Int {
        shards(condition: condition).reduce(0) { $0 + $1.frames }
    }

    /// Whether the shards carry individual `ratings` or a `label_std`.
    public var hasRaterSpread: Bool { hasRatings || hasLabelStd }

    /// Frames of the dataset's longest utterance, over every shard (the catalog's own reading of the offsets).
    public var longestUtterance: Int { shards.map(\.longestUtterance).max() ?? 0 }

    private static func widths(_ header: ShardHeader) -> [LayerWidth] {
        header.layers.map { LayerWidth(layer: $0.number, dimension: $0.dimension) }
    }

    /// The URL of a shard by file name.
    public func url(of shard: ShardSummary) -> URL {
        URL(fileURLWithPath: directory).appendingPathComponent(shard.file)
    }

    /// Builds the catalog and collects every problem.
    static func scan(
        directory: URL, keep: (ShardLoader) -> Void = { _ in }
    ) -> (catalog: DatasetCatalog?, problems: [ShardError]) {
        let name = directory.lastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { return (nil, [ShardError(file: name, message: "no such directory")]) }
        guard FileManager.default.isReadableFile(atPath: directory.path),
            (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) != nil
        else { return (nil, [ShardError(file: name, message: "cannot list the directory (permission denied)")]) }
        let urls = shardURLs(in: directory)
        guard !urls.isEmpty else {
            return (nil, [ShardError(file: name, message: "no shards (*.h5 files) in the directory")])
        }
        var problems: [ShardError] = []
        var loaded: [(header: ShardHeader, ids: [String], splits: [Split], longest: Int)] = []
        for url in urls {
            if let problem = ShardFileCheck.problem(url: url, directory: directory) {
                problems.append(problem)
                continue
            }
            var loader = ShardLoader(url: url)
            loader.load()
            problems += loader.problems
            if loader.problems.isEmpty, let header = loader.header {
                let longest = zip(loader.offsets.dropFirst(), loader.offsets).map { $0 - $1 }.max() ?? 0
                loaded.append((header, loader.ids, loader.splits, longest))
                keep(loader)
            }
        }
        guard !loaded.isEmpty else { return (nil, problems) }

        // Agreement across shards: compare each shard with the value most shards have.
        func majority<T: Hashable>(_ values: [T]) -> T {
            var counts: [T: Int] = [:]
            for value in values { counts[value, default: 0] += 1 }
            return values.max { counts[$0]! < counts[$1]! } ?? values[0]
        }
        let layerWidths = loaded.map { shard in
            shard.header.layers.map { LayerWidth(layer: $0.number, dimension: $0.dimension) }
        }
        let layering = majority(layerWidths)
        let dimension = layering.reduce(0) { $0 + $1.dimension }
        let task = majority(loaded.map(\.header.task))
        let targets = majority(loaded.map(\.header.targets))
        for shard in loaded {
            let header = shard.header
            let reference = loaded.first { $0.header.dimension == dimension }?.header.fileName ?? name
            let widths = header.layers.map { LayerWidth(layer: $0.number, dimension: $0.dimension) }
            if widths.map(\.layer) != layering.map(\.layer) {
                problems.append(
                    ShardError(
                        file: header.fileName, dataset: ShardFormat.Dataset.layers,
                        message:
                            "has layers \(LayerList.describe(widths.map(\.layer))), but the other shards have "
                            + "\(LayerList.describe(layering.map(\.layer)))"))
            } else if let (mine, theirs) = zip(widths, layering).first(where: { $0 != $1 }).map({ ($0.0, $0.1) }),
                layering.count > 1
            {
                problems.append(
                    ShardError(
                        file: header.fileName, dataset: header.layers.first { $0.number == mine.layer }?.datasetPath,
                        message:
                            "layer \(mine.layer) has width D = \(mine.dimension), but the other shards' layer "
                            + "\(theirs.layer) has D = \(theirs.dimension)"))
            } else if header.dimension != dimension {
                problems.append(
                    ShardError(
                        file: header.fileName, dataset: ShardFormat.Dataset.embeddings,
                        message:
                            "width D = \(header.dimension) differs from the other shards' D = \(dimension) (\(reference))"
                    ))
            }
            if header.task != task {
                problems.append(
                    ShardError(
                        file: header.fileName, dataset: ShardFormat.Attribute.task,
                        message: "\"\(header.task.rawValue)\" differs from the other shards' \"\(task.rawValue)\""))
            }
            if header.targets != targets {
                problems.append(
                    ShardError(
                        file: header.fileName, dataset: ShardFormat.Attribute.targets,
                        message: "\(header.targets) differ from the other shards' \(targets)"))
            }
        }

        // Ids: unique within a condition across shards; distorted ids must exist among clean ones. Each
        // condition's table (`IdentifierTable`) is sized up front and holds positions, not names: it is built
        // for every id of every shard, so growing it, hashing and copying file names cost more than the rest.
        var idsPerCondition: [String: Int] = [:]
        for shard in loaded { idsPerCondition[shard.header.condition, default: 0] += shard.ids.count }
        var seen = idsPerCondition.mapValues { IdentifierTable<(shard: Int, index: Int)>(capacity: $0) }
        var duplicates = 0
        for (position, shard) in loaded.enumerated() {
            let condition = shard.header.condition
            var table = seen.removeValue(forKey: condition) ?? IdentifierTable(capacity: shard.ids.count)
            for (index, id) in shard.ids.enumerated() {
                if let earlier = table.insert(id, (position, index)) {
                    if earlier.shard != position {
                        duplicates += 1
                        if duplicates <= ShardLoader.problemsListedPerDataset {
                            let file = loaded[earlier.shard].header.fileName
                            let message = "\"\(id)\" is also ids[\(earlier.index)] of \(file) (condition \(condition))"
                            problems.append(
                                ShardError(
                                    file: shard.header.fileName, dataset: ShardFormat.Dataset.ids,
                                    index: indexText(index), message: message))
                        }
                    }
                }
            }
            seen[condition] = table
        }
        if duplicates > ShardLoader.problemsListedPerDataset {
            problems.append(
                ShardError(
                    file: name, dataset: ShardFormat.Dataset.ids,
                    message: "\(duplicates - ShardLoader.problemsListedPerDataset) more duplicate ids across shards"))
        }
        let cleanIDs = seen[ShardFormat.cleanCondition] ?? IdentifierTable(capacity: 0)
        for shard in loaded where shard.header.isDistorted {
            let missing = shard.ids.indices.filter { cleanIDs.value(for: shard.ids[$0]) == nil }
            for index in missing.prefix(ShardLoader.problemsListedPerDataset) {
                problems.append(
                    ShardError(
                        file: shard.header.fileName, dataset: ShardFormat.Dataset.ids, index: indexText(index),
                        message:
                            "\"\(shard.ids[index])\" of condition \(shard.header.condition) has no clean utterance with that id"
                    ))
            }
            if missing.count > ShardLoader.problemsListedPerDataset {
                problems.append(
                    ShardError(
                        file: shard.header.fileName, dataset: ShardFormat.Dataset.ids,
                        message:
                            "\(missing.count - ShardLoader.problemsListedPerDataset) more ids without a clean utterance"
                    ))
            }
        }

        let summaries = loaded.map { shard -> ShardSummary in
            var perSplit: [String: Int] = [:]
            for split in Split.allCases { perSplit[split.description] = 0 }
            var counts = [Int](repeating: 0, count: Split.allCases.count)
            for split in shard.splits { counts[Int(split.rawValue)] += 1 }
            for split in Split.allCases { perSplit[split.description] = counts[Int(split.rawValue)] }
            let header = shard.header
            let type: String
            switch header.embeddingType {
            case .float16: type = "float16"
            case .float32: type = "float32"
            default: type = "\(header.embeddingType)"
            }
            return ShardSummary(
                file: header.fileName, condition: header.condition, utterances: header.utteranceCount,
                utterancesPerSplit: perSplit, frames: header.frameCount, dimension: header.dimension,
                embeddingType: type, chunk: header.embeddingChunk, raters: header.raterCount,
                hasLabelStd: header.hasLabelStd,
                layers: header.formatVersion == ShardFormat.version ? nil : widths(header),
                longestUtterance: shard.longest)
        }
        let conditionNames = Set(loaded.map(\.header.condition))
        let conditions =
            (conditionNames.contains(ShardFormat.cleanCondition) ? [ShardFormat.cleanCondition] : [])
            + conditionNames.subtracting([ShardFormat.cleanCondition]).sorted()
        var extras: [String: CatalogAttribute] = [:]
        for shard in loaded {
            for (key, value) in shard.header.extraAttributes where extras[key] == nil {
                extras[key] = CatalogAttribute(value)
            }
        }
        let layered = loaded.contains { $0.header.formatVersion != ShardFormat.version }
        let catalog = DatasetCatalog(
            directory: directory.path, shards: summaries, dimension: dimension,
            layers: layered ? layering : nil, targets: targets, task: task,
            encoders: Array(Set(loaded.map(\.header.encoder))).sorted(), conditions: conditions,
            hasRatings: loaded.allSatisfy { $0.header.hasRatings },
            hasLabelStd: loaded.allSatisfy { $0.header.hasLabelStd }, extraAttributes: extras)
        return (catalog, problems)
    }

    private init(
        directory: String, shards: [ShardSummary], dimension: Int, layers: [LayerWidth]?, targets: [String],
        task: TaskKind,
        encoders: [String], conditions: [String], hasRatings: Bool, hasLabelStd: Bool,
        extraAttributes: [String: CatalogAttribute]
    ) {
        self.directory = directory
        self.shards = shards
        self.dimension = dimension
        self.layers = layers
        self.targets = targets
        self.task = task
        self.encoders = encoders
        self.conditions = conditions
        self.hasRatings = hasRatings
        self.hasLabelStd = hasLabelStd
        self.extraAttributes = extraAttributes
    }
}

/// A root attribute's value in a form that encodes to JSON: numbers or strings, as an array.
public struct CatalogAttribute: Codable, Equatable, Sendable {
    /// Integer values, when the attribute holds integers.
    public var ints: [Int]?
    /// Float values, when it holds floats.
    public var floats: [Double]?
    /// String values, when it holds strings.
    public var strings: [String]?

    /// Converts an HDF5 attribute value.
    public init(_ value: AttributeValue) {
        switch value {
        case .int(let number): ints = [number]
        case .ints(let numbers): ints = numbers
        case .float(let number): floats = [number]
        case .floats(let numbers): floats = numbers
        case .string(let text): strings = [text]
        case .strings(let texts): strings = texts
        }
    }
}
