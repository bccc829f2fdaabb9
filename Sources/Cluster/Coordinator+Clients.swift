import Foundation
import Logging
import ZeroMQ

// The client dialogue: SUBMIT, STATUS, WORKERS, CANCEL, RESULTS.
extension Coordinator {
    func handleSubmit(_ message: WireMessage, from identity: Data, peer: String, on socket: Socket) throws {
        let submission = try WireDecoder.submit(message, peer: peer)
        let body = submission.body
        let plannerName = body.planner ?? FlatPlanner.name
        guard let planner = planners[plannerName] else { throw ClusterError.unknownKind(plannerName) }
        let spec = submission.spec
        let specs = submission.tasks
        let leaseSeconds = submission.leaseSeconds
        let id = "run-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let ledgerRun = LedgerRun(
            id: id, name: body.name, planner: plannerName, spec: spec, leaseSeconds: leaseSeconds, state: .running,
            error: nil, phase: 0, created: Coordinator.now())
        let first: [TaskSpec]
        do {
            first = try planner.firstPhase(
                of: RunContext(id: id, name: body.name, spec: spec), submitted: specs)
        } catch {
            throw ClusterError.invalid("planner \(plannerName) refused the submission from \(peer): \(error)")
        }
        // Checked before anything is written: a refused submission leaves no trace in the ledger.
        guard !first.isEmpty else {
            throw ClusterError.invalid("planner \(plannerName) made no tasks of the submission from \(peer)")
        }
        let ids = try ledger.createRun(ledgerRun, tasks: first)
        let run = RunRecord(ledgerRun)
        run.phases[0] = (first.count, 0, 0)
        for spec in first { run.kinds[spec.kind, default: KindCounts()].total += 1 }
        runs[id] = run
        runOrder.append(id)
        for (index, (taskID, spec)) in zip(ids, first).enumerated() {
            enqueue(
                TaskRecord(
                    LedgerPendingTask(
                        id: taskID, run: id, phase: 0, index: index, kind: spec.kind, payload: spec.payload,
                        failures: 0, sameErrors: 0, lastError: nil, affinity: spec.affinity)))
        }
        logger.info(
            "run submitted",
            metadata: [
                "run": "\(id)", "name": "\(body.name ?? "")", "planner": "\(plannerName)", "tasks": "\(first.count)",
            ])
        send(.submitted, SubmittedBody(request: body.request, run: id, tasks: first.count), to: identity, on: socket)
    }

    /// Leased task counts per run and phase, recomputed at most every `liveCountsMaximumAge` seconds so that
    /// frequent STATUS polls cost O(runs), not O(pending tasks).
    func liveLeasedCounts(now: Double) -> [String: [Int: Int]] {
        if let cached = leasedCountsCache, now - cached.at < Coordinator.liveCountsMaximumAge { return cached.counts }
        var counts: [String: [Int: Int]] = [:]
        for task in tasks.values where !task.leases.isEmpty {
            counts[task.run, default: [:]][task.phase, default: 0] += 1
        }
        leasedCountsCache = (now, counts)
        return counts
    }

    /// Progress by the run's parts (the planner's groups, else one per kind) and the whole run's ETA: every
    /// part's remaining tasks times its mean task time, shared over the connected workers' slots.
    func groupProgress(of run: RunRecord) -> (groups: [GroupStatus], eta: Double?) {
        let planned =
            planners[run.planner]?.progressGroups(run: run.id)
            ?? run.kinds.keys.sorted().map { ProgressGroup(name: $0, kinds: [$0], total: run.kinds[$0]?.total ?? 0) }
        var groups: [GroupStatus] = []
        var work = 0.0
        var timable = true
        for group in planned {
            let counts = group.kinds.compactMap { run.kinds[$0] }
            let created = counts.reduce(0) { $0 + $1.total }
            let done = counts.reduce(0) { $0 + $1.done }
            let failed = counts.reduce(0) { $0 + $1.failed }
            let timed = counts.reduce(0) { $0 + $1.timed }
            let mean = timed > 0 ? counts.reduce(0) { $0 + $1.seconds } / Double(timed) : nil
            let total = max(group.total, created)
            groups.append(GroupStatus(name: group.name, total: total, done: done, failed: failed, meanSeconds: mean))
            let left = total - done - failed
            if left > 0, group.countsInETA {
                if let mean { work += Double(left) * mean } else { timable = false }
            }
        }
        let slots = workers.values.reduce(0) { $0 + max(1, $1.threads) }
        let eta = run.state == .running && timable && slots > 0 ? work / Double(slots) : nil
        return (groups, eta)
    }

    /// The status of every run (or of `only`).
    func statusReport(only: String?) throws -> StatusReport {
        let now = Coordinator.now()
        let leasedCounts = liveLeasedCounts(now: now)
        var statuses: [RunStatus] = []
        for id in runOrder where only == nil || only == id {
            guard let run = runs[id] else { continue }
            let phases = run.phases.keys.sorted().map { phase -> PhaseStatus in
                let counts = run.phases[phase] ?? (0, 0, 0)
                let pending = run.state == .running ? max(0, counts.total - counts.done - counts.failed) : 0
                let leased = min(pending, leasedCounts[id]?[phase] ?? 0)
                return PhaseStatus(
                    phase: phase, total: counts.total, done: counts.done, leased: leased, queued: pending - leased,
                    failed: counts.failed)
            }
            let total = phases.reduce(0) { $0 + $1.total }
            let done = phases.reduce(0) { $0 + $1.done }
            let failed = phases.reduce(0) { $0 + $1.failed }
            let throughput = run.throughput(now: now)
            let remaining = total - done - failed
            var status = RunStatus(
                id: id, name: run.name, planner: run.planner, state: run.state, error: run.error, phases: phases,
                total: total, done: done, leased: phases.reduce(0) { $0 + $1.leased },
                queued: phases.reduce(0) { $0 + $1.queued }, failed: failed, throughput: throughput,
                etaSeconds: run.state == .running && throughput > 0 ? Double(remaining) / throughput : nil,
                failures: failed > 0 ? try ledger.failures(run: id, limit: 10) : [])
            (status.groups, status.etaRunSeconds) = groupProgress(of: run)
            status.planningSeconds = planning[id].map { now - $0 }
            statuses.append(status)
        }
        if let only, statuses.isEmpty { throw ClusterError.unknownRun(only) }
        return StatusReport(
            epoch: epoch, uptimeSeconds: now - started, workers: workers.count, runs: statuses,
            protocolErrors: protocolErrors, duplicateResults: duplicateResults, lostDeliveries: lostDeliveries,
            ledgerError: ledgerFailure.map {
                "\($0.message) (failing for \(Int(now - $0.since)) s, \($0.count) cycles; nothing is acknowledged "
                    + "until it recovers)"
            })
    }

    func handleStatus(_ message: WireMessage, from identity: Data, peer: String, on socket: Socket) throws {
        let body = try WireDecoder.runRequest(message, peer: peer)
        let report = try statusReport(only: body.run)
        send(
            WireMessage(command: .status, body: try reply(report, request: body.request), frames: []), to: identity,
            on: socket)
    }

    func handleWorkers(_ message: WireMessage, from identity: Data, peer: String, on socket: Socket) throws {
        let body = try WireDecoder.runRequest(message, peer: peer)
        let now = Coordinator.now()
        let list = workers.values.sorted { $0.connected < $1.connected }.map { worker in
            WorkerStatus(
                id: worker.name, host: worker.host, pid: worker.pid, threads: worker.threads, window: worker.window,
                currentTasks: worker.leases.sorted(), done: worker.done, lastHeartbeatSecondsAgo: now - worker.lastSeen,
                connectedSeconds: now - worker.connected)
        }
        let data = try reply(WorkersReport(workers: list), request: body.request)
        send(WireMessage(command: .workers, body: data, frames: []), to: identity, on: socket)
    }

    func handleCancel(_ message: WireMessage, from identity: Data, peer: String, on socket: Socket) throws {
        let body = try WireDecoder.runRequest(message, peer: peer)
        guard let id = body.run, let run = runs[id] else { throw ClusterError.unknownRun(body.run ?? "") }
        if run.state == .running {
            try ledger.cancelRun(id, now: Coordinator.now())
            run.state = .cancelled
            tellPlannerEnded(run)
            for task in Array(tasks.values) where task.run == id {
                for holder in task.leases.keys { workers[holder]?.leases.remove(task.id) }
                tasks[task.id] = nil
            }
            logger.info("run cancelled", metadata: ["run": "\(id)"])
        }
        send(.cancelled, CancelledBody(request: body.request, run: id, state: run.state), to: identity, on: socket)
    }

    func handleResults(_ message: WireMessage, from identity: Data, peer: String, on socket: Socket) throws {
        let body = try WireDecoder.resultsRequest(message, peer: peer)
        guard let run = runs[body.run] else { throw ClusterError.unknownRun(body.run) }
        let limit = max(1, min(body.limit ?? ClusterDefaults.resultsPageSize, ClusterDefaults.resultsPageSize))
        let budget = configuration.resultsPageBytes
        let page = try ledger.outcomes(run: body.run, after: body.after ?? 0, limit: limit, byteLimit: budget)
        let frames = page.flatMap { $0.1?.frames ?? [] }
        let bytes = page.reduce(0) { $0 + ($1.1?.byteCount ?? 0) }
        let next = page.count == limit || bytes >= budget ? page.last?.0.id : nil
        let reply = ResultsPageBody(
            request: body.request, run: body.run, state: run.state, results: page.map(\.0), next: next)
        send(WireMessage(.results, reply, frames: frames), to: identity, on: socket)
    }

    /// A report's JSON with the request id added, so clients can match replies.
    private func reply<Report: Encodable>(_ report: Report, request: String?) throws -> Data {
        let data = try WireProtocol.encoder.encode(report)
        guard let request, var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return data
        }
        object["request"] = request
        return try JSONSerialization.data(withJSONObject: object)
    }
}
