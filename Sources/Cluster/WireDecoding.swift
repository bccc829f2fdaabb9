import Foundation

/// The decoders of every command body, as pure functions of the message (no socket, no coordinator state),
/// each checking every number against the limits in `ClusterDefaults` before any arithmetic uses it. A
/// decoder either returns a value the caller may use without further checks, or throws
/// `ClusterError.malformedMessage` naming the peer and the field. The coordinator and the worker call these;
/// so do the fuzzing targets (through `WireFuzzing`).
enum WireDecoder {
    /// Throws unless `value` lies in `range`; `field` names it in the error.
    static func check<T: Comparable>(
        _ value: T, in range: ClosedRange<T>, _ field: String, _ message: WireMessage, peer: String
    ) throws {
        guard range.contains(value) else {
            throw ClusterError.malformedMessage(
                peer: peer,
                reason:
                    "\(message.command.rawValue) \(field) = \(value) is outside \(range.lowerBound)...\(range.upperBound)"
            )
        }
    }

    static func refuse(_ message: WireMessage, peer: String, _ reason: String) -> ClusterError {
        .malformedMessage(peer: peer, reason: "\(message.command.rawValue) \(reason)")
    }

    /// A name-like text field: non-empty (when `required`) and at most `ClusterDefaults.maximumNameBytes` long.
    static func checkName(_ text: String, _ field: String, _ message: WireMessage, peer: String) throws {
        guard !text.isEmpty, text.utf8.count <= ClusterDefaults.maximumNameBytes else {
            throw refuse(
                message, peer: peer, "\(field) must be 1 to \(ClusterDefaults.maximumNameBytes) bytes long")
        }
    }

    /// Refuses a HELLO or client request whose build version is not this build's, or that has none. Called
    /// last, so that a malformed message is still answered as malformed.
    static func checkVersion(_ version: String?, _ message: WireMessage, peer: String) throws {
        guard version == SalienceVersion.current else {
            throw ClusterError.versionMismatch(
                peer: peer, command: message.command.rawValue, theirs: version.map { String($0.prefix(64)) },
                ours: SalienceVersion.current)
        }
    }

    /// Commands that carry no data frames refuse any (a STATUS with frames is not a STATUS).
    static func expectNoDataFrames(_ message: WireMessage, peer: String) throws {
        guard message.frames.isEmpty else {
            throw refuse(message, peer: peer, "carries \(message.frames.count) unexpected data frame(s)")
        }
    }

    /// The number of frames `1 + arrays` payloads take, with checked arithmetic; nil on overflow.
    static func payloadFrames(_ arrays: [Int]) -> Int? {
        var total = 0
        for count in arrays {
            let (withBody, o1) = count.addingReportingOverflow(1)
            let (sum, o2) = total.addingReportingOverflow(withBody)
            if o1 || o2 { return nil }
            total = sum
        }
        return total
    }

    // MARK: Worker -> coordinator

    static func hello(_ message: WireMessage, peer: String) throws -> HelloBody {
        try expectNoDataFrames(message, peer: peer)
        let hello = try message.decodeBody(HelloBody.self, peer: peer)
        try check(hello.window, in: 1...ClusterDefaults.maximumWindow, "window", message, peer: peer)
        try check(hello.threads, in: 1...ClusterDefaults.maximumWindow, "threads", message, peer: peer)
        // Credit is what is free of the window now: never more than the window itself.
        try check(hello.credit, in: 0...hello.window, "credit", message, peer: peer)
        try check(hello.pid, in: 0...Int(Int32.max), "pid", message, peer: peer)
        try check(hello.running.count, in: 0...ClusterDefaults.maximumHeldTasks, "running count", message, peer: peer)
        try check(hello.kinds.count, in: 1...ClusterDefaults.maximumKinds, "kinds count", message, peer: peer)
        try checkName(hello.worker, "worker", message, peer: peer)
        try checkName(hello.host, "host", message, peer: peer)
        for kind in hello.kinds { try checkName(kind, "kind", message, peer: peer) }
        try checkVersion(hello.version, message, peer: peer)
        return hello
    }

