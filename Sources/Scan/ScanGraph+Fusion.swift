import Cluster

/// The `[fusion]` part of the graph: one `scan.fuse` task per (seed, label-variance mode, fusion method),
/// ready once every member cell's model of that seed and mode is trained.
extension ScanGraph {
    /// Fuse tasks: seeds x label-variance modes x fusion methods, 0 without `[fusion]`.
    public var fuseTaskCount: Int {
        guard let fusion = spec.fusion else { return 0 }
        return spec.training.seeds.count * catalog.labelVariance.count * fusion.methods.count
    }

    /// The fuse tasks whose members' models are all trained, and how many (seed, mode) groups still wait for
    /// one. `trained` holds the finished models by train key; `aliases` maps a cell whose model another cell
    /// trains (``ScanPlanner/sharedTraining``) to that cell's key, whose file then serves the member.
    func fuseTasks(
        trained: [String: TrainedModelResult], aliases: [String: String]
    ) throws -> (ready: [PlannedTask], waiting: Int) {
        guard let fusion = spec.fusion else { return ([], 0) }
        var ready = [PlannedTask]()
        var waiting = 0
        for seed in spec.training.seeds {
            for mode in catalog.labelVariance {
                var members = [FuseTask.Member]()
                for cell in fusion.members {
                    let key = TrainTask.key(method: cell.method, rule: cell.rule, seed: seed, labelVariance: mode)
                    guard let model = trained[key] ?? aliases[key].flatMap({ trained[$0] }),
                        let path = model.modelPath
                    else { break }
                    members.append(FuseTask.Member(cell: cell, modelPath: path))
                }
                guard members.count == fusion.members.count else {
                    waiting += 1
                    continue
                }
                for method in fusion.methods {
                    let body = FuseTask(
                        dataset: spec.dataset.directory, members: members, seed: seed, labelVariance: mode,
                        method: method, targetColumns: catalog.targetColumns,
                        conditions: Array(catalog.dataset.conditions.dropFirst()),
                        outputDirectory: spec.output.directory)
                    ready.append(try PlannedTask(ScanTaskKind.fuse, body, affinity: "dataset:\(body.dataset)"))
                }
            }
        }
        return (ready, waiting)
    }
}
