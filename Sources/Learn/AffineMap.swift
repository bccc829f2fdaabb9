/// The three GEMMs of an affine map `y = x·Wᵀ + b` on row-major matrices, `x` `[rows, inputs]`, `W`
/// `[outputs, inputs]`: the forward pass, the parameter gradients and the input gradient. `Linear` is one;
/// `Conv1d` is one on its im2col columns (inputs = channels × kernel). Kept in one place so both layers
/// compute (and round) the same way, and a change of BLAS call is made once.
enum AffineMap<S: BLASScalar> {
    /// `x·Wᵀ (+ b)`, `[rows, outputs]`.
    static func forward(_ x: [S], rows: Int, inputs: Int, outputs: Int, weight: [S], bias: [S]?) -> [S] {
        var y = S.zeros(rows * outputs)
        guard rows > 0 else { return y }
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    S.gemm(
                        transA: false, transB: true, m: rows, n: outputs, k: inputs, alpha: 1,
                        a: xp.baseAddress!, lda: inputs, b: wp.baseAddress!, ldb: inputs,
                        beta: 0, c: yp.baseAddress!, ldc: outputs)
                    if let bias {
                        bias.withUnsafeBufferPointer { bp in
                            S.kernels.addRowVector(yp.baseAddress!, rows, outputs, bp.baseAddress!)
                        }
                    }
                }
            }
        }
        return y
    }

    /// Adds `∂L/∂W = gᵀ·x` to `weight`'s gradient and the column sums of `g` to `bias`'s.
    static func accumulateGradients(
        _ g: [S], input x: [S], rows: Int, inputs: Int, outputs: Int, weight: Parameter<S>, bias: Parameter<S>?
    ) {
        g.withUnsafeBufferPointer { gp in
            x.withUnsafeBufferPointer { xp in
                weight.gradient.withUnsafeMutableBufferPointer { wg in
                    S.gemm(
                        transA: true, transB: false, m: outputs, n: inputs, k: rows, alpha: 1,
                        a: gp.baseAddress!, lda: outputs, b: xp.baseAddress!, ldb: inputs,
                        beta: 1, c: wg.baseAddress!, ldc: inputs)
                }
            }
            if let bias {
                bias.gradient.withUnsafeMutableBufferPointer { bg in
                    S.kernels.accumulateColumnSums(gp.baseAddress!, rows, outputs, bg.baseAddress!)
                }
            }
        }
    }

    /// `∂L/∂x = g·W`, `[rows, inputs]`.
    static func inputGradient(_ g: [S], rows: Int, inputs: Int, outputs: Int, weight: [S]) -> [S] {
        var gradInput = S.zeros(rows * inputs)
        g.withUnsafeBufferPointer { gp in
            weight.withUnsafeBufferPointer { wp in
                gradInput.withUnsafeMutableBufferPointer { dx in
                    S.gemm(
                        transA: false, transB: false, m: rows, n: inputs, k: outputs, alpha: 1,
                        a: gp.baseAddress!, lda: outputs, b: wp.baseAddress!, ldb: inputs,
                        beta: 0, c: dx.baseAddress!, ldc: inputs)
                }
            }
        }
        return gradInput
    }
}
