import Foundation
import HDF5

/// Reads a shard's header and per-utterance metadata, checking every refusal rule that does not need the
/// frames, and collecting every problem rather than stopping at the first (the validator reports them all;
/// the reader refuses on the first).
struct ShardLoader {
    /// At most this many problems are listed per dataset; the rest are counted in one more line. A shard
    /// with a million bad offsets needs ten examples, not a million lines.
    static let problemsListedPerDataset = 10

    let url: URL
    var fileName: String { url.lastPathComponent }
    var problems: [ShardError] = []
    private var counts: [String: Int] = [:]

    var file: File?
    var header: ShardHeader?
    var offsets: [Int] = []
    var ids: [String] = []
    var splits: [Split] = []
    var labels: [Float] = []
    var ratings: [Float]?
    var labelStd: [Float]?
    /// F as the layers' `embeddings` give it (the first layer's; the others are checked against it).
    var layerFrameCount = 0

    init(url: URL) { self.url = url }

    mutating func problem(_ dataset: String?, _ index: String = "", _ message: String) {
        let key = dataset ?? ""
        counts[key, default: 0] += 1
        if counts[key]! <= Self.problemsListedPerDataset {
            problems.append(ShardError(file: fileName, dataset: dataset, index: index, message: message))
        }
    }

    /// Adds the "and k more" lines for datasets with more problems than are listed.
    mutating func summariseOverflow() {
        for (key, count) in counts.sorted(by: { $0.key < $1.key }) where count > Self.problemsListedPerDataset {
            problems.append(
                ShardError(
                    file: fileName, dataset: key.isEmpty ? nil : key,
                    message: "\(count - Self.problemsListedPerDataset) more problems like the above"))
        }
    }

