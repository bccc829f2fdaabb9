import Foundation
import TestSupport
import XCTest

@testable import ZeroMQ

/// Every socket pattern over real transports: tcp on a wildcard port, ipc in a temp dir, inproc.
final class SocketPatternTests: XCTestCase {
    func testLinksLibzmq4WithCurve() {
        XCTAssertEqual(libzmqVersion().major, 4)
        XCTAssertTrue(libzmqHasCurve)
    }

    func testRequestReplyOverTCPWildcardPort() throws {
        let context = try Context()
        let server = try Socket(context, .rep)
        try server.bind("tcp://127.0.0.1:*")
        let endpoint = try server.lastEndpoint
        XCTAssertTrue(endpoint.hasPrefix("tcp://127.0.0.1:"), endpoint)
        XCTAssertNotEqual(endpoint, "tcp://127.0.0.1:0")
        let client = try Socket(context, .req)
        try client.setReceiveTimeout(milliseconds: 5000)
        try server.setReceiveTimeout(milliseconds: 5000)
        try client.connect(endpoint)
        try client.send(string: "ping")
        let request = try XCTUnwrap(try server.receive())
        XCTAssertEqual(request.string, "ping")
        XCTAssertFalse(request.hasMore)
        try server.send(string: "pong")
        XCTAssertEqual(try client.receive()?.string, "pong")
    }

    func testRouterDealerMultipartWithRoutingIDOverIPC() throws {
        let scratch = try ScratchDirectory("zmq-ipc")
        defer { scratch.remove() }
        let context = try Context()
        let router = try Socket(context, .router)
        try router.setRouterMandatory(true)
        try router.setReceiveTimeout(milliseconds: 5000)
        let endpoint = "ipc://\(scratch.path("router.sock").path)"
        try router.bind(endpoint)
        let dealer = try Socket(context, .dealer)
        try dealer.setRoutingID(Array("worker-1".utf8))
        XCTAssertEqual(try dealer.routingID, Array("worker-1".utf8))
        try dealer.setReceiveTimeout(milliseconds: 5000)
        try dealer.connect(endpoint)
        let payload: [UInt8] = (0..<1000).map { UInt8($0 % 251) }
        try dealer.send(multipart: [Array("head".utf8), [], payload])
        let frames = try XCTUnwrap(try router.receiveMultipart())
        XCTAssertEqual(frames.map(\.array), [Array("worker-1".utf8), Array("head".utf8), [], payload])
        XCTAssertEqual(frames.map(\.hasMore), [true, true, true, false])
        try router.send(multipart: [Array("worker-1".utf8), Array("reply".utf8)])
        XCTAssertEqual(try dealer.receiveMultipart()?.map(\.string), ["reply"])
    }

    func testRouterMandatoryReportsUnknownPeer() throws {
        let context = try Context()
        let router = try Socket(context, .router)
        try router.setRouterMandatory(true)
        try router.bind("inproc://mandatory")
        XCTAssertThrowsError(try router.send(multipart: [Array("nobody".utf8), Array("x".utf8)])) { error in
            let zmqError = error as? ZMQError
            XCTAssertEqual(zmqError?.errno, EHOSTUNREACH)
            XCTAssertEqual(zmqError?.message, "Host unreachable", "libzmq's zmq_strerror text")
        }
    }

    func testPublishSubscribeOverInprocFiltersByPrefix() throws {
        let context = try Context()
        let publisher = try Socket(context, .pub)
        try publisher.bind("inproc://news")
        let subscriber = try Socket(context, .sub)
        try subscriber.subscribe(Array("wanted".utf8))
        try subscriber.connect("inproc://news")
        let poller = Poller()
        let index = try poller.register(subscriber)
        // A subscription takes effect asynchronously ("slow joiner"): publish until one arrives.
        var received: [String] = []
        for _ in 0..<200 where received.isEmpty {
            try publisher.send(string: "unwanted 1")
            try publisher.send(string: "wanted 1")
            if try poller.poll(timeoutMilliseconds: 10) > 0, poller.isReadable(index) {
                while let message = try subscriber.receive(dontWait: true) { received.append(message.string) }
            }
        }
        XCTAssertFalse(received.isEmpty)
        XCTAssertTrue(received.allSatisfy { $0 == "wanted 1" }, "\(received)")
    }

    func testPushPullOverTCPDeliversInOrder() throws {
        let context = try Context()
        let pull = try Socket(context, .pull)
        try pull.bind("tcp://127.0.0.1:0")
        try pull.setReceiveTimeout(milliseconds: 5000)
        let push = try Socket(context, .push)
        try push.setSendHighWaterMark(10)
        try pull.setReceiveHighWaterMark(10)
        try push.connect(try pull.lastEndpoint)
        let sender = Thread {
            for value in 0..<100 { _ = try? push.send(withUnsafeBytes(of: UInt32(value).littleEndian) { Array($0) }) }
        }
        sender.start()
        var values: [UInt32] = []
        for _ in 0..<100 {
            let message = try XCTUnwrap(try pull.receive())
            values.append(message.bytes.loadUnaligned(as: UInt32.self).littleEndian)
        }
        XCTAssertEqual(values, (0..<100).map(UInt32.init))
    }

