/// Per-column input standardisation, `(x − mean) / std`, with the training split's statistics; stored
/// in the model so that a checkpoint takes raw frames.
public struct Standardization: Codable, Equatable, Sendable {
    /// Per-column mean of the training frames.
    public var mean: [Float]
    /// Per-column population standard deviation of the training frames (1 where a column is constant).
    public var std: [Float]

    /// Below this spread a column is treated as constant and left unscaled, so it cannot blow up.
    public static let constantColumnStd: Double = 1e-8

    /// The identity (mean 0, std 1) for `width` columns.
    public static func identity(width: Int) -> Standardization {
        Standardization(mean: [Float](repeating: 0, count: width), std: [Float](repeating: 1, count: width))
    }

    /// Creates a standardisation from explicit statistics.
    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// Computes column means and standard deviations of every frame of `set` (two passes, in Double, in
    /// the set's frame order, so a set kept in a file gives the same numbers as one in memory).
    public init(fitting set: UtteranceSet) {
        let width = set.width
        var rows = 0
        var sum = [Double](repeating: 0, count: width)
        set.forEachFrameBlock { frames in
            let count = frames.count / max(width, 1)
            for r in 0..<count { for c in 0..<width { sum[c] += Double(frames[r * width + c]) } }
            rows += count
        }
        let mean = sum.map { rows > 0 ? $0 / Double(rows) : 0 }
        var squares = [Double](repeating: 0, count: width)
        set.forEachFrameBlock { frames in
            for r in 0..<(frames.count / max(width, 1)) {
                for c in 0..<width {
                    let d = Double(frames[r * width + c]) - mean[c]
                    squares[c] += d * d
                }
            }
        }
        let std = squares.map { rows > 0 ? ($0 / Double(rows)).squareRoot() : 1 }
        self.mean = mean.map { Float($0) }
        self.std = std.map { $0 > Standardization.constantColumnStd ? Float($0) : 1 }
    }

    /// Computes column means and standard deviations (two passes, in Double) of `frames`
    /// (`[rows, width]`, row-major).
    public init(fitting frames: [Float], width: Int) {
        let rows = width > 0 ? frames.count / width : 0
        var sum = [Double](repeating: 0, count: width)
        for r in 0..<rows { for c in 0..<width { sum[c] += Double(frames[r * width + c]) } }
        let mean = sum.map { rows > 0 ? $0 / Double(rows) : 0 }
        var squares = [Double](repeating: 0, count: width)
        for r in 0..<rows {
            for c in 0..<width {
                let d = Double(frames[r * width + c]) - mean[c]
                squares[c] += d * d
            }
        }
        let std = squares.map { rows > 0 ? ($0 / Double(rows)).squareRoot() : 1 }
        self.mean = mean.map { Float($0) }
        self.std = std.map { $0 > Standardization.constantColumnStd ? Float($0) : 1 }
    }
}
