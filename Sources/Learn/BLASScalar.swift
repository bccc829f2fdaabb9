import COpenBLAS
import Foundation

/// A floating-point type the layers can compute in: `Float` for training, `Double` for the
/// finite-difference checks. Dense products go to OpenBLAS (`sgemm`/`dgemm`); element-wise work goes to
/// the kernels below, which are written once generically and specialised in this file for each type, so
/// the generic layers never run per-element code through witness tables.
public protocol BLASScalar: BinaryFloatingPoint, Codable, Sendable
where RawSignificand: FixedWidthInteger {
    /// Row-major `C = alpha * op(A) * op(B) + beta * C`, with `op(A)` of shape `[m, k]` and `op(B)` of `[k, n]`.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// e^x.
    static func exponential(_ x: Self) -> Self
    /// ln(x).
    static func logarithm(_ x: Self) -> Self
    /// tanh(x).
    static func hyperbolicTangent(_ x: Self) -> Self
    /// The element-wise kernels, specialised for this type.
    static var kernels: ScalarKernels<Self> { get }
}

/// Element-wise kernels over raw buffers, one function value per operation so that the generic layers
/// can call code specialised for their scalar type. Shapes are row-major; `lengths[b]` is the number of
/// valid steps of sequence `b` in a time-major `[steps, batch, width]` buffer.
public struct ScalarKernels<S: BLASScalar>: Sendable {
    /// `matrix[r, c] += vector[c]` for a `[rows, cols]` matrix.
    public let addRowVector: @Sendable (UnsafeMutablePointer<S>, Int, Int, UnsafePointer<S>) -> Void
    /// `sums[c] += Σ_r matrix[r, c]` (rows in increasing order, so the result is deterministic).
    public let accumulateColumnSums: @Sendable (UnsafePointer<S>, Int, Int, UnsafeMutablePointer<S>) -> Void
    /// In place `x = max(x, 0)` over `count` elements.
    public let reluForward: @Sendable (UnsafeMutablePointer<S>, Int) -> Void
    /// In place `grad = output > 0 ? grad : 0`.
    public let reluBackward: @Sendable (UnsafeMutablePointer<S>, UnsafePointer<S>, Int) -> Void
    /// In place `x *= y` element-wise.
    public let multiply: @Sendable (UnsafeMutablePointer<S>, UnsafePointer<S>, Int) -> Void
    /// In place `x[r, c] = (x[r, c] - shift[c]) * scale[c]` for a `[rows, cols]` matrix.
    public let standardize: @Sendable (UnsafeMutablePointer<S>, Int, Int, UnsafePointer<S>, UnsafePointer<S>) -> Void
    /// Zeroes the padded rows of a `[steps, batch, width]` buffer: (buffer, steps, batch, width, lengths).
    public let zeroPadding: @Sendable (UnsafeMutablePointer<S>, Int, Int, Int, UnsafePointer<Int>) -> Void
    /// Builds the im2col matrix `[steps*batch, width*kernel]` of a same-padded temporal convolution,
    /// column `c*kernel + j` holding input channel `c` at step `t + j - kernel/2` (zero outside the
    /// sequence's valid steps): (input, steps, batch, width, kernel, lengths, columns).
    public let im2col:
        @Sendable (UnsafePointer<S>, Int, Int, Int, Int, UnsafePointer<Int>, UnsafeMutablePointer<S>) -> Void
    /// The adjoint of `im2col`: accumulates column gradients into input gradients (zero-initialised).
    public let col2im:
        @Sendable (UnsafePointer<S>, Int, Int, Int, Int, UnsafePointer<Int>, UnsafeMutablePointer<S>) -> Void
    /// In place `x += y` element-wise.
    public let addInPlace: @Sendable (UnsafeMutablePointer<S>, UnsafePointer<S>, Int) -> Void
    /// In place `x *= factor`.
    public let scale: @Sendable (UnsafeMutablePointer<S>, Int, S) -> Void
    /// `mask[i] = uniform[i] >= probability ? keptValue : 0`: (mask, uniform, count, probability, keptValue).
    public let dropoutMask: @Sendable (UnsafeMutablePointer<S>, UnsafePointer<Double>, Int, Double, S) -> Void
    /// `y[r, d] = Σ_l p[l] · x[r, l, d]` for `x` `[rows, layers, width]` and `y` `[rows, width]`:
    /// (x, rows, layers, width, p, y).
    public let layerMixForward:
        @Sendable (UnsafePointer<S>, Int, Int, Int, UnsafePointer<S>, UnsafeMutablePointer<S>) -> Void
    /// The adjoint of `layerMixForward`: `dx[r, l, d] = p[l] · g[r, d]` and `dp[l] += Σ_{r, d} g[r, d] · x[r, l, d]`
    /// (rows in increasing order): (g, x, rows, layers, width, p, dx or nil, dp).
    public let layerMixBackward:
        @Sendable (
            UnsafePointer<S>, UnsafePointer<S>, Int, Int, Int, UnsafePointer<S>, UnsafeMutablePointer<S>?,
            UnsafeMutablePointer<S>
        ) -> Void
    /// One GRU step forward over a batch (see `gruStepForward` below for the arguments).
    public let gruStepForward: @Sendable (GRUStepBuffers<S>) -> Void
    /// One GRU step backward over a batch (see `gruStepBackward` below for the arguments).
    public let gruStepBackward: @Sendable (GRUStepBuffers<S>) -> Void

