import HDF5

/// How a read of some columns of several layers splits into one read per layer: which layer, which of its
/// columns, and where in the caller's row each lands.
///
/// A read that touches one layer with its columns in the caller's order goes straight into the caller's
/// buffer; otherwise each layer is read into a buffer of its own and its columns scattered into place, which
/// costs one copy of the frames read, small beside decoding them.
struct LayerReadPlan {
    /// One layer's share of the read.
    struct Part {
        /// The layer's position in the reader's layers.
        var position: Int
        /// Columns within the layer, in read order; nil: all of them, in order.
        var localColumns: [Int]?
        /// Where each read column goes in the caller's row.
        var targets: [Int]

        /// Whether the part's columns are exactly the caller's row, in order.
        func isIdentity(width: Int) -> Bool { targets.count == width && targets.enumerated().allSatisfy { $0 == $1 } }

        /// Reads `rows` of the part's columns from `dataset` and scatters them into `buffer` (rows x `width`).
        func read(
            _ dataset: Dataset, rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<Float>, width: Int,
            decodingThreads: Int?
        ) throws {
            let count = targets.count
            var part = [Float](repeating: 0, count: rows.count * count)
            try part.withUnsafeMutableBufferPointer { scratch in
                try dataset.read(rows: rows, columns: localColumns, into: scratch, decodingThreads: decodingThreads)
            }
            part.withUnsafeBufferPointer { scratch in
                let contiguous = targets.last.map { $0 - targets[0] + 1 == count } ?? false
                for row in 0..<rows.count {
                    let from = row * count
                    let to = row * width
                    if contiguous {
                        (buffer.baseAddress! + to + targets[0]).update(from: scratch.baseAddress! + from, count: count)
                    } else {
                        for (j, target) in targets.enumerated() { buffer[to + target] = scratch[from + j] }
                    }
                }
            }
        }
    }

    /// The parts, one per layer touched, in layer order.
    let parts: [Part]

    /// The plan for `columns` (nil: every column) of the layers of `space`.
    init(columns: [Int]?, over space: LayerColumns) {
        guard let columns else {
            parts = space.layers.indices.map { position in
                Part(position: position, localColumns: nil, targets: Array(space.columns(ofPosition: position)))
            }
            return
        }
        var locals = [[Int]](repeating: [], count: space.layers.count)
        var targets = [[Int]](repeating: [], count: space.layers.count)
        for (target, column) in columns.enumerated() {
            let position = space.layers.count == 1 ? 0 : space.position(ofColumn: column)
            locals[position].append(column - space.starts[position])
            targets[position].append(target)
        }
        parts = space.layers.indices.filter { !targets[$0].isEmpty }.map {
            Part(position: $0, localColumns: locals[$0], targets: targets[$0])
        }
    }
}
