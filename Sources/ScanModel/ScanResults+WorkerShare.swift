extension ScanResults {
    /// One worker's part of a phase: its tasks, their summed time and what they read. Bytes from the data
    /// root per worker show whether shared storage was read about once per worker (the column cache working)
    /// or once per task.
    public struct WorkerShare: Codable, Equatable, Sendable {
        /// The worker's id (`host-pid-tag`; "" for results that did not name one).
        public var worker: String
        /// Tasks it finished in the phase.
        public var tasks: Int
        /// Their summed wall time, seconds.
        public var taskSeconds: Double
        /// Decoded bytes they read from the data root.
        public var bytesFromDataRoot: Int
        /// Decoded bytes they read from the worker's column cache.
        public var bytesFromCache: Int

        /// A share with nothing done yet.
        public init(
            worker: String, tasks: Int = 0, taskSeconds: Double = 0, bytesFromDataRoot: Int = 0,
            bytesFromCache: Int = 0
        ) {
            self.worker = worker
            self.tasks = tasks
            self.taskSeconds = taskSeconds
            self.bytesFromDataRoot = bytesFromDataRoot
            self.bytesFromCache = bytesFromCache
        }

        /// The machine part of the id (workers of one host share its column cache).
        public var host: String {
            let parts = worker.split(separator: "-")
            return parts.count >= 3 ? parts.dropLast(2).joined(separator: "-") : worker
        }
    }
}
