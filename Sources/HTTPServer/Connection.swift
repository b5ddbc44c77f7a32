/// One client connection's state, owned by one event loop (never shared between threads).
final class Connection {
    let fd: Int32
    let remoteAddress: String
    /// Distinguishes this connection from a later one that reuses the descriptor.
    let generation: UInt64
    /// Bytes received and not yet parsed start at `inputStart`.
    var input: [UInt8] = []
    var inputStart = 0
    /// Bytes to send, from `outputStart`.
    var output: [UInt8] = []
    var outputStart = 0
    /// A slow request is being answered off the loop: hold further requests until it is.
    var awaitingResponse = false
    /// Close once the output is flushed.
    var closeAfterWrite = false
    /// "100 Continue" already sent for the request in progress.
    var sentContinue = false
    /// What the connection waits for, which decides its deadline.
    enum Phase {
        /// Between requests (idle timeout; expiry closes quietly).
        case idle
        /// A request's head (header timeout; expiry answers 408).
        case head
        /// A request's body (body timeout; expiry answers 408).
        case body
    }

    var phase = Phase.idle
    /// When the current phase times out, in monotonic seconds.
    var deadline: Double
    /// Registered for EPOLLOUT.
    var wantsWrite = false
    /// Listed to be written at the end of this loop iteration.
    var isDirty = false
    /// Registered for EPOLLIN (off while the client leaves too much output unread).
    var wantsRead = true
    /// When unsent output last stopped moving (monotonic seconds); nil while none waits.
    var writeStalledSince: Double?

    init(fd: Int32, remoteAddress: String, generation: UInt64, deadline: Double) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.generation = generation
        self.deadline = deadline
    }

    var pendingInput: Int { input.count - inputStart }
    var pendingOutput: Int { output.count - outputStart }

    /// Whether nothing is in progress: no partial request, no response owed or unsent.
    var isQuiet: Bool { pendingInput == 0 && pendingOutput == 0 && !awaitingResponse }

    func consumeInput(_ count: Int) {
        inputStart += count
        if inputStart == input.count {
            input.removeAll(keepingCapacity: true)
            inputStart = 0
        } else if inputStart > 64 * 1024 {
            input.removeFirst(inputStart)
            inputStart = 0
        }
    }

    func consumeOutput(_ count: Int) {
        outputStart += count
        if outputStart == output.count {
            output.removeAll(keepingCapacity: true)
            outputStart = 0
        }
    }
}