    static func ready(_ message: WireMessage, peer: String) throws -> ReadyBody {
        try expectNoDataFrames(message, peer: peer)
        let body = try message.decodeBody(ReadyBody.self, peer: peer)
        try check(body.credit, in: 0...ClusterDefaults.maximumWindow, "credit", message, peer: peer)
        return body
    }

    /// A RESULT and the payload of each result (nil for a failure), in order.
    static func result(_ message: WireMessage, peer: String) throws -> (body: ResultBody, payloads: [Payload?]) {
        var body = try message.decodeBody(ResultBody.self, peer: peer)
        try check(body.credit, in: 0...ClusterDefaults.maximumWindow, "credit", message, peer: peer)
        try check(
            body.results.count, in: 0...ClusterDefaults.maximumTasksPerMessage, "results count", message, peer: peer)
        for index in body.results.indices {
            let header = body.results[index]
            try check(header.id, in: 1...Int64.max, "results[\(index)].id", message, peer: peer)
            try check(
                header.arrays, in: 0...ClusterDefaults.maximumArraysPerPayload, "results[\(index)].arrays", message,
                peer: peer)
            try check(
                header.seconds, in: 0...ClusterDefaults.maximumTaskSeconds, "results[\(index)].seconds", message,
                peer: peer)
            if let error = header.error, error.utf8.count > ClusterDefaults.maximumErrorBytes {
                body.results[index].error =
                    String(decoding: error.utf8.prefix(ClusterDefaults.maximumErrorBytes), as: UTF8.self) + "..."
            }
        }
        let okArrays = body.results.filter(\.ok).map(\.arrays)
        guard let needed = payloadFrames(okArrays), needed == message.frames.count else {
            throw refuse(
                message, peer: peer,
                "announces \(payloadFrames(okArrays).map(String.init) ?? "too many") data frames but carries \(message.frames.count)"
            )
        }
        var offset = 0
        let payloads = body.results.map { header -> Payload? in
            guard header.ok else { return nil }
            defer { offset += 1 + header.arrays }
            return Payload(frames: message.frames[offset..<offset + 1 + header.arrays])
        }
        return (body, payloads)
    }

    static func heartbeat(_ message: WireMessage, peer: String) throws -> HeartbeatBody {
        try expectNoDataFrames(message, peer: peer)
        let body = try message.decodeBody(HeartbeatBody.self, peer: peer)
        if let holding = body.holding {
            try check(
                holding.count, in: 0...ClusterDefaults.maximumHeldTasks, "holding count", message, peer: peer)
        }
        return body
    }

    // MARK: Client -> coordinator

    /// A validated SUBMIT: its body, the planner's spec payload and the submitted tasks.
    struct Submission {
        var body: SubmitBody
        var spec: Payload?
        var tasks: [TaskSpec]
        var leaseSeconds: Double
    }

