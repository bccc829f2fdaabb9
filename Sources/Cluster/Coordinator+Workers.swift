import Foundation
import Logging
import ZeroMQ

// The worker dialogue: HELLO, credit, TASKS, RESULT, ACK, heartbeats, leases, stragglers, phases.
extension Coordinator {
    func handleHello(_ message: WireMessage, from identity: Data, peer: PeerIdentity, on socket: Socket) throws {
        let hello = try WireDecoder.hello(message, peer: peer.description)
        let now = Coordinator.now()
        let held = Set(hello.running)
        if let previous = workers[identity] {
            // A reconnect: leases it no longer holds go back to the queue.
            for id in previous.leases where !held.contains(id) { releaseLease(of: id, from: identity, requeue: true) }
        }
        let worker = WorkerRecord(routingID: identity, hello: hello, holder: peer.holder, now: now)
        if let previous = workers[identity] { worker.done = previous.done }
        workers[identity] = worker
        // Tasks it still holds (e.g. from before a coordinator restart) become its leases again, and leave the
        // queue: sent to it again they would take a slot of its window that it does not free (it holds them).
        // Only tasks last sent to this very worker (by name, and key under CURVE; the ledger remembers across
        // restarts): task ids are sequential, and a peer must not lease itself tasks it was never given.
        var refused: [Int64] = []
        for id in hello.running {
            guard let task = tasks[id] else { continue }
            guard task.holder == worker.holder else {
                refused.append(id)
                continue
            }
            task.leases[identity] = now
            task.queued = false
            worker.leases.insert(id)
        }
        if !refused.isEmpty {
            // A worker presumed dead whose tasks went to another may say this honestly, so it is not counted as
            // a protocol error; it is named, and its results for them will not be accepted.
            logger.warning(
                "HELLO claims tasks that were not leased to this worker; not given to it",
                metadata: ["peer": "\(peer)", "tasks": "\(refused.prefix(20))", "count": "\(refused.count)"])
        }
        logger.info(
            "worker joined",
            metadata: [
                "worker": "\(hello.worker)", "host": "\(hello.host)", "threads": "\(hello.threads)",
                "window": "\(hello.window)", "holding": "\(worker.leases.count)", "kinds": "\(hello.kinds.count)",
                "peer": "\(peer)",
            ])
        send(
            .welcome,
            WelcomeBody(
                epoch: epoch, heartbeatMs: Int(ClusterDefaults.heartbeatInterval * 1000),
                maxMessageBytes: configuration.maximumMessageBytes),
            to: identity, on: socket)
    }

    func handleResult(_ message: WireMessage, from identity: Data, peer: PeerIdentity, on socket: Socket) throws {
        let (body, payloads) = try WireDecoder.result(message, peer: peer.description)
        guard let worker = try knownWorker(identity, peer: peer.description, on: socket) else { return }
        // Both are at most the window (checked at HELLO and by the decoder), so the sum cannot overflow.
        worker.credit = min(worker.window, worker.credit + min(body.credit, worker.window))
        for (header, payload) in zip(body.results, payloads) {
            guard let task = tasks[header.id] else {
                // Done already (or never ours): acknowledge so the worker forgets it.
                duplicateResults += 1
                pendingAcks[identity, default: []].append(header.id)
                worker.leases.remove(header.id)
                continue
            }
            guard task.leases[identity] != nil else {
                // Not leased to this worker (its lease expired or it never had one): not accepted.
                pendingAcks[identity, default: []].append(header.id)
                continue
            }
            if let payload {
                if batchIDs.contains(header.id) {
                    duplicateResults += 1
                    pendingAcks[identity, default: []].append(header.id)
                    releaseLease(of: header.id, from: identity, requeue: false)
                    continue
                }
                batchIDs.insert(header.id)
                batch.results.append((header.id, payload, worker.name))
                batchSenders[header.id] = (identity, header.seconds)
            } else {
                pendingAcks[identity, default: []].append(header.id)
                releaseLease(of: header.id, from: identity, requeue: false)
                let error = header.error ?? "unspecified error"
                if error.hasPrefix(WorkerRefusal.resultTooLarge) {
                    logger.warning(
                        "a worker could not send a result: larger than --max-message-bytes",
                        metadata: ["task": "\(header.id)", "worker": "\(worker.name)", "error": "\(error)"])
                }
                recordFailure(task, error: error, worker: worker.name)
            }
        }
    }

