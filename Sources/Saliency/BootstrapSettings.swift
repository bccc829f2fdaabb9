/// How many Poisson-bootstrap replicates a pass carries, and the seed of their weights. Off unless asked for:
/// without it every statistic is computed exactly as before.
public struct BootstrapSettings: Equatable, Sendable, Codable {
    /// Replicates B (≥ 2, so a standard error is defined).
    public var replicates: Int
    /// The seed of every weight (`PoissonBootstrap.weight(seed:replicate:key:)`).
    public var seed: UInt64

    /// B replicates of `seed`.
    public init(replicates: Int, seed: UInt64 = SaliencyDefaults.bootstrapSeed) {
        self.replicates = replicates
        self.seed = seed
    }
}
