/// The numbers that shape an attribution run, in one place.
public enum AttributionDefaults {
    /// Integration steps m. 50 is Captum's default `n_steps` and the setting of methods.md (Grósz et al.).
    public static let steps = 50

    /// The integration rule. The right Riemann sum is methods.md's reference (Captum `riemann_right`);
    /// Captum's own default, Gauss–Legendre, is the option.
    public static let method = IntegrationMethod.riemannRight

    /// At most this many input floats (rows x longest length x width) go through the model in one call.
    /// 4 Mi floats (16 MiB) keeps a GRU's activations for a batch of 50 copies of a 200-frame, 384-wide
    /// utterance well inside memory while still giving BLAS large matrices.
    public static let maxBatchFloats = 4 << 20
}
