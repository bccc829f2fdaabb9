import Foundation
import Logging
import ZeroMQ

/// A finished task waiting to be reported (and, until acknowledged, to be reported again).
struct Completion {
    var id: Int64
    var ok: Bool
    var result: Payload
    var error: String?
    var seconds: Double
    /// When it was last sent to the coordinator.
    var sentAt = 0.0
}

/// The worker's executor threads: they take tasks from a bounded local queue (at most the credit window)
/// and hand completions back to the socket thread, waking it through an inproc PUSH socket each thread
/// owns.
final class ExecutorPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [TaskInput] = []
    private var head = 0
    private var stopping = false
    private let completionsLock = NSLock()
    private var completions: [Completion] = []
    private var runningThreads = 0
    private let allStopped = DispatchSemaphore(value: 0)
    private let executors: [String: any TaskExecutor]
    private let context: Context
    private let wakeEndpoint: String
    private let dataRoot: DataRoot
    private let outputRoot: OutputRoot
    /// The worker id results are stamped with.
    private let worker: String
    private let logger: Logger

    init(
        threads: Int, executors: [String: any TaskExecutor], context: Context, wakeEndpoint: String, dataRoot: DataRoot,
        outputRoot: OutputRoot, worker: String, logger: Logger
    ) {
        self.worker = worker
        self.executors = executors
        self.context = context
        self.wakeEndpoint = wakeEndpoint
        self.dataRoot = dataRoot
        self.outputRoot = outputRoot
        self.logger = logger
        runningThreads = threads
        for index in 0..<threads {
            let thread = Thread { [self] in work(index) }
            thread.name = "executor-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Queues a task for the executor threads.
    func submit(_ task: TaskInput) {
        condition.lock()
        queue.append(task)
        condition.signal()
        condition.unlock()
    }

    /// Takes every completion reported so far.
    func takeCompletions() -> [Completion] {
        completionsLock.withLock {
            let taken = completions
            completions.removeAll(keepingCapacity: true)
            return taken
        }
    }

    /// Ids of tasks queued but not started.
    var queuedIDs: [Int64] {
        condition.lock()
        defer { condition.unlock() }
        return queue[head...].map(\.id)
    }

    /// Stops the threads after their current task; waits up to `timeout` seconds for them.
    func stop(timeout: TimeInterval) {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        _ = allStopped.wait(timeout: .now() + timeout)
    }

    private func next() -> TaskInput? {
        condition.lock()
        defer { condition.unlock() }
        while head == queue.count && !stopping { condition.wait() }
        if stopping { return nil }
        let task = queue[head]
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
        return task
    }

    private func work(_ index: Int) {
        let wake = try? Socket(context, .push)
        try? wake?.connect(wakeEndpoint)
        let taskContext = TaskContext(
            dataRoot: dataRoot, outputRoot: outputRoot, logger: logger, threadIndex: index, worker: worker)
        while let task = next() {
            let start = DispatchTime.now().uptimeNanoseconds
            var completion = Completion(id: task.id, ok: true, result: Payload(), error: nil, seconds: 0)
            if let executor = executors[task.kind] {
                do { completion.result = try executor.execute(task, context: taskContext) } catch {
                    completion.ok = false
                    completion.error = "\(error)"
                }
            } else {
                completion.ok = false
                completion.error = "this worker has no executor for kind '\(task.kind)'"
            }
            completion.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let wasEmpty = completionsLock.withLock {
                let empty = completions.isEmpty
                completions.append(completion)
                return empty
            }
            if wasEmpty { _ = try? wake?.send([UInt8(1)], dontWait: true) }
        }
        wake?.close()
        let last = condition.withLock {
            runningThreads -= 1
            return runningThreads == 0
        }
        if last { allStopped.signal() }
    }
}
