import Foundation
import Numerics
import XCTest

@testable import Cluster

/// One spelling of NaN and the infinities in everything Salience writes as JSON: the wire's bodies spell them
/// as the files do (Numerics.NonFiniteJSON), so that a reader (pyzmq, pandas) needs one rule.
final class NonFiniteSpellingTests: XCTestCase {
    struct Body: Codable, Equatable {
        var values: [Double]
    }

    func testTheWireSpellsNonFiniteFloatsAsTheFilesDo() throws {
        let body = Body(values: [.nan, .infinity, -.infinity, 1.5])
        let files = JSONEncoder()
        files.nonConformingFloatEncodingStrategy = NonFiniteJSON.encoding
        for wire in [WireProtocol.encoder, WireProtocol.plainEncoder] {
            XCTAssertEqual(
                String(decoding: try wire.encode(body), as: UTF8.self),
                String(decoding: try files.encode(body), as: UTF8.self))
        }
        let text = #"{"values":["NaN","Infinity","-Infinity",1.5]}"#
        for wire in [WireProtocol.decoder, WireProtocol.plainDecoder] {
            let decoded = try wire.decode(Body.self, from: Data(text.utf8))
            XCTAssertTrue(decoded.values[0].isNaN)
            XCTAssertEqual(Array(decoded.values.dropFirst()), [.infinity, -.infinity, 1.5])
        }
    }
}
