/// Integrated Gradients of one utterance for the outputs that were attributed.
public struct UtteranceAttribution: Sendable {
    /// Valid frames T.
    public let length: Int
    /// Input width D.
    public let width: Int
    /// The attributed output indices, in the order of every per-output array here.
    public let outputs: [Int]
    /// Frame-wise attributions a[τ, d] per attributed output, `length * width` floats each ([frame][dim]);
    /// empty when the attribution was made without keeping frames (a pass needs only the summaries).
    public let frameAttributions: [[Float]]
    /// c[d] = Σ_τ a[τ, d] per attributed output (summed in Double).
    public let attributions: [[Double]]
    /// (1/T) Σ_τ |a[τ, d]| per attributed output.
    public let frameMeanAbsolute: [[Double]]
    /// F_j(x) per attributed output.
    public let outputAtInput: [Float]
    /// F_j(baseline) per attributed output.
    public let outputAtBaseline: [Float]

    /// Builds the per-utterance summaries from frame-wise attributions.
    public init(
        length: Int, width: Int, outputs: [Int], frameAttributions: [[Float]], outputAtInput: [Float],
        outputAtBaseline: [Float]
    ) {
        self.init(
            length: length, width: width, outputs: outputs, frameAttributions: frameAttributions,
            summaries: Self.summaries(of: frameAttributions, length: length, width: width),
            outputAtInput: outputAtInput, outputAtBaseline: outputAtBaseline)
    }

    /// An attribution whose summaries were made from frame-wise attributions that may no longer be kept
    /// (`frameAttributions` empty).
    init(
        length: Int, width: Int, outputs: [Int], frameAttributions: [[Float]], summaries: Summaries,
        outputAtInput: [Float], outputAtBaseline: [Float]
    ) {
        self.length = length
        self.width = width
        self.outputs = outputs
        self.frameAttributions = frameAttributions
        self.outputAtInput = outputAtInput
        self.outputAtBaseline = outputAtBaseline
        attributions = summaries.sums
        frameMeanAbsolute = summaries.frameMeanAbsolute
    }

    /// c[d] and (1/T) Σ_τ |a[τ, d]| per output.
    typealias Summaries = (sums: [[Double]], frameMeanAbsolute: [[Double]])

    /// The summaries of frame-wise attributions, summed in Double frame after frame.
    static func summaries(of frameAttributions: [[Float]], length: Int, width: Int) -> Summaries {
        var sums: [[Double]] = []
        var means: [[Double]] = []
        for a in frameAttributions {
            var c = [Double](repeating: 0, count: width)
            var absolute = [Double](repeating: 0, count: width)
            a.withUnsafeBufferPointer { a in
                for t in 0..<length {
                    let row = t * width
                    for d in 0..<width {
                        let value = Double(a[row + d])
                        c[d] += value
                        absolute[d] += Swift.abs(value)
                    }
                }
            }
            let scale = 1 / Double(length)
            sums.append(c)
            means.append(absolute.map { $0 * scale })
        }
        return (sums, means)
    }

    /// The completeness delta per attributed output: Σ_d c[d] − (F(x) − F(baseline)). Zero for exact
    /// integration; it shrinks as the number of steps grows.
    public var completenessDelta: [Double] {
        (0..<outputs.count).map { k in
            attributions[k].reduce(0, +) - (Double(outputAtInput[k]) - Double(outputAtBaseline[k]))
        }
    }
}
