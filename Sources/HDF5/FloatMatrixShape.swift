import CHDF5

/// The shape and stored element size of a 2-D little-endian float dataset: what both read plans that bypass
/// libhdf5's own reading (`DirectChunkPlan`, `ContiguousPlan`) need first, checked in one place.
struct FloatMatrixShape: Equatable {
    var rows: Int
    var columns: Int
    /// Bytes per stored element: 4 (float32) or 2 (float16).
    var elementSize: Int

    /// The shape of `dataset`, or nil when it is not a 2-D little-endian float32/float16 dataset, or when its
    /// extent does not fit in memory arithmetic (a corrupt header must not trap a conversion or a product).
    static func of(_ dataset: hid_t) -> FloatMatrixShape? {
        let space = H5Dget_space(dataset)
        guard space >= 0 else { return nil }
        defer { H5Sclose(space) }
        guard H5Sget_simple_extent_ndims(space) == 2 else { return nil }
        var dims: [hsize_t] = [0, 0]
        guard H5Sget_simple_extent_dims(space, &dims, nil) == 2,
            let rows = Int(exactly: dims[0]), let columns = Int(exactly: dims[1])
        else { return nil }

        let type = H5Dget_type(dataset)
        guard type >= 0 else { return nil }
        defer { H5Tclose(type) }
        guard let elementSize = littleEndianFloatSize(type) else { return nil }
        let (rowBytes, rowOverflow) = columns.multipliedReportingOverflow(by: elementSize)
        guard !rowOverflow, !rowBytes.multipliedReportingOverflow(by: rows).overflow else { return nil }
        return FloatMatrixShape(rows: rows, columns: columns, elementSize: elementSize)
    }

    /// 4 for IEEE float32 little-endian, 2 for IEEE binary16 little-endian (h5py's float16), else nil.
    static func littleEndianFloatSize(_ type: hid_t) -> Int? {
        guard H5Tget_class(type) == H5T_FLOAT, H5Tget_order(type) == H5T_ORDER_LE else { return nil }
        var signPosition = 0
        var exponentPosition = 0
        var exponentSize = 0
        var mantissaPosition = 0
        var mantissaSize = 0
        guard
            H5Tget_fields(
                type, &signPosition, &exponentPosition, &exponentSize, &mantissaPosition, &mantissaSize) >= 0
        else { return nil }
        let fields = [signPosition, exponentPosition, exponentSize, mantissaPosition, mantissaSize]
        switch (H5Tget_size(type), fields, H5Tget_ebias(type)) {
        case (4, [31, 23, 8, 0, 23], 127): return 4
        case (2, [15, 10, 5, 0, 10], 15): return 2
        default: return nil
        }
    }
}
