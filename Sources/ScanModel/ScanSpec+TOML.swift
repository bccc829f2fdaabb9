import Foundation
import TOMLKit

extension ScanSpec {
    /// Every key a spec may have, per section; anything else is a problem (a typo must not be ignored).
    static let knownKeys: [String: [String]] = [
        "": [
            "name", "dataset", "selection", "mis", "ig", "decoder", "training", "output", "cluster", "confidence",
            "fusion", "layers",
        ],
        "dataset": ["directory", "targets", "pooling", "conditions", "layers"],
        "layers": ["grid", "score", "probe_epochs", "mix"],
        "selection": ["methods", "ratios", "thresholds"],
        "mis": ["neighbours", "bins", "miller_madow"],
        "ig": ["steps", "method"],
        "decoder": ["kind", "conv_channels", "kernel", "gru_units", "gru_layers", "ff_units", "dropout"],
        "training": [
            "label_variance", "seeds", "epochs", "batch_size", "learning_rate", "patience", "loss", "variance_weight",
            "memory_mib",
        ],
        "output": ["directory"],
        "cluster": ["dimension_block", "utterances_per_task"],
        "confidence": ["replicates", "seed", "mis"],
        "fusion": ["members", "methods"],
    ]

    /// Reads a spec file; see ``parse(toml:source:)``.
    /// `adjust` runs on the spec as read, before it is validated (e.g. a local run resolving its paths).
    public static func load(
        contentsOf url: URL, adjusting adjust: (inout ScanSpec) -> Void = { _ in }
    ) throws -> ScanSpec {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ScanSpecError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try parse(toml: text, source: url.path, adjusting: adjust)
    }

    /// Parses a spec from TOML and validates it (``validate()``).
    ///
    /// - Throws: ``ScanSpecError/syntax(source:message:line:column:)`` for TOML that does not parse, or
    ///   ``ScanSpecError/invalid(source:problems:)`` with every problem found: unknown keys, values of the
    ///   wrong type, unknown words, and values out of range.
    public static func parse(
        toml: String, source: String = "scan spec", adjusting adjust: (inout ScanSpec) -> Void = { _ in }
    ) throws -> ScanSpec {
        if let problem = ScanSpecTOMLPrecheck.problem(in: toml, source: source) { throw problem }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: toml)
        } catch let error as TOMLParseError {
            throw ScanSpecError.syntax(
                source: source, message: error.description, line: error.source.begin.line,
                column: error.source.begin.column)
        }
        var reader = SpecTOMLReader()
        var spec = reader.read(root)
        adjust(&spec)
        // Range checks run even when reading found problems, so that all of them are reported at once; a
        // field the reader already refused is not reported twice.
        let refused = Set(reader.problems.map(\.field))
        let problems = reader.problems + spec.validate().filter { !refused.contains($0.field) }
        guard problems.isEmpty else {
            throw ScanSpecError.invalid(source: source, problems: problems)
        }
        return spec
    }
}

/// Walks a parsed TOML table into a ``ScanSpec``, collecting a ``ScanSpecProblem`` for every key it does not
/// know and every value of the wrong type or spelling, instead of stopping at the first.
struct SpecTOMLReader {
    var problems: [ScanSpecProblem] = []

    mutating func read(_ root: TOMLTable) -> ScanSpec {
        checkKeys(root, section: "")
        // The directory is read first: it is the one field without a default. The section's other problems
        // are reported by `readSections`, which runs either way so that every problem is found at once.
        let datasetTable = root["dataset"]?.table
        let directory = string(datasetTable, "dataset", "directory")
        if datasetTable?["directory"] == nil {
            problems.append(ScanSpecProblem("dataset.directory", "missing; name the dataset directory"))
        }
        var spec = ScanSpec(datasetDirectory: directory ?? "")
        readSections(root, into: &spec)
        return spec
    }

