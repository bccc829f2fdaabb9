/// The build version of Salience, from one place: `release` is kept by hand (raise it with a change that
/// other builds cannot read, or with a release), `commit` is stamped by `ops/package` into the copy of the
/// sources it builds from (`git archive` of a commit), so a packaged binary names the exact commit it was
/// built from. A build straight from a working tree says `+dev` instead of a commit: a working tree may
/// hold uncommitted changes, so no commit would name it truthfully, and stamping at build time would make
/// the build depend on the state of `.git`.
///
/// The cluster compares `current` exactly (cluster/PROTOCOL.md, "Build versions"): a worker or client of
/// another build is refused with both versions, since task bodies and results are only read correctly by
/// the build that wrote them.
public enum SalienceVersion {
    /// The release number, by hand.
    public static let release = "0.18.0"
    /// The git commit the binary was built from; nil when built from a working tree. `ops/package` replaces
    /// this line in its export of the sources (keep it on one line, in this form).
    public static let commit: String? = nil
    /// What `salience --version` prints and HELLO and client requests carry: `0.18.0+<commit>` or `0.18.0+dev`.
    public static var current: String { "\(release)+\(commit ?? "dev")" }
}
