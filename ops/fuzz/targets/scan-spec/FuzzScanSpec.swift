// libFuzzer target: the scan-spec TOML parser (`ScanSpec.parse(toml:source:)`, Sources/Scan/ScanSpec+TOML.swift,
// over TOMLKit / toml++). Input: the bytes of a spec file, as UTF-8 (invalid sequences repaired, as
// `String(contentsOf:)` would refuse them before the parser). A spec that parses must survive a round trip
// through `tomlText()`: written and parsed again, it is the same spec; anything else is a bug and traps.
import Foundation
import Scan

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScanSpec(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let spec = try? ScanSpec.parse(toml: text, source: "fuzz") else { return 0 }
    let written = spec.tomlText()
    guard let again = try? ScanSpec.parse(toml: written, source: "fuzz round trip") else {
        fatalError("a parsed spec does not parse again after tomlText():\n\(written)")
    }
    precondition(again == spec, "tomlText() round trip changed the spec:\n\(written)")
    return 0
}