    /// Counts a failure; retries the task unless the retry cap is reached.
    func recordFailure(_ task: TaskRecord, error: String, worker: String) {
        task.failures += 1
        task.sameErrors = task.lastError == error ? task.sameErrors + 1 : 1
        task.lastError = error
        let failed =
            task.sameErrors >= ClusterDefaults.identicalFailureLimit
            || task.failures >= ClusterDefaults.totalFailureLimit
        if batchIDs.contains(task.id) { return }  // a copy already succeeded in this cycle
        batch.failures.append((task.id, task.failures, task.sameErrors, error, failed))
        if failed {
            logger.warning(
                "task failed for good",
                metadata: ["task": "\(task.id)", "run": "\(task.run)", "kind": "\(task.kind)", "error": "\(error)"])
            for holder in task.leases.keys { workers[holder]?.leases.remove(task.id) }
            task.leases.removeAll()
            tasks[task.id] = nil
            runs[task.run]?.phases[task.phase]?.failed += 1
            runs[task.run]?.kinds[task.kind, default: KindCounts()].failed += 1
            runsToCheck.insert(task.run)
        } else {
            logger.info(
                "task failed, will retry",
                metadata: [
                    "task": "\(task.id)", "worker": "\(worker)", "failures": "\(task.failures)", "error": "\(error)",
                ])
            if task.leases.isEmpty { enqueue(task, front: true) }
        }
    }

    /// Takes back the leases `worker` does not list as held although they were sent to it a while ago: their
    /// TASKS was lost with a dropped connection (libzmq reconnects by itself and discards what was queued on
    /// the old one), so without this the worker would sit idle, its window spent, until the leases expire.
    func reclaimUnlistedLeases(of worker: WorkerRecord, holding: Set<Int64>, now: Double) {
        let lost = worker.leases.filter { id in
            guard !holding.contains(id), let since = tasks[id]?.leases[worker.routingID] else { return false }
            return now - since > ClusterDefaults.unlistedLeaseGrace
        }
        guard !lost.isEmpty else { return }
        for id in lost { releaseLease(of: id, from: worker.routingID, requeue: true) }
        worker.credit = min(worker.window, worker.credit + lost.count)
        lostDeliveries += lost.count
        logger.warning(
            "tasks sent to a worker never reached it; requeued",
            metadata: ["worker": "\(worker.name)", "tasks": "\(lost.sorted())"])
    }

    /// Drops `worker`'s lease on task `id`; requeues the task when nobody else holds it.
    func releaseLease(of id: Int64, from worker: Data, requeue: Bool) {
        workers[worker]?.leases.remove(id)
        guard let task = tasks[id] else { return }
        task.leases[worker] = nil
        if requeue && task.leases.isEmpty && !batchIDs.contains(id) { enqueue(task, front: true) }
    }

    /// Writes the cycle's results and failures in one transaction, then acknowledges them.
    func flush(on socket: Socket) throws {
        if !batch.isEmpty {
            let now = Coordinator.now()
            let accepted = try ledger.commit(batch, now: now)
            clearCycleFailure()
            for result in batch.results {
                guard let sender = batchSenders[result.id] else { continue }
                pendingAcks[sender.worker, default: []].append(result.id)
                guard accepted.contains(result.id), let task = tasks[result.id] else {
                    duplicateResults += 1
                    continue
                }
                for holder in task.leases.keys { workers[holder]?.leases.remove(task.id) }
                workers[sender.worker]?.done += 1
                tasks[task.id] = nil
                if let run = runs[task.run] {
                    run.phases[task.phase]?.done += 1
                    run.kinds[task.kind, default: KindCounts()].done += 1
                    run.kinds[task.kind]?.seconds += sender.seconds
                    run.kinds[task.kind]?.timed += 1
                    run.recordCompletion(now: now)
                    runsToCheck.insert(run.id)
                    tellPlanner(of: result.payload, task: task, run: run)
                }
            }
            batch = LedgerBatch()
            batchIDs.removeAll(keepingCapacity: true)
            batchSenders.removeAll(keepingCapacity: true)
        }
        for (worker, ids) in pendingAcks {
            send(.ack, AckBody(ids: ids), to: worker, on: socket)
        }
        pendingAcks.removeAll(keepingCapacity: true)
    }

    /// Once per heartbeat interval: heartbeats, dead workers, expired leases, stragglers.
    func tick(on socket: Socket, now: Double) {
        for worker in Array(workers.values) {
            if now - worker.lastSeen > ClusterDefaults.peerTimeout {
                removeWorker(worker, reason: "missed \(ClusterDefaults.heartbeatLiveness) heartbeats")
            } else {
                send(.heartbeat, HeartbeatBody(epoch: epoch), to: worker.routingID, on: socket)
            }
        }
        for task in Array(tasks.values) where !task.leases.isEmpty {
            let lease = runs[task.run]?.leaseSeconds ?? ClusterDefaults.leaseSeconds
            for (holder, since) in task.leases where now - since > lease {
                let name = workers[holder]?.name ?? peerName(holder)
                releaseLease(of: task.id, from: holder, requeue: false)
                recordFailure(task, error: "lease expired after \(Int(lease)) s", worker: name)
            }
        }
        reissueStragglers(on: socket, now: now)
    }