    func testReceiveTimeoutAndPollerTimeoutReturnEmpty() throws {
        let context = try Context()
        let pull = try Socket(context, .pull)
        try pull.bind("inproc://quiet")
        try pull.setReceiveTimeout(milliseconds: 20)
        XCTAssertNil(try pull.receive())
        XCTAssertNil(try pull.receive(dontWait: true))
        let poller = Poller()
        let index = try poller.register(pull)
        XCTAssertEqual(try poller.poll(timeoutMilliseconds: 20), 0)
        XCTAssertFalse(poller.isReadable(index))
        let push = try Socket(context, .push)
        try push.connect("inproc://quiet")
        try push.send(string: "now")
        XCTAssertEqual(try poller.poll(timeoutMilliseconds: 5000), 1)
        XCTAssertTrue(poller.isReadable(index))
        XCTAssertEqual(try pull.receive()?.string, "now")
    }

    func testLargeFrameIsReceivedWithoutCopy() throws {
        let context = try Context()
        let pull = try Socket(context, .pull)
        try pull.bind("tcp://127.0.0.1:*")
        let push = try Socket(context, .push)
        try push.connect(try pull.lastEndpoint)
        let count = 8 << 20
        let outgoing = try Message(count: count) { buffer in
            for index in stride(from: 0, to: count, by: 4096) {
                buffer[index] = UInt8(truncatingIfNeeded: index / 4096)
            }
        }
        try push.send(outgoing)
        XCTAssertEqual(outgoing.count, 0, "a sent message is emptied: libzmq took its buffer")
        let incoming = try XCTUnwrap(try pull.receive())
        XCTAssertEqual(incoming.count, count)
        let data = incoming.data
        let dataBase = data.withUnsafeBytes { $0.baseAddress }
        XCTAssertEqual(dataBase, incoming.bytes.baseAddress, "Data shares the zmq_msg_t buffer")
        for index in stride(from: 0, to: count, by: 4096) {
            XCTAssertEqual(data[index], UInt8(truncatingIfNeeded: index / 4096))
        }
    }

    func testMaximumMessageSizeDropsOversizedPeerOnly() throws {
        let context = try Context()
        let pull = try Socket(context, .pull)
        try pull.setMaximumMessageSize(1024)
        XCTAssertEqual(try pull.maximumMessageSize, 1024)
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try pull.lastEndpoint
        let big = try Socket(context, .push)
        try big.connect(endpoint)
        try big.send([UInt8](repeating: 7, count: 4096))
        let poller = Poller()
        try poller.register(pull)
        XCTAssertEqual(try poller.poll(timeoutMilliseconds: 300), 0, "oversized frame must not be delivered")
        let small = try Socket(context, .push)
        try small.connect(endpoint)
        try small.send([UInt8](repeating: 1, count: 100))
        try pull.setReceiveTimeout(milliseconds: 5000)
        XCTAssertEqual(try pull.receive()?.count, 100)
    }

    func testOptionsRoundTripAndErrorsCarryErrno() throws {
        let context = try Context()
        let socket = try Socket(context, .dealer)
        XCTAssertEqual(try socket.linger, Socket.defaultLingerMilliseconds)
        try socket.setLinger(milliseconds: 250)
        XCTAssertEqual(try socket.linger, 250)
        try socket.setHeartbeat(interval: 1000, timeToLive: 3000, timeout: 3000)
        try socket.setImmediate(true)
        try socket.setReconnectInterval(milliseconds: 100, maximum: 1000)
        try socket.setSendTimeout(milliseconds: 10)
        try socket.setHandshakeInterval(milliseconds: 2000)
        XCTAssertThrowsError(try socket.setRoutingID([])) { XCTAssertEqual(($0 as? ZMQError)?.errno, EINVAL) }
        XCTAssertThrowsError(try socket.bind("nonsense://x")) { error in
            let zmqError = error as? ZMQError
            XCTAssertEqual(zmqError?.errno, EPROTONOSUPPORT)
            XCTAssertTrue(zmqError?.description.contains("nonsense://x") ?? false)
        }
        let first = try Socket(context, .pull)
        try first.bind("tcp://127.0.0.1:*")
        let second = try Socket(context, .pull)
        XCTAssertThrowsError(try second.bind(try first.lastEndpoint)) {
            XCTAssertEqual(($0 as? ZMQError)?.errno, EADDRINUSE)
        }
        socket.close()
        XCTAssertThrowsError(try socket.send(string: "closed")) { XCTAssertEqual(($0 as? ZMQError)?.errno, ENOTSOCK) }
    }

    func testContextShutdownWakesBlockedReceiver() throws {
        let context = try Context()
        let pull = try Socket(context, .pull)
        try pull.bind("inproc://blocked")
        let woke = expectation(description: "receiver woke with ETERM")
        let thread = Thread {
            do { _ = try pull.receive() } catch let error as ZMQError where error.isContextTerminated {
                woke.fulfill()
            } catch {}
            pull.close()
        }
        thread.start()
        usleep(50_000)
        context.shutdown()
        wait(for: [woke], timeout: 5)
    }
}
