/// The architecture of a sequence decoder, saved with every checkpoint. Two named presets follow
/// ../shared/docs/methods.md ("Decoders"); every size is configurable and any input width works.
///
/// The pipeline is: standardise → (optional layer mix) → front end (a temporal convolution + ReLU, or a
/// bias-free linear projection) → dropout → GRU → pooling → Linear + ReLU → dropout → linear heads.
public struct DecoderConfig: Codable, Equatable, Sendable {
    /// The two decoders of the methods doc.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Conv1d (k 3, 256 ch) → ReLU → dropout 0.2 → GRU 256×2 → last step → Linear 128 + ReLU → heads.
        case tcGRU = "tc-gru"
        /// Bias-free projection → GRU 64×1 → last step → Linear 64 + ReLU → dropout 0.5 → heads (MuSe baseline).
        case gruFF = "gru-ff"
    }

    /// Which preset this configuration started from (decides the front end).
    public var kind: Kind
    /// Input channels per frame (D, or k selected columns; L·D with a layer mix).
    public var inputWidth: Int
    /// Outputs (T, or 2T with the `std-aux` label-variance mode).
    public var outputCount: Int
    /// Width of the front end: convolution channels (tc-gru) or projection width (gru-ff).
    public var frontWidth: Int
    /// Convolution kernel size (tc-gru; odd).
    public var convKernel: Int
    /// Dropout after the front end.
    public var frontDropout: Double
    /// GRU hidden units.
    public var gruHidden: Int
    /// GRU layers.
    public var gruLayers: Int
    /// How the GRU states become one vector.
    public var pooling: PoolingKind
    /// Width of the hidden head layer.
    public var headHidden: Int
    /// Dropout after the hidden head layer.
    public var headDropout: Double
    /// L when a frame is L equal-width layers of one encoder, mixed by learned softmax weights before the
    /// front end (``LayerMix``); nil for no mix. Optional and last so that configurations written before it
    /// existed decode unchanged, and one without a mix encodes without the key, byte for byte as before.
    public var layerMix: Int? = nil

    /// The TC-GRU preset (Mitra et al.).
    public static func tcGRU(inputWidth: Int, outputCount: Int) -> DecoderConfig {
        DecoderConfig(
            kind: .tcGRU, inputWidth: inputWidth, outputCount: outputCount, frontWidth: 256, convKernel: 3,
            frontDropout: 0.2, gruHidden: 256, gruLayers: 2, pooling: .last, headHidden: 128, headDropout: 0)
    }

    /// The GRU-FF preset (the MuSe 2023 baseline, Grósz et al.).
    public static func gruFF(inputWidth: Int, outputCount: Int) -> DecoderConfig {
        DecoderConfig(
            kind: .gruFF, inputWidth: inputWidth, outputCount: outputCount, frontWidth: 64, convKernel: 1,
            frontDropout: 0, gruHidden: 64, gruLayers: 1, pooling: .last, headHidden: 64, headDropout: 0.5)
    }

    /// The preset of `kind`.
    public static func preset(_ kind: Kind, inputWidth: Int, outputCount: Int) -> DecoderConfig {
        switch kind {
        case .tcGRU: return tcGRU(inputWidth: inputWidth, outputCount: outputCount)
        case .gruFF: return gruFF(inputWidth: inputWidth, outputCount: outputCount)
        }
    }

    /// The same decoder with a different input width (e.g. all D, for the parameter ratio).
    public func withInputWidth(_ width: Int) -> DecoderConfig {
        var copy = self
        copy.inputWidth = width
        return copy
    }

    /// The width the front end reads: D = inputWidth / L with a layer mix, else the input width.
    public var frontInputWidth: Int {
        guard let layerMix, layerMix > 0 else { return inputWidth }
        return inputWidth / layerMix
    }

    /// Checks that the layer mix, if any, cuts the frame into equal layers.
    /// - Throws: `LearnError.badLayerMix` when L < 1 or the input width is not a multiple of L.
    public func validateLayerMix() throws {
        guard let layerMix else { return }
        guard layerMix >= 1, inputWidth % layerMix == 0, inputWidth > 0 else {
            throw LearnError.badLayerMix(layers: layerMix, columns: inputWidth)
        }
    }

    /// The number of trainable parameters, without building the model: a layer mix adds its L weights and
    /// the front end reads D = inputWidth / L columns.
    public var parameterCount: Int {
        let front =
            (kind == .tcGRU
                ? frontWidth * frontInputWidth * convKernel + frontWidth
                : frontWidth * frontInputWidth) + (layerMix ?? 0)
        var gru = 0
        for k in 0..<gruLayers {
            let input = k == 0 ? frontWidth : gruHidden
            gru += 3 * gruHidden * (input + gruHidden + 2)
        }
        let head = headHidden * gruHidden + headHidden + outputCount * headHidden + outputCount
        return front + gru + head
    }
}
