import ArgumentParser
import Foundation
import Shards

/// `salience dataset probe FILE...` (hidden): opens each shard's headers and exits 0, whatever their
/// problems. Run in a child process by `ShardCrashProbe`, so that a crash inside libhdf5 kills the child,
/// not the worker or command that asked; the problems themselves are reported by the caller's own check.
struct DatasetProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe", abstract: "Open shard headers in a child process (used by validate and workers).",
        shouldDisplay: false)

    @Argument(help: "Shard files.")
    var files: [String]

    func run() throws {
        for file in files { _ = ShardValidator.validate(shard: URL(fileURLWithPath: file), checkFrames: false) }
    }
}
