/// The numbers behind a figure as CSV (written beside its SVG in `figures/`), so a figure that goes into a
/// paper can be redrawn or checked: exactly the values plotted, at full precision (Swift's shortest
/// round-tripping decimals), in long form with one row per drawn point, bar or reference line.
enum FigureData {
    /// A value as written: shortest round-tripping decimal, empty for nil.
    static func value(_ number: Double?) -> String { number.map { "\($0)" } ?? "" }

    /// Rows joined into a file with a header, fields quoted where needed (as `results.csv`).
    static func csv(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(ResultsCSV.field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}

extension LineChart {
    /// `series,x,y,lower,upper,on_axis`: every point of every series (lower/upper from its error bar, or
    /// from its band at the same x), then every reference line with an empty x. `on_axis` is false for a
    /// point drawn outside the y-axis and marked at its edge.
    func csv() -> String {
        let yScale = yScale(plotTop: 0, plotBottom: 1)
        var rows: [[String]] = []
        for item in series {
            var band: [Double: (lower: Double, upper: Double)] = [:]
            for entry in item.band { band[entry.x] = (entry.lower, entry.upper) }
            for point in item.points {
                let lower = point.lower ?? band[point.x]?.lower
                let upper = point.upper ?? band[point.x]?.upper
                rows.append([
                    item.name, FigureData.value(point.x), FigureData.value(point.y), FigureData.value(lower),
                    FigureData.value(upper), yScale.contains(point.y) ? "true" : "false",
                ])
            }
        }
        for reference in references {
            rows.append([
                reference.name, "", FigureData.value(reference.y), FigureData.value(reference.lower),
                FigureData.value(reference.upper), "true",
            ])
        }
        return FigureData.csv(header: ["series", "x", "y", "lower", "upper", "on_axis"], rows: rows)
    }
}

extension BarChart {
    /// `group,series,value,error`: one row per drawn bar.
    func csv() -> String {
        var rows: [[String]] = []
        for (index, group) in groups.enumerated() {
            for item in series {
                guard index < item.values.count, let value = item.values[index] else { continue }
                let error = index < item.errors.count ? item.errors[index] : nil
                rows.append([group, item.name, FigureData.value(value), FigureData.value(error)])
            }
        }
        return FigureData.csv(header: ["group", "series", "value", "error"], rows: rows)
    }
}
