import Foundation
import TestSupport
import XCTest

@testable import Scan
@testable import ScanModel

final class ScanSpecTests: XCTestCase {
    private func problems(_ toml: String) -> [ScanSpecProblem] {
        do {
            _ = try ScanSpec.parse(toml: toml)
            return []
        } catch let error as ScanSpecError {
            return error.problems
        } catch {
            XCTFail("unexpected error \(error)")
            return []
        }
    }

    private func fields(_ toml: String) -> Set<String> { Set(problems(toml).map(\.field)) }

    func testExampleFileParsesWithTheValuesItSpells() throws {
        let url = TestEnvironment.packageRoot.appendingPathComponent("cluster/scan-example.toml")
        let spec = try ScanSpec.load(contentsOf: url)
        XCTAssertEqual(spec.name, "vader-minilm-ccs-vs-ig")
        XCTAssertEqual(spec.dataset.directory, "vader-minilm")
        XCTAssertEqual(spec.dataset.targets, .all)
        XCTAssertEqual(spec.selection.methods, [.ccs, .mis, .pca, .ig, .random, .full])
        XCTAssertEqual(spec.selection.ratios, [0.2, 0.4, 0.6, 0.8, 1.0])
        XCTAssertEqual(spec.selection.thresholds, [.mean, .percentile(75)])
        XCTAssertEqual(spec.training.labelVariance, [.stdAux, .off])
        XCTAssertEqual(spec.training.learningRate, 0.001)
        XCTAssertEqual(spec.decoder.kind, .tcGRU)
        XCTAssertEqual(spec.output.directory, "runs/vader-minilm")
        XCTAssertEqual(spec.cluster.utterancesPerTask, 512)
    }

    func testExampleFileNamesEveryKnownKey() throws {
        // The example documents every field: each key the parser knows must appear in it.
        let url = TestEnvironment.packageRoot.appendingPathComponent("cluster/scan-example.toml")
        let text = try String(contentsOf: url, encoding: .utf8)
        for (section, keys) in ScanSpec.knownKeys {
            if !section.isEmpty { XCTAssertTrue(text.contains("[\(section)]"), "section [\(section)]") }
            for key in keys where ScanSpec.knownKeys[key] == nil {
                XCTAssertTrue(text.contains("\n\(key) ="), "key \(section).\(key) missing from the example")
            }
        }
    }