    init() {
        addRowVector = { m, rows, cols, v in
            for r in 0..<rows {
                let row = m + r * cols
                for c in 0..<cols { row[c] += v[c] }
            }
        }
        accumulateColumnSums = { m, rows, cols, sums in
            for r in 0..<rows {
                let row = m + r * cols
                for c in 0..<cols { sums[c] += row[c] }
            }
        }
        reluForward = { x, count in
            for i in 0..<count where x[i] < 0 { x[i] = 0 }
        }
        reluBackward = { g, y, count in
            for i in 0..<count where !(y[i] > 0) { g[i] = 0 }
        }
        multiply = { x, y, count in
            for i in 0..<count { x[i] *= y[i] }
        }
        standardize = { m, rows, cols, shift, scale in
            for r in 0..<rows {
                let row = m + r * cols
                for c in 0..<cols { row[c] = (row[c] - shift[c]) * scale[c] }
            }
        }
        zeroPadding = { x, steps, batch, width, lengths in
            for t in 0..<steps {
                for b in 0..<batch where t >= lengths[b] {
                    (x + (t * batch + b) * width).update(repeating: 0, count: width)
                }
            }
        }
        im2col = { x, steps, batch, width, kernel, lengths, col in
            let half = kernel / 2
            let rowWidth = width * kernel
            col.update(repeating: 0, count: steps * batch * rowWidth)
            for t in 0..<steps {
                for b in 0..<batch where t < lengths[b] {
                    let out = col + (t * batch + b) * rowWidth
                    for j in 0..<kernel {
                        let source = t + j - half
                        guard source >= 0, source < lengths[b] else { continue }
                        let input = x + (source * batch + b) * width
                        for c in 0..<width { out[c * kernel + j] = input[c] }
                    }
                }
            }
        }
        col2im = { col, steps, batch, width, kernel, lengths, dx in
            let half = kernel / 2
            let rowWidth = width * kernel
            dx.update(repeating: 0, count: steps * batch * width)
            for t in 0..<steps {
                for b in 0..<batch where t < lengths[b] {
                    let gradRow = col + (t * batch + b) * rowWidth
                    for j in 0..<kernel {
                        let source = t + j - half
                        guard source >= 0, source < lengths[b] else { continue }
                        let target = dx + (source * batch + b) * width
                        for c in 0..<width { target[c] += gradRow[c * kernel + j] }
                    }
                }
            }
        }
        addInPlace = { x, y, count in
            for i in 0..<count { x[i] += y[i] }
        }
        scale = { x, count, factor in
            for i in 0..<count { x[i] *= factor }
        }
        dropoutMask = { mask, uniform, count, probability, kept in
            for i in 0..<count { mask[i] = uniform[i] >= probability ? kept : 0 }
        }
        layerMixForward = { x, rows, layers, width, p, y in
            y.update(repeating: 0, count: rows * width)
            for r in 0..<rows {
                let out = y + r * width
                for l in 0..<layers {
                    let input = x + (r * layers + l) * width
                    let weight = p[l]
                    for d in 0..<width { out[d] += weight * input[d] }
                }
            }
        }
        layerMixBackward = { g, x, rows, layers, width, p, dx, dp in
            for r in 0..<rows {
                let grad = g + r * width
                for l in 0..<layers {
                    let offset = (r * layers + l) * width
                    let input = x + offset
                    var sum: S = 0
                    for d in 0..<width { sum += grad[d] * input[d] }
                    dp[l] += sum
                    if let dx {
                        let target = dx + offset
                        let weight = p[l]
                        for d in 0..<width { target[d] = weight * grad[d] }
                    }
                }
            }
        }
        gruStepForward = { gruForward($0) }
        gruStepBackward = { gruBackward($0) }
    }
}

