import HDF5
import TestSupport
import XCTest

final class AttributeTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("hdf5-attr") }
    override func tearDown() { scratch.remove() }

    func testEveryAttributeKindRoundTrips() throws {
        let path = scratch.path("a.h5").path
        let values: [String: AttributeValue] = [
            "int": .int(-42), "float": .float(2.5), "ints": .ints([1, 2, 3]), "floats": .floats([0.5, -1]),
            "string": .string("héllo"), "strings": .strings(["a", "ünï", ""]), "empty-ints": .ints([]),
        ]
        do {
            let file = try File.create(path)
            for (name, value) in values { try file.writeAttribute(name, value) }
            try file.writeAttribute(
                "fixed-ascii", .string("fixed"), strings: StringType(fixedLength: 1, encoding: .ascii))
            try file.writeAttribute(
                "fixed-utf8s", .strings(["ä", "bcd"]), strings: StringType(fixedLength: 1, encoding: .utf8))
            try file.writeAttribute("vlen-ascii", .strings(["x"]), strings: .variableASCII)
            let dataset = try file.writeDataset("d", [Float(1)])
            try dataset.writeAttribute("unit", .string("m/s"))
            try file.writeAttribute("int", .int(7))  // replacing an attribute
        }
        let file = try File.open(path)
        for (name, value) in values where name != "int" {
            XCTAssertEqual(try file.readAttribute(name), value, name)
        }
        XCTAssertEqual(try file.readAttribute("int"), .int(7))
        XCTAssertEqual(try file.readAttribute("fixed-ascii"), .string("fixed"))
        XCTAssertEqual(try file.readAttribute("fixed-utf8s"), .strings(["ä", "bcd"]))
        XCTAssertEqual(try file.readAttribute("vlen-ascii"), .strings(["x"]))
        XCTAssertEqual(try file.openDataset("d").readAttribute("unit").stringValue, "m/s")
        XCTAssertTrue(try file.hasAttribute("float"))
        XCTAssertFalse(try file.hasAttribute("nope"))
        XCTAssertEqual(
            try file.attributeNames().sorted(),
            (Array(values.keys) + ["fixed-ascii", "fixed-utf8s", "vlen-ascii"]).sorted())
    }

    func testMissingAttributeCarriesLibraryMessage() throws {
        let file = try File.create(scratch.path("m.h5").path)
        XCTAssertThrowsError(try file.readAttribute("absent")) { error in
            guard let error = error as? HDF5Error else { return XCTFail("\(error)") }
            XCTAssertEqual(error.kind, .library)
            XCTAssertTrue(error.operation.contains("absent"))
            XCTAssertTrue(error.path.hasSuffix("m.h5:/"), error.path)
            XCTAssertFalse(error.messages.isEmpty)
            // HDF5's own wording for a missing attribute.
            XCTAssertTrue(error.messages.joined().contains("attribute"), error.description)
        }
    }
}