    func testReadmeDocumentsEveryKnownKey() throws {
        let readme = try String(
            contentsOf: TestEnvironment.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = readme.range(of: "## The scan spec") else {
            return XCTFail("README has no scan spec section")
        }
        let section = readme[start.lowerBound...]
        for (name, keys) in ScanSpec.knownKeys {
            if !name.isEmpty { XCTAssertTrue(section.contains("`[\(name)]`"), "section [\(name)]") }
            for key in keys where ScanSpec.knownKeys[key] == nil {
                XCTAssertTrue(section.contains("`\(key)`"), "key \(name).\(key) is not documented in the README")
            }
        }
    }

    func testMinimalSpecTakesTheMethodsDocDefaults() throws {
        let spec = try ScanSpec.parse(toml: "[dataset]\ndirectory = \"d\"\n")
        XCTAssertEqual(spec, ScanSpec(datasetDirectory: "d"))
        // Numbers from ../shared/docs/methods.md, written out independently of ScanSpecDefaults.
        XCTAssertEqual(spec.ig.steps, 50)
        XCTAssertEqual(spec.ig.method, .riemannRight)
        XCTAssertEqual(spec.mis.neighbours, 3)
        XCTAssertEqual(spec.mis.bins, 32)
        XCTAssertEqual(spec.decoder.convChannels, 256)
        XCTAssertEqual(spec.decoder.kernel, 3)
        XCTAssertEqual(spec.decoder.gruUnits, 256)
        XCTAssertEqual(spec.decoder.gruLayers, 2)
        XCTAssertEqual(spec.decoder.ffUnits, 128)
        XCTAssertEqual(spec.decoder.dropout, 0.2)
        XCTAssertEqual(spec.training.epochs, 50)
        XCTAssertEqual(spec.training.batchSize, 64)
        XCTAssertEqual(spec.training.learningRate, 1e-3)
        XCTAssertEqual(spec.training.patience, 5)
        XCTAssertEqual(spec.selection.thresholds, [.mean])
        XCTAssertEqual(spec.selection.ratios.count, 10)
        XCTAssertEqual(spec.training.resolvedLabelVariance(hasRaterSpread: true), [.stdAux])
        XCTAssertEqual(spec.training.resolvedLabelVariance(hasRaterSpread: false), [.off])
    }

    func testGruFFTakesItsOwnSizesAndRefusesConvolutionKeys() throws {
        let spec = try ScanSpec.parse(toml: "[dataset]\ndirectory = \"d\"\n[decoder]\nkind = \"gru-ff\"\n")
        XCTAssertEqual(spec.decoder.gruUnits, 64)
        XCTAssertEqual(spec.decoder.gruLayers, 1)
        XCTAssertEqual(spec.decoder.ffUnits, 64)
        XCTAssertEqual(spec.decoder.dropout, 0.5)
        XCTAssertEqual(
            fields("[dataset]\ndirectory = \"d\"\n[decoder]\nkind = \"gru-ff\"\nkernel = 5\n"), ["decoder.kernel"])
    }

    func testUnknownMethodNamesTheFieldAndTheVocabulary() {
        let found = problems("[dataset]\ndirectory = \"d\"\n[selection]\nmethods = [\"ccs\", \"ig\", \"cca\"]\n")
        XCTAssertEqual(
            found.map(\.description),
            [
                "selection.methods[2]: unknown method \"cca\"; expected one of ccs, mis, mis-hist, pca, ig, random, full"
            ])
    }

    func testEveryProblemIsReportedAtOnce() {
        let toml = """
            nmae = "typo at the top"
            [dataset]
            directory = "/abs/path"
            pooling = "word"
            targets = "valence"
            [selection]
            methods = ["ccs", "cca", "ccs"]
            ratios = [0.0, 0.5, 1.5]
            thresholds = ["mean", "p150", "bogus", "-2*mean"]
            [decoder]
            kernel = 4
            dropout = 1.2
            gru_units = "many"
            [training]
            epoch = 10
            seeds = [1, 1]
            learning_rate = -1
            label_variance = ["std-aux", "sometimes"]
            [ig]
            steps = 0
            [mis]
            bins = 1
            [cluster]
            dimension_block = 0
            [extra]
            x = 1
            """
        let expected: Set<String> = [
            "nmae", "dataset.directory", "dataset.pooling", "dataset.targets", "selection.methods[1]",
            "selection.ratios[0]", "selection.ratios[2]", "selection.thresholds[1]",
            "selection.thresholds[2]", "selection.thresholds[3]", "decoder.kernel", "decoder.dropout",
            "decoder.gru_units", "training.epoch", "training.seeds[1]", "training.learning_rate",
            "training.label_variance[1]", "ig.steps", "mis.bins", "cluster.dimension_block", "extra",
        ]
        XCTAssertEqual(fields(toml), expected)
    }

    func testUnknownKeySuggestsTheNearestKnownKey() {
        let found = problems("[dataset]\ndirectory = \"d\"\n[training]\nepoch = 10\nbatchsize = 3\nzzz = 1\n")
        let byField = Dictionary(found.map { ($0.field, $0.message) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(byField["training.epoch"], "unknown key; did you mean \"epochs\"?")
        XCTAssertEqual(byField["training.batchsize"], "unknown key; did you mean \"batch_size\"?")
        XCTAssertTrue(byField["training.zzz"]?.hasPrefix("unknown key; expected one of label_variance") ?? false)
    }

    func testMissingDatasetDirectoryIsAProblemAndOtherProblemsStillShow() {
        XCTAssertEqual(fields("[training]\nepochs = 0\n"), ["dataset.directory", "training.epochs"])
    }

    func testDatasetDirectoryMustStayInsideTheDataRoot() {
        XCTAssertEqual(fields("[dataset]\ndirectory = \"a/../../b\"\n"), ["dataset.directory"])
        XCTAssertEqual(fields("[dataset]\ndirectory = \"a/../b\"\n"), [])
        XCTAssertEqual(fields("[dataset]\ndirectory = \"\"\n"), ["dataset.directory"])
    }

    func testSyntaxErrorCarriesTheLine() {
        XCTAssertThrowsError(try ScanSpec.parse(toml: "[dataset]\ndirectory = \n", source: "x.toml")) { error in
            guard case .syntax(let source, _, let line, _) = error as? ScanSpecError else {
                return XCTFail("expected a syntax error, got \(error)")
            }
            XCTAssertEqual(source, "x.toml")
            XCTAssertEqual(line, 2)
        }
    }

    func testThresholdsNeedAMethodThatTakesThem() {
        let toml =
            "[dataset]\ndirectory = \"d\"\n[selection]\nmethods = [\"pca\", \"random\"]\nthresholds = [\"mean\"]\n"
        XCTAssertEqual(fields(toml), ["selection.thresholds"])
        let noRatios = "[dataset]\ndirectory = \"d\"\n[selection]\nmethods = [\"pca\"]\nratios = []\nthresholds = []\n"
        XCTAssertEqual(fields(noRatios), ["selection.ratios"])
        let fullOnly = "[dataset]\ndirectory = \"d\"\n[selection]\nmethods = [\"full\"]\nratios = []\nthresholds = []\n"
        XCTAssertEqual(fields(fullOnly), [])
    }

    func testThresholdSpellingsParseAndPrintBack() {
        let cases: [(String, ScanSpec.Threshold)] = [
            ("mean", .mean), ("median", .median), ("p75", .percentile(75)), ("p12.5", .percentile(12.5)),
            ("0.5*mean", .scaledMean(0.5)), ("2*mean", .scaledMean(2)),
        ]
        for (spelling, rule) in cases {
            XCTAssertEqual(ScanSpec.Threshold(spelling: spelling), rule, spelling)
            XCTAssertEqual(rule.description, spelling)
        }
        XCTAssertNil(ScanSpec.Threshold(spelling: "pxx"))
        XCTAssertNil(ScanSpec.Threshold(spelling: "max"))
    }

    func testValidationAgainstTheDatasetNamesWhatItLacks() throws {
        let toml = """
            [dataset]
            directory = "d"
            targets = ["valence", "arousal"]
            conditions = ["babble-snr5", "reverb"]
            [training]
            label_variance = ["std-aux"]
            loss = "bce"
            """
        let spec = try ScanSpec.parse(toml: toml)
        let facts = DatasetFacts(
            targets: ["valence"], conditions: ["clean", "babble-snr5"], dimension: 384, task: "regression",
            hasRaterSpread: false)
        let found = spec.validate(against: facts)
        XCTAssertEqual(
            Set(found.map(\.field)),
            ["dataset.targets[1]", "dataset.conditions[1]", "training.label_variance", "training.loss"])
        XCTAssertTrue(found.contains { $0.message.contains("no target \"arousal\"; it has valence") })
        let fitting = DatasetFacts(
            targets: ["valence", "arousal"], conditions: ["clean", "babble-snr5", "reverb"], dimension: 384,
            task: "binary", hasRaterSpread: true)
        XCTAssertEqual(spec.validate(against: fitting), [])
    }

    func testEveryLabelVarianceModeButOffNeedsRaterSpreadAndScaleModesNeedRegression() throws {
        let spec = try ScanSpec.parse(
            toml: """
                [dataset]
                directory = "d"
                [training]
                label_variance = ["off", "std-aux", "nll", "distribution", "weighted"]
                """)
        XCTAssertEqual(spec.training.labelVariance, [.off, .stdAux, .nll, .distribution, .weighted])
        let bare = DatasetFacts(
            targets: ["valence"], conditions: ["clean"], dimension: 384, task: "regression", hasRaterSpread: false)
        let found = spec.validate(against: bare)
        XCTAssertEqual(found.count, 4, "\(found)")
        for mode in ["std-aux", "nll", "distribution", "weighted"] {
            XCTAssertTrue(
                found.contains {
                    $0.field == "training.label_variance" && $0.message.hasPrefix("\(mode) needs rater spread")
                        && $0.message.contains("neither ratings nor label_std")
                }, mode)
        }
        let binary = DatasetFacts(
            targets: ["valence"], conditions: ["clean"], dimension: 384, task: "binary", hasRaterSpread: true)
        XCTAssertEqual(spec.validate(against: binary).map { String($0.message.prefix(3)) }, ["nll", "dis"])
        let rated = DatasetFacts(
            targets: ["valence"], conditions: ["clean"], dimension: 384, task: "regression", hasRaterSpread: true)
        XCTAssertEqual(spec.validate(against: rated), [])
        XCTAssertEqual(ScanSpec.LabelVarianceMode.allCases.sorted(), ScanSpec.LabelVarianceMode.allCases)
        XCTAssertLessThan(ScanSpec.LabelVarianceMode.stdAux, .off)
    }

    func testSpecRoundTripsThroughJSON() throws {
        var spec = try ScanSpec.load(
            contentsOf: TestEnvironment.packageRoot.appendingPathComponent("cluster/scan-example.toml"))
        spec.selection.thresholds.append(.scaledMean(0.5))
        spec.dataset.conditions = .only(["babble-snr5"])
        let data = try JSONEncoder().encode(spec)
        XCTAssertEqual(try JSONDecoder().decode(ScanSpec.self, from: data), spec)
    }

    func testWrittenTOMLReadsBackToTheSameSpec() throws {
        var odd = ScanSpec.demo()
        odd.name = "quotes \" and \\ backslash\tand tab"
        odd.dataset.targets = .only(["valence", "arousal"])
        odd.selection.thresholds = [.percentile(12.5), .scaledMean(0.5)]
        odd.training.learningRate = 1e-5
        odd.training.labelVariance = [.off]
        for spec in [
            odd, ScanSpec(datasetDirectory: "d"),
            try ScanSpec.parse(toml: "[dataset]\ndirectory = \"x\"\n[decoder]\nkind = \"gru-ff\"\n"),
        ] {
            XCTAssertEqual(try ScanSpec.parse(toml: spec.tomlText()), spec, spec.tomlText())
        }
    }

    func testDemoIsValidAndCoversEveryMethod() {
        let demo = ScanSpec.demo()
        XCTAssertEqual(demo.validate(), [])
        XCTAssertEqual(Set(demo.selection.methods), Set(ScanSpec.Method.allCases))
        XCTAssertEqual(demo.selection.ratios, [0.25, 0.5, 1.0])
        XCTAssertEqual(demo.training.seeds.count, 2)
        // The guard that keeps the demo fast (about 20 s of scan on 2 cores at these bounds).
        XCTAssertLessThanOrEqual(demo.training.epochs, 12)
        XCTAssertGreaterThanOrEqual(demo.training.batchSize, 32)
        XCTAssertLessThanOrEqual(demo.decoder.gruUnits, 32)
    }
}