    mutating func load() {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            problem(nil, "", "no such file")
            return
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            problem(nil, "", "cannot read the file (permission denied)")
            return
        }
        guard File.isHDF5(path) else {
            problem(nil, "", "not an HDF5 file (no HDF5 signature; truncated or another format)")
            return
        }
        let file: File
        do {
            file = try File.open(path)
        } catch {
            problem(nil, "", "cannot open as HDF5: \(reason(error))")
            return
        }
        self.file = file
        loadHeaderAndMetadata(file)
        summariseOverflow()
    }

    func reason(_ error: Error) -> String {
        if let error = error as? HDF5Error { return error.messages.joined(separator: "; ") }
        return "\(error)"
    }

    // MARK: attributes

    private mutating func stringAttribute(_ file: File, _ name: String, required: Bool = true) -> String? {
        do {
            guard try file.hasAttribute(name) else {
                if required { problem(name, "", "required root attribute is missing") }
                return nil
            }
            guard let value = try file.readAttribute(name).stringValue else {
                problem(name, "", "root attribute is not a string")
                return nil
            }
            return value
        } catch {
            problem(name, "", "cannot read root attribute: \(reason(error))")
            return nil
        }
    }

    private mutating func loadHeaderAndMetadata(_ file: File) {
        typealias A = ShardFormat.Attribute
        typealias D = ShardFormat.Dataset
        if let format = stringAttribute(file, A.format), format != ShardFormat.formatName {
            problem(A.format, "", "is \"\(format)\", expected \"\(ShardFormat.formatName)\"")
        }
        var version: Int?
        do {
            if try file.hasAttribute(A.formatVersion) {
                version = try file.readAttribute(A.formatVersion).intValue
                if let found = version {
                    if !ShardFormat.versions.contains(found) {
                        problem(
                            A.formatVersion, "",
                            "unknown format version \(found) (this reader knows "
                                + ShardFormat.versions.map(String.init).joined(separator: " and ") + ")")
                    }
                } else {
                    problem(A.formatVersion, "", "root attribute is not an integer")
                }
            } else {
                problem(A.formatVersion, "", "required root attribute is missing")
            }
        } catch {
            problem(A.formatVersion, "", "cannot read root attribute: \(reason(error))")
        }
        let encoder = stringAttribute(file, A.encoder)
        var task: TaskKind?
        if let text = stringAttribute(file, A.task) {
            task = TaskKind(rawValue: text)
            if task == nil { problem(A.task, "", "is \"\(text)\", expected \"regression\" or \"binary\"") }
        }
        var targets: [String]?
        do {
            if try file.hasAttribute(A.targets) {
                targets = try file.readAttribute(A.targets).stringValues
                if targets == nil { problem(A.targets, "", "root attribute is not an array of strings") }
                if targets?.isEmpty == true {
                    problem(A.targets, "", "is empty; a shard needs at least one target")
                    targets = nil
                }
            } else {
                problem(A.targets, "", "required root attribute is missing")
            }
        } catch {
            problem(A.targets, "", "cannot read root attribute: \(reason(error))")
        }
        let condition = stringAttribute(file, A.condition, required: false) ?? ShardFormat.cleanCondition
        if condition.isEmpty { problem(A.condition, "", "is empty; omit it for clean shards") }

        // Datasets: types and shapes first, then values.
        let layers = loadLayers(file, version: version)
        let frameCount = layers?.first.map { _ in layerFrameCount }
        let dimension = layers.map { $0.reduce(0) { $0 + $1.dimension } }

        var utteranceCount: Int?
        if let dataset = openDataset(file, D.ids, required: true) {
            do {
                let shape = try dataset.shape
                if shape.count != 1 { problem(D.ids, "", "has rank \(shape.count), expected 1 ([N])") }
                guard case .string = try dataset.elementType else {
                    problem(D.ids, "", "has type \(try dataset.elementType), expected strings")
                    throw CancellationError()
                }
                ids = try dataset.readStrings()
                utteranceCount = ids.count
            } catch is CancellationError {
            } catch {
                problem(D.ids, "", "cannot read: \(reason(error))")
            }
        }

        if let dataset = openDataset(file, D.split, required: true) {
            if let values: [Int64] = readNumbers(dataset, D.split, rank: 1, integer: true) {
                if let n = utteranceCount, values.count != n {
                    problem(D.split, "", "has \(values.count) entries, but ids has N = \(n)")
                }
                utteranceCount = utteranceCount ?? values.count
                splits.reserveCapacity(values.count)
                for (index, value) in values.enumerated() {
                    if let split = value >= 0 && value <= 2 ? Split(rawValue: UInt8(value)) : nil {
                        splits.append(split)
                    } else {
                        problem(D.split, indexText(index), "\(value) is not a split (0 train, 1 dev, 2 test)")
                        splits.append(.train)
                    }
                }
            }
        }

        if let dataset = openDataset(file, D.offsets, required: true) {
            if let values: [Int64] = readNumbers(dataset, D.offsets, rank: 1, integer: true) {
                offsets = values.map { Int($0) }
                checkOffsets(utteranceCount: utteranceCount, frameCount: frameCount)
            }
        }

        let targetCount = targets?.count
        if let dataset = openDataset(file, D.labels, required: true) {
            if let values: [Float] = readNumbers(dataset, D.labels, rank: 2, integer: false),
                let shape = try? dataset.shape
            {
                labels = values
                if let n = utteranceCount, shape[0] != n {
                    problem(D.labels, "", "has \(shape[0]) rows, but ids has N = \(n)")
                }
                if let t = targetCount, shape[1] != t {
                    problem(D.labels, "", "has \(shape[1]) columns, but targets names T = \(t)")
                }
                let width = max(shape[1], 1)
                for (position, value) in values.enumerated() {
                    if !value.isFinite {
                        problem(
                            D.labels, indexText(position / width, position % width),
                            "\(value) (NaN and infinity are allowed only in ratings)")
                    } else if task == .binary && value != 0 && value != 1 {
                        problem(
                            D.labels, indexText(position / width, position % width),
                            "\(value) is not 0 or 1 (task is binary)")
                    }
                }
            }
        }

        var raterCount: Int?
        if let dataset = openDataset(file, D.ratings, required: false) {
            if let values: [Float] = readNumbers(dataset, D.ratings, rank: 3, integer: false),
                let shape = try? dataset.shape
            {
                ratings = values
                raterCount = shape[1]
                if let n = utteranceCount, shape[0] != n {
                    problem(D.ratings, "", "has \(shape[0]) rows, but ids has N = \(n)")
                }
                if let t = targetCount, shape[2] != t {
                    problem(D.ratings, "", "has \(shape[2]) targets, but targets names T = \(t)")
                }
                let perUtterance = max(shape[1] * shape[2], 1)
                let width = max(shape[2], 1)
                for (position, value) in values.enumerated() where value.isInfinite {
                    let utterance = position / perUtterance
                    let rest = position % perUtterance
                    problem(
                        D.ratings, indexText(utterance, rest / width, rest % width),
                        "\(value) (ratings may be NaN for a missing rating, never infinite)")
                }
            }
        }

        var hasLabelStd = false
        if let dataset = openDataset(file, D.labelStd, required: false) {
            hasLabelStd = true
            if let values: [Float] = readNumbers(dataset, D.labelStd, rank: 2, integer: false),
                let shape = try? dataset.shape
            {
                labelStd = values
                if let n = utteranceCount, shape[0] != n {
                    problem(D.labelStd, "", "has \(shape[0]) rows, but ids has N = \(n)")
                }
                if let t = targetCount, shape[1] != t {
                    problem(D.labelStd, "", "has \(shape[1]) columns, but targets names T = \(t)")
                }
                let width = max(shape[1], 1)
                for (position, value) in values.enumerated() where !value.isFinite {
                    problem(
                        D.labelStd, indexText(position / width, position % width),
                        "\(value) (NaN and infinity are allowed only in ratings)")
                }
            }
        }

        checkDuplicateIDs()

        var extras: [String: AttributeValue] = [:]
        let known: Set<String> = [A.format, A.formatVersion, A.encoder, A.task, A.targets, A.condition]
        for name in (try? file.attributeNames()) ?? [] where !known.contains(name) {
            if let value = try? file.readAttribute(name) { extras[name] = value }
        }

        if let version, let encoder, let task, let targets, let utteranceCount, let frameCount, let dimension,
            let layers, let first = layers.first
        {
            header = ShardHeader(
                fileName: fileName, formatVersion: version, encoder: encoder, task: task, targets: targets,
                condition: condition, utteranceCount: utteranceCount, frameCount: frameCount, dimension: dimension,
                embeddingType: first.embeddingType, embeddingChunk: first.chunk, raterCount: raterCount,
                hasLabelStd: hasLabelStd, extraAttributes: extras, layers: layers)
        }
    }

    mutating func openDataset(_ file: File, _ name: String, required: Bool) -> Dataset? {
        do {
            guard try file.contains(name) else {
                if required { problem(name, "", "required dataset is missing") }
                return nil
            }
            let dataset = try file.openDataset(name)
            let shape = try dataset.shape
            let fileBytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
            let limit = ShardSizeLimit.maxElements(fileBytes: fileBytes ?? Int.max)
            guard let count = ShardSizeLimit.elementCount(shape), count <= limit else {
                problem(
                    name, "",
                    "declares shape \(shape), more elements than a \(fileBytes ?? 0)-byte file can hold "
                        + "(at most \(limit)); the file is damaged or its chunks were never written")
                return nil
            }
            let unavailable = try dataset.unavailableFilters
            guard unavailable.isEmpty else {
                let names = unavailable.map(\.displayName).joined(separator: ", ")
                problem(
                    name, "",
                    "is compressed with \(names), which this HDF5 cannot decode; rewrite it with gzip: "
                        + "h5py create_dataset(..., compression='gzip')")
                return nil
            }
            return dataset
        } catch {
            problem(name, "", "cannot open dataset: \(reason(error))")
            return nil
        }
    }

    private mutating func readNumbers<T: NativeElement>(_ dataset: Dataset, _ name: String, rank: Int, integer: Bool)
        -> [T]?
    {
        do {
            let shape = try dataset.shape
            let type = try dataset.elementType
            guard shape.count == rank else {
                problem(name, "", "has rank \(shape.count), expected \(rank)")
                return nil
            }
            guard integer ? type.isInteger : type.isFloatingPoint else {
                problem(name, "", "has type \(type), expected \(integer ? "integers (int64)" : "floats (float32)")")
                return nil
            }
            return try dataset.read(as: T.self)
        } catch {
            problem(name, "", "cannot read: \(reason(error))")
            return nil
        }
    }

    private mutating func checkOffsets(utteranceCount: Int?, frameCount: Int?) {
        let name = ShardFormat.Dataset.offsets
        if let n = utteranceCount, offsets.count != n + 1 {
            problem(name, "", "has \(offsets.count) entries, expected N + 1 = \(n + 1) (ids has N = \(n))")
        }
        guard let first = offsets.first else {
            problem(name, "", "is empty; it needs N + 1 entries")
            return
        }
        if first != 0 { problem(name, indexText(0), "\(first) is not 0") }
        for index in offsets.indices.dropFirst() where offsets[index] <= offsets[index - 1] {
            problem(
                name, indexText(index),
                "\(offsets[index]) is not greater than offsets[\(index - 1)] = \(offsets[index - 1])")
        }
        if let f = frameCount, let last = offsets.last, last != f {
            problem(name, indexText(offsets.count - 1), "\(last) is not the number of frames F = \(f)")
        }
    }

    private mutating func checkDuplicateIDs() {
        var firstIndex = IdentifierTable<Int>(capacity: ids.count)
        for (index, id) in ids.enumerated() {
            if let earlier = firstIndex.insert(id, index) {
                problem(ShardFormat.Dataset.ids, indexText(index), "\"\(id)\" duplicates ids[\(earlier)]")
            }
        }
    }
}
