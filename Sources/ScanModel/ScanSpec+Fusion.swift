import TOMLKit

extension ScanSpec {
    /// `[fusion]`: late fusion of some of the grid's cells, per seed and label-variance mode (docs/fusion.md).
    ///
    /// Why in the spec: the MuSe tables compare a fused system with each of its members over seeds (best-of-N
    /// by dev and mean ± std); a scan already trains the members seed by seed, so fusing them there needs no
    /// hand-run `salience predict` + `salience fuse` per seed, and the report can put them side by side.
    public struct Fusion: Codable, Equatable, Sendable {
        /// The grid cells whose models are fused, in member order (at least two).
        public var members: [Member]
        /// The fusion methods; each gives one fused system per seed and label-variance mode.
        public var methods: [Method] = Method.allCases

        /// A section fusing `members` by `methods`.
        public init(members: [Member], methods: [Method] = Method.allCases) {
            self.members = members
            self.methods = methods
        }

        /// One grid cell, as results name it: a selection method and its rule (`full`, `ratio:0.6`).
        public struct Member: Codable, Hashable, Sendable, CustomStringConvertible {
            /// The selection method.
            public var method: ScanSpec.Method
            /// The rule that set its size.
            public var rule: ScanResults.SelectionRule

            /// A member cell.
            public init(method: ScanSpec.Method, rule: ScanResults.SelectionRule) {
                self.method = method
                self.rule = rule
            }

            /// `method:rule`, as `same_model_as` names a cell (`ccs:ratio:0.6`).
            public var description: String { "\(method.rawValue):\(rule)" }
        }

        /// How members are combined; the spellings of `salience fuse --method` (Learn's `FusionMethod`).
        public enum Method: String, Codable, CaseIterable, Sendable, Comparable {
            /// The plain mean.
            case mean
            /// Weights ∝ max(0, each member's dev metric).
            case devWeighted = "dev-weighted"
            /// b + Σ w_m p_m fitted on dev (least squares, or logistic regression for binary targets).
            case learned

            /// Declaration order.
            public static func < (lhs: Method, rhs: Method) -> Bool {
                allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
            }
        }
    }

    /// Problems of the `[fusion]` section against the rest of the spec: each member must be a cell the grid
    /// trains (its method listed, its rule one of the spec's ratios, or `full` for `full`), members distinct
    /// and at least two, methods listed once. PCA cells are refused: a PCA model file holds the decoder but
    /// not the projection it was trained behind, so it cannot be re-run on the dataset to predict.
    func fusionProblems() -> [ScanSpecProblem] {
        guard let fusion else { return [] }
        var problems: [ScanSpecProblem] = []
        if fusion.members.count < 2 {
            problems.append(
                ScanSpecProblem(
                    "fusion.members", "\(fusion.members.count) member(s); fusion needs at least two grid cells"))
        }
        var seen = Set<Fusion.Member>()
        for (index, member) in fusion.members.enumerated() {
            let field = "fusion.members[\(index)]"
            if !seen.insert(member).inserted {
                problems.append(ScanSpecProblem(field, "\"\(member)\" is listed twice"))
                continue
            }
            if !selection.methods.contains(member.method) {
                problems.append(
                    ScanSpecProblem(
                        field, "\(member.method.rawValue) is not in selection.methods, so the grid has no such cell"))
                continue
            }
            if member.method == .pca {
                problems.append(
                    ScanSpecProblem(
                        field, "pca models cannot be fused: the model file does not hold the projection"))
                continue
            }
            switch member.rule {
            case .full where member.method != .full, .ratio where member.method == .full:
                problems.append(
                    ScanSpecProblem(
                        field,
                        "\(member.method.rawValue) has no rule \"\(member.rule)\"; "
                            + (member.method == .full ? "write [\"full\", \"full\"]" : "use ratio:<r>")))
            case .ratio(let ratio) where !selection.ratios.contains(ratio):
                problems.append(
                    ScanSpecProblem(
                        field,
                        "ratio \(ScanSpec.shortNumber(ratio)) is not in selection.ratios, so the grid has "
                            + "no such cell"))
            case .threshold:
                problems.append(
                    ScanSpecProblem(
                        field, "threshold cells cannot be fused yet (a threshold may select nothing); use a ratio"))
            default:
                break
            }
        }
        if fusion.methods.isEmpty {
            problems.append(ScanSpecProblem("fusion.methods", "empty; list mean, dev-weighted or learned"))
        }
        var methods = Set<Fusion.Method>()
        for (index, method) in fusion.methods.enumerated() where !methods.insert(method).inserted {
            problems.append(ScanSpecProblem("fusion.methods[\(index)]", "\"\(method.rawValue)\" is listed twice"))
        }
        return problems
    }

    /// The `[fusion]` lines of ``tomlText()``: members as `[method, rule]` pairs.
    func fusionTOMLLines(quote: (String) -> String) -> [String] {
        guard let fusion else { return [] }
        let members = fusion.members.map { "[\(quote($0.method.rawValue)), \(quote($0.rule.description))]" }
        return [
            "", "[fusion]", "members = [" + members.joined(separator: ", ") + "]",
            "methods = [" + fusion.methods.map { quote($0.rawValue) }.joined(separator: ", ") + "]",
        ]
    }
}

extension SpecTOMLReader {
    /// `[fusion]`: `members = [["full", "full"], ["ccs", "ratio:0.6"]]`, `methods = ["mean", ...]`.
    mutating func readFusion(_ root: TOMLTable, into spec: inout ScanSpec) {
        guard let table = section(root, "fusion") else { return }
        var fusion = ScanSpec.Fusion(members: [])
        if let value = table["members"] {
            if let elements = value.array {
                var members: [ScanSpec.Fusion.Member] = []
                for (index, element) in Array(elements).enumerated() {
                    let field = "fusion.members[\(index)]"
                    let pair = element.array.map { Array($0) } ?? []
                    guard pair.count == 2, let methodText = pair[0].string, let ruleText = pair[1].string
                    else {
                        problems.append(
                            ScanSpecProblem(
                                field,
                                "expected a [method, rule] pair such as [\"ccs\", \"ratio:0.6\"], found "
                                    + element.debugDescription))
                        continue
                    }
                    let method = ScanSpec.Method(rawValue: methodText)
                    if method == nil {
                        let expected = ScanSpec.Method.allCases.map(\.rawValue).joined(separator: ", ")
                        problems.append(
                            ScanSpecProblem(field, "unknown method \"\(methodText)\"; expected one of \(expected)"))
                    }
                    let rule = ScanResults.SelectionRule(spelling: ruleText)
                    if rule == nil {
                        problems.append(
                            ScanSpecProblem(
                                field, "unknown rule \"\(ruleText)\"; expected full, ratio:<r> or threshold:<rule>"))
                    }
                    if let method, let rule { members.append(.init(method: method, rule: rule)) }
                }
                fusion.members = members
            } else {
                problems.append(
                    ScanSpecProblem("fusion.members", "expected an array of [method, rule] pairs, found \(value.type)"))
            }
        } else {
            problems.append(ScanSpecProblem("fusion.members", "missing; list at least two [method, rule] cells"))
        }
        if let methods: [ScanSpec.Fusion.Method] = words(table, "fusion", "methods", noun: "fusion method") {
            fusion.methods = methods
        }
        spec.fusion = fusion
    }
}
