import CLibDeflate
import Foundation

/// A minimal PNG encoder for palette images (colour type 3, 8 bits per pixel, no interlace): what a heat
/// map's pixel grid needs, one byte per cell, and nothing else (PNG specification, W3C 2003, sections 5 and
/// 11). The image data is one zlib stream compressed with libdeflate; chunks carry libdeflate's CRC32.
///
/// A palette keeps the grid small: a 25 × 1024 heat map is 25 kB of indices before compression, a third of
/// what RGB would take, and the colour map's 256 entries are written once in `PLTE`.
enum PNGImage {
    /// The eight bytes every PNG starts with.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The PNG file of a `width` × `height` image whose pixels (row by row, top row first) index `palette`.
    ///
    /// - Precondition: `pixels.count == width * height`, 1...256 palette entries, every index below their count.
    static func indexed(width: Int, height: Int, pixels: [UInt8], palette: [RGB]) -> Data {
        precondition(width > 0 && height > 0 && pixels.count == width * height, "PNG: pixels do not fill the image")
        precondition((1...256).contains(palette.count), "PNG: a palette holds 1 to 256 colours")
        var header: [UInt8] = []
        append32(UInt32(width), to: &header)
        append32(UInt32(height), to: &header)
        header += [8, 3, 0, 0, 0]  // bit depth 8, palette, deflate, adaptive filtering, no interlace
        // Each scanline is preceded by its filter type; 0 (none) suits indices, which are not smooth values.
        var scanlines: [UInt8] = []
        scanlines.reserveCapacity((width + 1) * height)
        for row in 0..<height {
            scanlines.append(0)
            scanlines += pixels[(row * width)..<((row + 1) * width)]
        }
        var file = signature
        file += chunk("IHDR", header)
        file += chunk("PLTE", palette.flatMap { [$0.red, $0.green, $0.blue] })
        file += chunk("IDAT", zlib(scanlines))
        file += chunk("IEND", [])
        return Data(file)
    }

    /// A chunk: length, type, data, and the CRC32 of type and data.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        append32(UInt32(data.count), to: &bytes)
        let body = Array(type.utf8) + data
        bytes += body
        let crc = body.withUnsafeBytes { libdeflate_crc32(0, $0.baseAddress, $0.count) }
        append32(crc, to: &bytes)
        return bytes
    }

    /// `data` as a zlib stream at libdeflate's level 9 (the grids are small, so the best level costs little).
    static func zlib(_ data: [UInt8]) -> [UInt8] {
        guard let compressor = libdeflate_alloc_compressor(9) else { return storedZlib(data) }
        defer { libdeflate_free_compressor(compressor) }
        var output = [UInt8](repeating: 0, count: libdeflate_zlib_compress_bound(compressor, data.count))
        let written = data.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                libdeflate_zlib_compress(compressor, input.baseAddress, input.count, out.baseAddress, out.count)
            }
        }
        // The bound guarantees room, so 0 (no room) cannot happen; stored blocks keep the encoder total anyway.
        guard written > 0 else { return storedZlib(data) }
        return Array(output.prefix(written))
    }

    /// `data` as a zlib stream of stored (uncompressed) deflate blocks, RFC 1950/1951: the fallback when
    /// libdeflate cannot allocate a compressor.
    static func storedZlib(_ data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            let end = min(start + 65_535, data.count)
            let length = UInt16(end - start)
            bytes.append(end == data.count ? 1 : 0)
            bytes += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            bytes += data[start..<end]
            start = end
        } while start < data.count
        append32(data.withUnsafeBytes { libdeflate_adler32(1, $0.baseAddress, $0.count) }, to: &bytes)
        return bytes
    }

    private static func append32(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}

/// An 8-bit sRGB colour.
struct RGB: Equatable {
    var red: UInt8
    var green: UInt8
    var blue: UInt8

    /// `#RRGGBB`.
    var hex: String { String(format: "#%02X%02X%02X", red, green, blue) }
}
