import Foundation
import Logging
import ZeroMQ

extension Coordinator {
    /// A worker's kinds, the one whose next task (as `popFirst` would hand it out: a kind's retries before its
    /// queue) was planned first leading, kinds with nothing queued last. Task ids follow the planner's order, so
    /// across kinds tasks go out in the order they were planned: a scan's KSG blocks (on the way to the mis
    /// models) before the ccs and pca models planned after them, on any worker, instead of in the order of a
    /// hash set.
    func kindsInPlannedOrder(_ kinds: Set<String>) -> [String] {
        let live: (Int64) -> Bool = { [tasks] id in tasks[id]?.queued ?? false }
        var heads: [(kind: String, id: Int64)] = []
        for kind in kinds {
            heads.append((kind, queues[kind]?.peekFirst(live: live) ?? .max))
        }
        return heads.sorted { ($0.id, $0.kind) < ($1.id, $1.kind) }.map(\.kind)
    }

    /// Sends queued tasks to workers that have credit, one TASKS message per worker per cycle. Whom each task
    /// goes to is written to the ledger first (one transaction), so that after a crash only that worker can
    /// claim it back.
    ///
    /// Two passes: first every worker gets tasks for its idle threads, then the rest of its window is filled.
    /// With one pass, the first worker in the table took its whole window (2 per thread) while another stood
    /// idle: on a 15 GB scan one worker trained all four grid models in turn, 6 minutes, beside an idle one.
    func dispatch(on socket: Socket) throws {
        var planned: [(worker: WorkerRecord, headers: [TaskHeader], frames: [Data], sent: [TaskRecord])] = []
        let liveHosts = Set(workers.values.map(\.host))
        var hostsHolding: [String: Set<String>] = [:]
        for (host, keys) in affinityByHost where liveHosts.contains(host) {
            for key in keys { hostsHolding[key, default: []].insert(host) }
        }
        let ready = workers.values.filter { $0.credit > 0 }
        var plans = [Data: Int]()  // routing id -> index in `planned`
        for pass in 0..<2 {
            for worker in ready {
                let given = plans[worker.routingID].map { planned[$0].sent.count } ?? 0
                let idleThreads = max(0, worker.threads - worker.leases.count)
                let limit =
                    pass == 0
                    ? min(worker.credit, ClusterDefaults.tasksPerMessage, idleThreads)
                    : min(worker.credit, ClusterDefaults.tasksPerMessage)
                guard limit > given else { continue }
                var held = Set(affinityByHost[worker.host] ?? [])
                // 2: the worker's own data, or a task without a preference; 1: data no live host holds yet;
                // 0: data another host holds (taken only when nothing better is in the window).
                let score: (Int64) -> Int = { [tasks] id in
                    guard let task = tasks[id], task.queued else { return -1 }
                    guard let key = task.affinity, !held.contains(key) else { return 2 }
                    return (hostsHolding[key]?.isEmpty ?? true) ? 1 : 0
                }
                var headers: [TaskHeader] = []
                var frames: [Data] = []
                var sent: [TaskRecord] = []
                for kind in kindsInPlannedOrder(worker.kinds) where given + headers.count < limit {
                    while given + headers.count < limit, let id = queues[kind]?.popFirst(preferring: score, best: 2) {
                        guard let task = tasks[id], task.queued else { continue }
                        task.queued = false
                        headers.append(
                            TaskHeader(
                                id: id, run: task.run, phase: task.phase, kind: kind,
                                arrays: task.payload.arrays.count))
                        frames.append(contentsOf: task.payload.frames)
                        sent.append(task)
                        if let key = task.affinity, !held.contains(key) {
                            remember(affinity: key, host: worker.host)
                            hostsHolding[key, default: []].insert(worker.host)
                            held.insert(key)
                        }
                    }
                }
                guard !sent.isEmpty else { continue }
                if let index = plans[worker.routingID] {
                    planned[index].headers += headers
                    planned[index].frames += frames
                    planned[index].sent += sent
                } else {
                    plans[worker.routingID] = planned.count
                    planned.append((worker, headers, frames, sent))
                }
            }
        }
        guard !planned.isEmpty else { return }
        do {
            try ledger.recordLeases(planned.flatMap { plan in plan.sent.map { ($0.id, plan.worker.holder) } })
        } catch {
            for plan in planned { for task in plan.sent.reversed() { enqueue(task, front: true) } }
            throw error
        }
        for (worker, headers, frames, sent) in planned {
            if send(WireMessage(.tasks, TasksBody(tasks: headers), frames: frames), to: worker.routingID, on: socket) {
                let now = Coordinator.now()
                worker.credit -= sent.count
                for task in sent {
                    task.leases[worker.routingID] = now
                    task.holder = worker.holder
                    worker.leases.insert(task.id)
                }
            } else {
                for task in sent.reversed() { enqueue(task, front: true) }
            }
        }
    }

    /// Notes that `host` was given a task of data key `key` (most recent last, bounded).
    func remember(affinity key: String, host: String) {
        var keys = affinityByHost[host] ?? []
        keys.removeAll { $0 == key }
        keys.append(key)
        if keys.count > ClusterDefaults.affinitiesPerHost {
            keys.removeFirst(keys.count - ClusterDefaults.affinitiesPerHost)
        }
        affinityByHost[host] = keys
    }
}