    mutating func readSections(_ root: TOMLTable, into spec: inout ScanSpec) {
        if let name = string(root, "", "name") { spec.name = name }

        if let table = section(root, "dataset") {
            if let targets = subset(table, "dataset", "targets") { spec.dataset.targets = targets }
            if let pooling: ScanSpec.Pooling = word(table, "dataset", "pooling", noun: "pooling") {
                spec.dataset.pooling = pooling
            }
            if let conditions = subset(table, "dataset", "conditions") { spec.dataset.conditions = conditions }
        }

        if let table = section(root, "selection") {
            if let methods: [ScanSpec.Method] = words(table, "selection", "methods", noun: "method") {
                spec.selection.methods = methods
            }
            if let ratios = numbers(table, "selection", "ratios") { spec.selection.ratios = ratios }
            if let spellings = strings(table, "selection", "thresholds") {
                var rules: [ScanSpec.Threshold] = []
                for (index, spelling) in spellings.enumerated() {
                    if let rule = ScanSpec.Threshold(spelling: spelling) {
                        rules.append(rule)
                        if let outOfRange = rule.rangeProblem {
                            problems.append(ScanSpecProblem("selection.thresholds[\(index)]", outOfRange))
                        }
                    } else {
                        problems.append(
                            ScanSpecProblem(
                                "selection.thresholds[\(index)]",
                                "unknown threshold rule \"\(spelling)\"; expected mean, median, pNN (e.g. p75) "
                                    + "or c*mean (e.g. 0.5*mean)"))
                    }
                }
                // A list with a refused element keeps its default: the later range checks count positions.
                if rules.count == spellings.count { spec.selection.thresholds = rules }
            }
        }

        if let table = section(root, "mis") {
            if let value = int(table, "mis", "neighbours") { spec.mis.neighbours = value }
            if let value = int(table, "mis", "bins") { spec.mis.bins = value }
            if let value = bool(table, "mis", "miller_madow") { spec.mis.millerMadow = value }
        }

        if let table = section(root, "ig") {
            if let value = int(table, "ig", "steps") { spec.ig.steps = value }
            if let value: ScanSpec.IGMethod = word(table, "ig", "method", noun: "IG method") { spec.ig.method = value }
        }

        if let table = section(root, "decoder") {
            if let kind: ScanSpec.DecoderKind = word(table, "decoder", "kind", noun: "decoder") {
                spec.decoder = ScanSpecDefaults.decoderSizes(for: kind)
            }
            if spec.decoder.kind == .gruFF {
                for key in ["conv_channels", "kernel"] where table[key] != nil {
                    problems.append(
                        ScanSpecProblem(
                            "decoder.\(key)", "gru-ff has no convolution; remove this key or set kind = \"tc-gru\""))
                }
            } else {
                if let value = int(table, "decoder", "conv_channels") { spec.decoder.convChannels = value }
                if let value = int(table, "decoder", "kernel") { spec.decoder.kernel = value }
            }
            if let value = int(table, "decoder", "gru_units") { spec.decoder.gruUnits = value }
            if let value = int(table, "decoder", "gru_layers") { spec.decoder.gruLayers = value }
            if let value = int(table, "decoder", "ff_units") { spec.decoder.ffUnits = value }
            if let value = number(table, "decoder", "dropout") { spec.decoder.dropout = value }
        }

        if let table = section(root, "training") {
            if let modes: [ScanSpec.LabelVarianceMode] = words(
                table, "training", "label_variance", noun: "label-variance mode")
            {
                spec.training.labelVariance = modes
            }
            if let seeds = ints(table, "training", "seeds") { spec.training.seeds = seeds }
            if let value = int(table, "training", "epochs") { spec.training.epochs = value }
            if let value = int(table, "training", "batch_size") { spec.training.batchSize = value }
            if let value = number(table, "training", "learning_rate") { spec.training.learningRate = value }
            if let value = int(table, "training", "patience") { spec.training.patience = value }
            if let value: ScanSpec.Loss = word(table, "training", "loss", noun: "loss") { spec.training.loss = value }
            if let value = number(table, "training", "variance_weight") { spec.training.varianceWeight = value }
            if let value = int(table, "training", "memory_mib") { spec.training.memoryMib = value }
        }

        if let table = section(root, "output"), let directory = string(table, "output", "directory") {
            spec.output.directory = directory
        }

        if let table = section(root, "cluster") {
            if let value = int(table, "cluster", "dimension_block") { spec.cluster.dimensionBlock = value }
            if let value = int(table, "cluster", "utterances_per_task") { spec.cluster.utterancesPerTask = value }
        }

        if let table = section(root, "confidence") {
            var confidence = ScanSpec.Confidence()
            if let value = int(table, "confidence", "replicates") { confidence.replicates = value }
            if let value = int(table, "confidence", "seed") {
                if value >= 0 {
                    confidence.seed = UInt64(value)
                } else {
                    problems.append(ScanSpecProblem("confidence.seed", "must not be negative, found \(value)"))
                }
            }
            if let value = bool(table, "confidence", "mis") { confidence.mis = value }
            spec.confidence = confidence
        }
        readFusion(root, into: &spec)
        readLayers(root, into: &spec)
    }