    static func submit(_ message: WireMessage, peer: String) throws -> Submission {
        let body = try message.decodeBody(SubmitBody.self, peer: peer)
        guard let submitted = body.tasks, !submitted.isEmpty else {
            throw refuse(message, peer: peer, "has no tasks: a run needs at least one (field 'tasks')")
        }
        try check(
            submitted.count, in: 1...ClusterDefaults.maximumTasksPerMessage, "tasks count", message, peer: peer)
        let specFrames = body.specFrames ?? 0
        try check(specFrames, in: 0...ClusterDefaults.maximumDataFrames, "spec_frames", message, peer: peer)
        if let name = body.name, name.utf8.count > ClusterDefaults.maximumNameBytes {
            throw refuse(message, peer: peer, "name is longer than \(ClusterDefaults.maximumNameBytes) bytes")
        }
        if let planner = body.planner { try checkName(planner, "planner", message, peer: peer) }
        for (index, task) in submitted.enumerated() {
            try checkName(task.kind, "tasks[\(index)].kind", message, peer: peer)
            if let affinity = task.affinity { try checkName(affinity, "tasks[\(index)].affinity", message, peer: peer) }
            try check(
                task.arrays, in: 0...ClusterDefaults.maximumArraysPerPayload, "tasks[\(index)].arrays", message,
                peer: peer)
        }
        let leaseSeconds = body.leaseSeconds ?? ClusterDefaults.leaseSeconds
        guard leaseSeconds.isFinite, leaseSeconds > 0, leaseSeconds <= ClusterDefaults.maximumLeaseSeconds else {
            throw refuse(
                message, peer: peer,
                "lease_seconds = \(leaseSeconds) is outside (0, \(Int(ClusterDefaults.maximumLeaseSeconds))]")
        }
        let taskFrames = payloadFrames(submitted.map(\.arrays))
        let (needed, overflow) = (taskFrames ?? Int.max).addingReportingOverflow(specFrames)
        guard taskFrames != nil, !overflow, needed <= ClusterDefaults.maximumDataFrames,
            needed == message.frames.count
        else {
            throw refuse(
                message, peer: peer,
                "announces \(overflow || taskFrames == nil ? "too many" : String(needed)) data frames but carries \(message.frames.count)"
            )
        }
        let spec = specFrames > 0 ? Payload(frames: message.frames[0..<specFrames]) : nil
        var offset = specFrames
        let tasks = submitted.map { task -> TaskSpec in
            defer { offset += 1 + task.arrays }
            return TaskSpec(
                kind: task.kind, payload: Payload(frames: message.frames[offset..<offset + 1 + task.arrays]),
                affinity: task.affinity)
        }
        try checkVersion(body.version, message, peer: peer)
        return Submission(body: body, spec: spec, tasks: tasks, leaseSeconds: leaseSeconds)
    }

    /// STATUS, WORKERS and CANCEL.
    static func runRequest(_ message: WireMessage, peer: String) throws -> RunRequestBody {
        try expectNoDataFrames(message, peer: peer)
        let body = try message.decodeBody(RunRequestBody.self, peer: peer)
        if let run = body.run { try checkName(run, "run", message, peer: peer) }
        try checkVersion(body.version, message, peer: peer)
        return body
    }

    static func resultsRequest(_ message: WireMessage, peer: String) throws -> ResultsRequestBody {
        try expectNoDataFrames(message, peer: peer)
        let body = try message.decodeBody(ResultsRequestBody.self, peer: peer)
        try checkName(body.run, "run", message, peer: peer)
        try check(body.after ?? 0, in: 0...Int64.max, "after", message, peer: peer)
        try checkVersion(body.version, message, peer: peer)
        return body
    }

    // MARK: Coordinator -> worker

    /// A TASKS batch: each task's header and payload, in order.
    static func tasks(_ message: WireMessage, peer: String) throws -> [(TaskHeader, Payload)] {
        let body = try message.decodeBody(TasksBody.self, peer: peer)
        try check(body.tasks.count, in: 0...ClusterDefaults.maximumTasksPerMessage, "tasks count", message, peer: peer)
        for (index, task) in body.tasks.enumerated() {
            try check(
                task.arrays, in: 0...ClusterDefaults.maximumArraysPerPayload, "tasks[\(index)].arrays", message,
                peer: peer)
        }
        guard let needed = payloadFrames(body.tasks.map(\.arrays)), needed == message.frames.count else {
            throw refuse(message, peer: peer, "announces other data frames than the \(message.frames.count) it carries")
        }
        var offset = 0
        return body.tasks.map { header in
            defer { offset += 1 + header.arrays }
            return (header, Payload(frames: message.frames[offset..<offset + 1 + header.arrays]))
        }
    }
}