/// The buffers of one GRU time step over a batch of `batch` rows and `hidden` units, PyTorch's gate
/// order (r, z, n). Forward reads `inputGates` (W_ih x + b_ih, `[batch, 3H]`), `hiddenGates`
/// (W_hh h + b_hh, `[batch, 3H]`), `previous` (h_{t-1}) and writes `reset`, `update`, `candidate` and
/// `next`. Backward reads those plus `gradNext` (∂L/∂h_t) and writes `gradInputGates`, `gradHiddenGates`
/// and `gradPrevious` (the part of ∂L/∂h_{t-1} that does not go through W_hh). Rows with `valid[b] == 0`
/// are past their sequence's end: the state is carried over unchanged and their gate gradients are zero.
public struct GRUStepBuffers<S: BLASScalar> {
    var batch: Int
    var hidden: Int
    var valid: UnsafePointer<UInt8>
    var inputGates: UnsafePointer<S>
    var hiddenGates: UnsafePointer<S>
    var previous: UnsafePointer<S>
    var reset: UnsafeMutablePointer<S>
    var update: UnsafeMutablePointer<S>
    var candidate: UnsafeMutablePointer<S>
    var next: UnsafeMutablePointer<S>
    var gradNext: UnsafePointer<S>? = nil
    var gradInputGates: UnsafeMutablePointer<S>? = nil
    var gradHiddenGates: UnsafeMutablePointer<S>? = nil
    var gradPrevious: UnsafeMutablePointer<S>? = nil
}

@inline(__always)
private func sigmoid<S: BLASScalar>(_ x: S) -> S { 1 / (1 + S.exponential(-x)) }

@inline(__always)
private func gruForward<S: BLASScalar>(_ s: GRUStepBuffers<S>) {
    let h = s.hidden
    for b in 0..<s.batch {
        let gi = s.inputGates + b * 3 * h
        let gh = s.hiddenGates + b * 3 * h
        let prev = s.previous + b * h
        let r = s.reset + b * h
        let z = s.update + b * h
        let n = s.candidate + b * h
        let out = s.next + b * h
        if s.valid[b] == 0 {
            r.update(repeating: 0, count: h)
            z.update(repeating: 0, count: h)
            n.update(repeating: 0, count: h)
            out.update(from: prev, count: h)
            continue
        }
        for j in 0..<h {
            let rj = sigmoid(gi[j] + gh[j])
            let zj = sigmoid(gi[h + j] + gh[h + j])
            let nj = S.hyperbolicTangent(gi[2 * h + j] + rj * gh[2 * h + j])
            r[j] = rj
            z[j] = zj
            n[j] = nj
            out[j] = (1 - zj) * nj + zj * prev[j]
        }
    }
}

