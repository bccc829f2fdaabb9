/// A check of spec text before it reaches toml++ (through TOMLKit), for input that crashes toml++ itself.
///
/// Why: toml++ 3.4.0 (the version TOMLKit bundles) parses a table header by skipping `[` (or `[[`) and
/// whitespace and then *asserting* that a key starts there (`parse_key`: bare-key character or quote). Any
/// other character — `[&`, `[ é`, `[\u{17}`, two bytes are enough — aborts the process in a debug build and is
/// undefined behaviour in a release build (the assertion becomes `__builtin_assume`). Found by
/// `ops/fuzz scan-spec`. So every line whose first non-blank character is `[` must continue, after the
/// brackets and blanks, with a bare-key character, a quote or `]` (which toml++ refuses cleanly).
///
/// This is conservative: it does not track multi-line strings or arrays, so a continuation line of a
/// multi-line array that starts with `[+1]` or `[{` is refused too, with a message saying how to write it.
enum ScanSpecTOMLPrecheck {
    /// The first offending position, as a syntax error; nil when toml++ may be given the text.
    static func problem(in toml: String, source: String) -> ScanSpecError? {
        tableHeaderProblem(in: toml, source: source) ?? arrayProblem(in: toml, source: source)
    }

    /// A table header whose name does not start with a key character (`parse_key`'s assertion).
    static func tableHeaderProblem(in toml: String, source: String) -> ScanSpecError? {
        // Unicode scalars, not Characters: "\r\n" is one Character, and toml++ sees the bytes.
        let lines = toml.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        for (lineIndex, line) in lines.enumerated() {
            let scalars = Array(line)
            var position = 0
            // After '[' only spaces and tabs, which toml++ certainly skips; before it also any other white
            // space and a byte-order mark, which it may skip. Either way a doubt refuses, never lets through.
            func skipBlanks() {
                while position < scalars.count, scalars[position] == " " || scalars[position] == "\t" { position += 1 }
            }
            while position < scalars.count, scalars[position] != "\n",
                scalars[position].properties.isWhitespace || scalars[position] == "\u{FEFF}"
            {
                position += 1
            }
            guard position < scalars.count, scalars[position] == "[" else { continue }
            position += 1
            skipBlanks()
            if position < scalars.count, scalars[position] == "[" {
                position += 1
                skipBlanks()
            }
            // The end of the text is refused by toml++ cleanly; the end of a line is a newline, which is not.
            if position == scalars.count, lineIndex == lines.count - 1 { continue }
            let next: Unicode.Scalar = position < scalars.count ? scalars[position] : "\n"
            if isBareKeyCharacter(next) || next == "\"" || next == "'" || next == "]" { continue }
            let shown =
                next.properties.generalCategory == .control
                ? "U+\(String(next.value, radix: 16, uppercase: true))" : "'\(next)'"
            return .syntax(
                source: source,
                message: "a line starting with '[' must be a table header whose name starts with a letter, digit, "
                    + "'_', '-' or a quote, not \(shown) (a nested array value goes on the line of its outer '[')",
                line: lineIndex + 1, column: position + 1)
        }
        return nil
    }

    /// A `}` where a value or `]` must follow `[` or `,` (toml++ asserts in `parse_value` inside an array:
    /// `x = [}`, `x = [1,}`). Outside strings and comments, a `}` whose previous significant character (white
    /// space, line breaks and comments skipped) is `[` or `,` is never valid TOML, so refusing it refuses
    /// nothing valid. Strings are followed as TOML writes them (basic with escapes, literal, multi-line).
    static func arrayProblem(in toml: String, source: String) -> ScanSpecError? {
        let scalars = Array(toml.unicodeScalars)
        var index = 0
        var line = 1
        var column = 1
        var previous: Unicode.Scalar = "\n"  // the last significant character outside strings and comments
        func advance() {
            if scalars[index] == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += 1
        }
        func atTriple(_ quote: Unicode.Scalar) -> Bool {
            index + 3 <= scalars.count && scalars[index] == quote && scalars[index + 1] == quote
                && scalars[index + 2] == quote
        }
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "#" {
                while index < scalars.count, scalars[index] != "\n" { advance() }
            } else if scalar == "\"" || scalar == "'" {
                let multi = atTriple(scalar)
                for _ in 0..<(multi ? 3 : 1) { advance() }
                while index < scalars.count {
                    if scalar == "\"", scalars[index] == "\\" {
                        advance()
                        if index < scalars.count { advance() }
                        continue
                    }
                    if !multi, scalars[index] == "\n" { break }  // toml++ refuses an unterminated string
                    if multi ? atTriple(scalar) : scalars[index] == scalar {
                        for _ in 0..<(multi ? 3 : 1) { advance() }
                        // Up to two more quotes close a multi-line string as content.
                        var extra = 0
                        while multi, extra < 2, index < scalars.count, scalars[index] == scalar {
                            advance()
                            extra += 1
                        }
                        break
                    }
                    advance()
                }
                previous = scalar
            } else if scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n" {
                advance()
            } else {
                if scalar == "}", previous == "[" || previous == "," {
                    return .syntax(
                        source: source,
                        message: "'}' where a value or ']' must follow '\(previous)' (an array holds values)",
                        line: line, column: column)
                }
                previous = scalar
                advance()
            }
        }
        return nil
    }

    /// A-Z, a-z, 0-9, `_` and `-`: the characters of a TOML bare key.
    static func isBareKeyCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return true
        default: return false
        }
    }
}