    // MARK: - Values

    private static func field(_ section: String, _ key: String) -> String {
        section.isEmpty ? key : "\(section).\(key)"
    }

    private mutating func wrongType(_ field: String, expected: String, found value: TOMLValueConvertible) {
        problems.append(
            ScanSpecProblem(field, "expected \(expected), found \(value.type) \(value.debugDescription)"))
    }

    mutating func checkKeys(_ table: TOMLTable, section: String) {
        let known = ScanSpec.knownKeys[section] ?? []
        for key in table.keys where !known.contains(key) {
            let field = Self.field(section, key)
            if let near = closestKey(to: key, among: known) {
                problems.append(ScanSpecProblem(field, "unknown key; did you mean \"\(near)\"?"))
            } else {
                problems.append(
                    ScanSpecProblem(field, "unknown key; expected one of \(known.joined(separator: ", "))"))
            }
        }
    }

    mutating func section(_ root: TOMLTable, _ key: String) -> TOMLTable? {
        guard let value = root[key] else { return nil }
        guard let table = value.table else {
            wrongType(key, expected: "a table ([\(key)])", found: value)
            return nil
        }
        checkKeys(table, section: key)
        return table
    }

    mutating func string(_ table: TOMLTable?, _ section: String, _ key: String) -> String? {
        guard let value = table?[key] else { return nil }
        guard let text = value.string else {
            wrongType(Self.field(section, key), expected: "a string", found: value)
            return nil
        }
        return text
    }

    mutating func int(_ table: TOMLTable, _ section: String, _ key: String) -> Int? {
        guard let value = table[key] else { return nil }
        guard let number = value.int else {
            wrongType(Self.field(section, key), expected: "an integer", found: value)
            return nil
        }
        return number
    }

    mutating func number(_ table: TOMLTable, _ section: String, _ key: String) -> Double? {
        guard let value = table[key] else { return nil }
        guard let number = value.double ?? value.int.map(Double.init) else {
            wrongType(Self.field(section, key), expected: "a number", found: value)
            return nil
        }
        return number
    }

