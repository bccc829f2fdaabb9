import Foundation
import TestSupport
import XCTest

/// A private network of namespaces: a switch namespace holding a bridge, and hosts each with an `eth0`
/// plugged into it. `remove()` deletes them all (and with them every veth and the bridge).
final class NamespaceNetwork {
    static let subnet = "10.231.0"
    /// Namespace names start with this, then the test process id, so leftovers can be recognised.
    static let prefix = "salience-mh-"

    let ip: URL
    let tag: String
    private(set) var namespaces: [String] = []

    /// Finds `ip`, or says why namespaces cannot be used here.
    static func locateIP() -> URL? {
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].map(URL.init(fileURLWithPath:))
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    init(ip: URL) {
        self.ip = ip
        tag = "\(Self.prefix)\(getpid())"
    }

    /// The namespace of `host`.
    func namespace(_ host: String) -> String { "\(tag)-\(host)" }

    /// `ip ARGUMENTS`; throws with ip's message when it fails.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let result = try runProcess(ip, arguments)
        guard result.status == 0 else {
            throw NamespaceError.ip(
                arguments.joined(separator: " "), result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.stdout
    }

    /// Adds a namespace (remembered for `remove()` before anything else can fail).
    func addNamespace(_ name: String) throws {
        try run(["netns", "add", name])
        namespaces.append(name)
    }

    /// The switch, then hosts at 10.231.0.(index + 1) in the order given.
    func build(hosts: [String]) throws {
        let bridge = namespace("switch")
        try addNamespace(bridge)
        try run(["-n", bridge, "link", "add", "br0", "type", "bridge"])
        try run(["-n", bridge, "link", "set", "br0", "up"])
        for (index, host) in hosts.enumerated() {
            let name = namespace(host)
            try addNamespace(name)
            try run(["-n", bridge, "link", "add", "to-\(host)", "type", "veth", "peer", "name", "eth0", "netns", name])
            try run(["-n", bridge, "link", "set", "to-\(host)", "master", "br0"])
            try run(["-n", bridge, "link", "set", "to-\(host)", "up"])
            try run(["-n", name, "addr", "add", "\(address(index))/24", "dev", "eth0"])
            try run(["-n", name, "link", "set", "eth0", "up"])
            try run(["-n", name, "link", "set", "lo", "up"])
        }
    }

    /// Host `index`'s address.
    func address(_ index: Int) -> String { "\(Self.subnet).\(index + 1)" }

    /// Brings `host`'s only link down or up, from inside its namespace.
    func setLink(_ host: String, up: Bool) throws {
        try run(["-n", namespace(host), "link", "set", "eth0", up ? "up" : "down"])
    }

    /// The command prefix that runs a program on `host`.
    func exec(_ host: String) -> [String] { [ip.path] + execArguments(host) }

    /// `ip`'s arguments that run a program on `host`.
    func execArguments(_ host: String) -> [String] { ["netns", "exec", namespace(host)] }

    /// Deletes every namespace this network made.
    func remove() {
        for name in namespaces.reversed() { _ = try? runProcess(ip, ["netns", "delete", name]) }
        namespaces = []
    }

    /// Deletes namespaces an earlier run of this test left behind (its process is gone).
    func removeLeftovers() {
        guard let listing = try? run(["netns", "list"]) else { return }
        for line in listing.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(Self.prefix),
                let pid = Int32(name.dropFirst(Self.prefix.count).prefix { $0.isNumber }),
                pid != getpid(), kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            _ = try? runProcess(ip, ["netns", "delete", name])
        }
    }
}

/// Why the namespace network could not be built.
enum NamespaceError: Error, CustomStringConvertible {
    case ip(String, String)

    var description: String {
        switch self {
        case .ip(let command, let message): "`ip \(command)` failed: \(message)"
        }
    }
}