    /// Near the end of a phase (nothing queued for an idle worker's kinds), gives idle workers a second copy
    /// of tasks that have been leased much longer than usual for their kind. The first result wins.
    ///
    /// "Usual" is the mean time of the run's finished tasks of the same kind, and a kind none of which has
    /// finished has no straggler: against the run's mean over every kind, a 10-minute training task looked
    /// late beside half-second statistics tasks, and its copy took a whole worker from the next phase
    /// (measured on a 15 GB scan: the full-width model trained twice).
    func reissueStragglers(on socket: Socket, now: Double) {
        let idle = workers.values.filter { worker in
            worker.credit > 0 && worker.leases.isEmpty && worker.kinds.allSatisfy { queues[$0]?.isEmpty ?? true }
        }
        guard !idle.isEmpty else { return }
        var candidates = tasks.values.filter { task in
            guard task.leases.count == 1, !task.reissued, let since = task.leases.values.first,
                let counts = runs[task.run]?.kinds[task.kind], counts.timed > 0
            else { return false }
            let mean = counts.seconds / Double(counts.timed)
            return now - since > max(ClusterDefaults.stragglerMinimumAge, ClusterDefaults.stragglerFactor * mean)
        }
        candidates.sort { ($0.leases.values.first ?? 0) < ($1.leases.values.first ?? 0) }
        for worker in idle {
            guard
                let index = candidates.firstIndex(where: {
                    worker.kinds.contains($0.kind) && $0.leases[worker.routingID] == nil
                })
            else { continue }
            let task = candidates.remove(at: index)
            let header = TaskHeader(
                id: task.id, run: task.run, phase: task.phase, kind: task.kind, arrays: task.payload.arrays.count)
            guard (try? ledger.recordLeases([(task.id, worker.holder)])) != nil else { continue }
            if send(
                WireMessage(.tasks, TasksBody(tasks: [header]), frames: task.payload.frames), to: worker.routingID,
                on: socket)
            {
                task.reissued = true
                task.leases[worker.routingID] = now
                task.holder = worker.holder
                worker.leases.insert(task.id)
                worker.credit -= 1
                logger.info("straggler re-issued", metadata: ["task": "\(task.id)", "to": "\(worker.name)"])
            }
        }
    }

    /// Forgets a worker and requeues the tasks only it held.
    /// `expected`: the worker said BYE (a normal shutdown, logged at info); otherwise it was presumed dead
    /// (a warning: its host or network may need a look).
    func removeWorker(_ worker: WorkerRecord, reason: String, expected: Bool = false) {
        workers[worker.routingID] = nil
        let leases = worker.leases
        for id in leases { releaseLease(of: id, from: worker.routingID, requeue: true) }
        logger.log(
            level: expected ? .info : .warning, "worker left",
            metadata: ["worker": "\(worker.name)", "reason": "\(reason)", "requeued": "\(leases.count)"])
    }

    func startPhase(_ run: RunRecord, phase: Int, tasks specs: [TaskSpec]) throws {
        guard let ids = try ledger.addPhase(run: run.id, phase: phase, tasks: specs) else { return }
        run.phase = phase
        run.phases[phase] = (specs.count, 0, 0)
        for spec in specs { run.kinds[spec.kind, default: KindCounts()].total += 1 }
        for (index, (id, spec)) in zip(ids, specs).enumerated() {
            enqueue(
                TaskRecord(
                    LedgerPendingTask(
                        id: id, run: run.id, phase: phase, index: index, kind: spec.kind, payload: spec.payload,
                        failures: 0, sameErrors: 0, lastError: nil, affinity: spec.affinity)))
        }
        logger.info("phase started", metadata: ["run": "\(run.id)", "phase": "\(phase)", "tasks": "\(specs.count)"])
        if specs.isEmpty { runsToCheck.insert(run.id) }
    }

    /// Hands an accepted result to its run's planner on the planning thread (after any boundary already
    /// queued there, before the one its phase will end with), so the planner can fold it while the phase runs.
    func tellPlanner(of payload: Payload, task: TaskRecord, run: RunRecord) {
        guard let planner = planners[run.planner] else { return }
        let (id, phase, result) = (run.id, task.phase, PhaseResult(index: task.index, kind: task.kind, result: payload))
        planningQueue.async { planner.resultAccepted(run: id, phase: phase, result: result) }
    }

    /// Tells a run's planner that the run ended, so that it lets go of what it kept for it.
    func tellPlannerEnded(_ run: RunRecord) {
        guard let planner = planners[run.planner] else { return }
        let id = run.id
        planningQueue.async { planner.runEnded(run: id) }
    }

    func finish(_ run: RunRecord, state: RunState, error: String?, now: Double) throws {
        try ledger.setRunState(run.id, state: state, error: error, now: now)
        tellPlannerEnded(run)
        run.state = state
        run.error = error
        let done = run.phases.values.reduce(0) { $0 + $1.done }
        if state == .completed {
            logger.info(
                "run completed", metadata: ["run": "\(run.id)", "phases": "\(run.phases.count)", "done": "\(done)"])
        } else {
            logger.warning("run \(state)", metadata: ["run": "\(run.id)", "error": "\(error ?? "")"])
        }
    }
}
