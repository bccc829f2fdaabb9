import ScanModel

/// Colours and marker shapes of the plots: the Okabe–Ito palette (Okabe & Ito, "Color Universal Design",
/// 2008), distinguishable with the common colour-vision deficiencies; each method keeps one colour and one
/// marker in every plot, so the shape still tells methods apart in greyscale.
///
/// The methods take blue, vermillion, sky blue, reddish purple and bluish green. Orange is left out of
/// them on purpose: next to vermillion it reads as the same colour in thin lines (issue 18 saw `mis` and
/// `mis-hist` as one), and yellow is too light on white. The closest remaining pair under simulated
/// deuteranopia is bluish green against random's grey, which also differ in marker (cross) and dash;
/// `ReportsTests` checks the distances.
enum Palette {
    static let blue = "#0072B2"
    static let vermillion = "#D55E00"
    static let orange = "#E69F00"
    static let reddishPurple = "#CC79A7"
    static let bluishGreen = "#009E73"
    static let skyBlue = "#56B4E9"
    static let yellow = "#F0E442"
    static let grey = "#6E6E6E"
    static let black = "#000000"

    /// Colours for things without a fixed colour (conditions, modes), in order.
    static let sequence = [blue, vermillion, bluishGreen, reddishPurple, orange, skyBlue, grey, yellow]

    /// The colour of a method in every plot.
    static func color(_ method: ScanSpec.Method) -> String {
        switch method {
        case .ccs: return blue
        case .mis: return vermillion
        case .misHist: return skyBlue
        case .pca: return reddishPurple
        case .ig: return bluishGreen
        case .random: return grey
        case .full: return black
        }
    }

    /// The marker of a method in every plot.
    static func marker(_ method: ScanSpec.Method) -> Marker {
        switch method {
        case .ccs: return .circle
        case .mis: return .square
        case .misHist: return .diamond
        case .pca: return .triangle
        case .ig: return .invertedTriangle
        case .random: return .cross
        case .full: return .circle
        }
    }

    /// The colour of a label-variance mode.
    /// A colour's name in words, for captions.
    static func name(of color: String) -> String {
        [
            blue: "blue", vermillion: "vermillion", orange: "orange", reddishPurple: "reddish purple",
            bluishGreen: "bluish green", skyBlue: "sky blue", yellow: "yellow", grey: "grey", black: "black",
        ][color] ?? color
    }

    static func color(_ mode: ScanSpec.LabelVarianceMode) -> String {
        switch mode {
        case .off: orange
        case .stdAux: blue
        case .nll: bluishGreen
        case .distribution: reddishPurple
        case .weighted: skyBlue
        }
    }
}
