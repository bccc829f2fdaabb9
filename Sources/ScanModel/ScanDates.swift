import Foundation

/// How scan bodies and results files spell dates: ISO 8601 with milliseconds (task and phase timings are
/// sub-second; plain `.iso8601` would round them to whole seconds). Reading also takes whole seconds, as
/// results written before milliseconds were kept.
public enum ScanDates {
    /// The encoding strategy.
    public static let encoding = JSONEncoder.DateEncodingStrategy.custom { date, encoder in
        var container = encoder.singleValueContainer()
        try container.encode(formatter(fractional: true).string(from: date))
    }

    /// The decoding strategy: with or without fractional seconds.
    public static let decoding = JSONDecoder.DateDecodingStrategy.custom { decoder in
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = formatter(fractional: true).date(from: text) ?? formatter(fractional: false).date(from: text)
        else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\(text) is not an ISO 8601 date")
        }
        return date
    }

    /// A new formatter (one per use: formatters are not shared across threads here).
    private static func formatter(fractional: Bool) -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions =
            fractional ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter
    }
}
