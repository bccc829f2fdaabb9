// Cluster: the runtime that moves opaque, typed tasks from a coordinator to workers over ZeroMQ and
// brings their results back exactly once.
//
// It owns the wire protocol (cluster/PROTOCOL.md), the coordinator (scheduler, credit, leases,
// heartbeats, straggler re-issue, retry cap, the SQLite ledger), the worker runtime (executor threads,
// data-root sandbox), the client API, CurveZMQ key handling and the embedded loopback cluster.
// It must know nothing of saliency, shards or models: a task is a `kind` string plus a `Payload`
// (a body and raw array frames); its meaning lives in the `TaskExecutor` and `RunPlanner` plugged in
// by the process that hosts a worker or a coordinator.
