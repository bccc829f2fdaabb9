/// Adjacent requested columns that sit side by side both in a chunk and in the output: one copy per row.
struct ColumnRun: Equatable {
    /// First column in the output row.
    var output: Int
    /// First column within the chunk.
    var local: Int
    /// Number of columns.
    var count: Int
}

/// The requested columns grouped by the chunk column holding them, as runs.
struct ColumnRuns {
    /// Runs per chunk column index.
    var runs: [Int: [ColumnRun]] = [:]
    /// The chunk columns that hold a requested column, ascending.
    var chunkColumns: [Int] { runs.keys.sorted() }

    init(columns: [Int], chunkColumns: Int) {
        for (output, column) in columns.enumerated() {
            let chunk = column / chunkColumns
            let local = column - chunk * chunkColumns
            if let last = runs[chunk]?.last, last.output + last.count == output, last.local + last.count == local {
                runs[chunk]![runs[chunk]!.count - 1].count += 1
            } else {
                runs[chunk, default: []].append(ColumnRun(output: output, local: local, count: 1))
            }
        }
    }
}