    mutating func bool(_ table: TOMLTable, _ section: String, _ key: String) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let flag = value.bool else {
            wrongType(Self.field(section, key), expected: "true or false", found: value)
            return nil
        }
        return flag
    }

    /// The elements of an array, or nil (with a problem) when the value is not one.
    private mutating func array(_ table: TOMLTable, _ section: String, _ key: String) -> [TOMLValueConvertible]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else {
            wrongType(Self.field(section, key), expected: "an array", found: value)
            return nil
        }
        return Array(array)
    }

    mutating func strings(_ table: TOMLTable, _ section: String, _ key: String) -> [String]? {
        guard let elements = array(table, section, key) else { return nil }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            if let text = element.string {
                result.append(text)
            } else {
                wrongType("\(Self.field(section, key))[\(index)]", expected: "a string", found: element)
            }
        }
        // A list with a refused element is dropped (the field keeps its default), so that later range
        // checks, which name positions, never count a shortened list.
        return result.count == elements.count ? result : nil
    }

    mutating func numbers(_ table: TOMLTable, _ section: String, _ key: String) -> [Double]? {
        guard let elements = array(table, section, key) else { return nil }
        var result: [Double] = []
        for (index, element) in elements.enumerated() {
            if let number = element.double ?? element.int.map(Double.init) {
                result.append(number)
            } else {
                wrongType("\(Self.field(section, key))[\(index)]", expected: "a number", found: element)
            }
        }
        return result.count == elements.count ? result : nil
    }

    mutating func ints(_ table: TOMLTable, _ section: String, _ key: String) -> [Int]? {
        guard let elements = array(table, section, key) else { return nil }
        var result: [Int] = []
        for (index, element) in elements.enumerated() {
            if let number = element.int {
                result.append(number)
            } else {
                wrongType("\(Self.field(section, key))[\(index)]", expected: "an integer", found: element)
            }
        }
        return result.count == elements.count ? result : nil
    }

    /// One word of an enum's vocabulary: `unknown method "cca"; expected one of ccs, mis, ...` otherwise.
    mutating func word<Word: RawRepresentable & CaseIterable>(
        _ table: TOMLTable, _ section: String, _ key: String, noun: String
    ) -> Word? where Word.RawValue == String {
        guard let text = string(table, section, key) else { return nil }
        return parseWord(text, field: Self.field(section, key), noun: noun)
    }

    /// A list of words of an enum's vocabulary, each checked.
    mutating func words<Word: RawRepresentable & CaseIterable>(
        _ table: TOMLTable, _ section: String, _ key: String, noun: String
    ) -> [Word]? where Word.RawValue == String {
        guard let elements = array(table, section, key) else { return nil }
        var result: [Word] = []
        for (index, element) in elements.enumerated() {
            let field = "\(Self.field(section, key))[\(index)]"
            guard let text = element.string else {
                wrongType(field, expected: "a string", found: element)
                continue
            }
            if let word: Word = parseWord(text, field: field, noun: noun) { result.append(word) }
        }
        return result.count == elements.count ? result : nil
    }

    private mutating func parseWord<Word: RawRepresentable & CaseIterable>(
        _ text: String, field: String, noun: String
    ) -> Word? where Word.RawValue == String {
        if let word = Word(rawValue: text) { return word }
        let expected = Word.allCases.map(\.rawValue).joined(separator: ", ")
        problems.append(ScanSpecProblem(field, "unknown \(noun) \"\(text)\"; expected one of \(expected)"))
        return nil
    }

    /// `"all"` or an array of names.
    mutating func subset(_ table: TOMLTable, _ section: String, _ key: String) -> ScanSpec.Subset? {
        guard let value = table[key] else { return nil }
        if let text = value.string {
            if text == "all" { return .all }
            problems.append(
                ScanSpecProblem(
                    Self.field(section, key),
                    "expected \"all\" or a list of names, found \"\(text)\"; write [\"\(text)\"]"
                ))
            return nil
        }
        guard let names = strings(table, section, key) else { return nil }
        return .only(names)
    }
}

/// The known key nearest to a misspelt one (edit distance at most 2, or a third of its length), if any.
private func closestKey(to key: String, among known: [String]) -> String? {
    let scored = known.map { ($0, editDistance(Array(key), Array($0))) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    return best.1 <= max(2, key.count / 3) ? best.0 : nil
}

/// Levenshtein distance between two character arrays.
private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