@inline(__always)
private func gruBackward<S: BLASScalar>(_ s: GRUStepBuffers<S>) {
    guard let gradNext = s.gradNext, let dGi = s.gradInputGates, let dGh = s.gradHiddenGates,
        let dPrev = s.gradPrevious
    else { return }
    let h = s.hidden
    for b in 0..<s.batch {
        let gh = s.hiddenGates + b * 3 * h
        let prev = s.previous + b * h
        let r = s.reset + b * h
        let z = s.update + b * h
        let n = s.candidate + b * h
        let dh = gradNext + b * h
        let gi = dGi + b * 3 * h
        let ghGrad = dGh + b * 3 * h
        let dp = dPrev + b * h
        if s.valid[b] == 0 {
            gi.update(repeating: 0, count: 3 * h)
            ghGrad.update(repeating: 0, count: 3 * h)
            dp.update(from: dh, count: h)
            continue
        }
        for j in 0..<h {
            let g = dh[j]
            let zj = z[j]
            let nj = n[j]
            let rj = r[j]
            let dn = g * (1 - zj)
            let dz = g * (prev[j] - nj)
            let dnPre = dn * (1 - nj * nj)
            let drPre = dnPre * gh[2 * h + j] * rj * (1 - rj)
            let dzPre = dz * zj * (1 - zj)
            gi[j] = drPre
            gi[h + j] = dzPre
            gi[2 * h + j] = dnPre
            ghGrad[j] = drPre
            ghGrad[h + j] = dzPre
            ghGrad[2 * h + j] = dnPre * rj
            dp[j] = g * zj
        }
    }
}

extension Float: BLASScalar {
    /// Calls `cblas_sgemm`.
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    /// `expf`.
    public static func exponential(_ x: Float) -> Float { Foundation.exp(x) }
    /// `logf`.
    public static func logarithm(_ x: Float) -> Float { Foundation.log(x) }
    /// tanh as 1 − 2 / (e^{2x} + 1): glibc's `tanhf` (through `expm1f`) was the hottest scalar function in
    /// training; this form costs one `expf` and stays within about 1e-7 absolute of `tanhf`.
    @inline(__always)
    public static func hyperbolicTangent(_ x: Float) -> Float { 1 - 2 / (Foundation.exp(2 * x) + 1) }
    /// The kernels specialised for `Float`.
    public static let kernels = ScalarKernels<Float>()
}

extension Double: BLASScalar {
    /// Calls `cblas_dgemm`.
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_dgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    /// `exp`.
    public static func exponential(_ x: Double) -> Double { Foundation.exp(x) }
    /// `log`.
    public static func logarithm(_ x: Double) -> Double { Foundation.log(x) }
    /// `tanh`.
    public static func hyperbolicTangent(_ x: Double) -> Double { Foundation.tanh(x) }
    /// The kernels specialised for `Double`.
    public static let kernels = ScalarKernels<Double>()
}

extension BLASScalar {
    /// `count` zeros, written with `memset` (generic code would otherwise copy element by element).
    @inline(__always)
    public static func zeros(_ count: Int) -> [Self] {
        [Self](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { memset(buffer.baseAddress!, 0, count * MemoryLayout<Self>.stride) }
            initialized = count
        }
    }

    /// Copies `count` scalars with `memcpy`.
    @inline(__always)
    public static func copy(_ target: UnsafeMutablePointer<Self>, from source: UnsafePointer<Self>, count: Int) {
        if count > 0 { memcpy(target, source, count * MemoryLayout<Self>.stride) }
    }

    /// Zeroes `count` scalars with `memset`.
    @inline(__always)
    public static func zero(_ target: UnsafeMutablePointer<Self>, count: Int) {
        if count > 0 { memset(target, 0, count * MemoryLayout<Self>.stride) }
    }
}
