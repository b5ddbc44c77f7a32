import Dispatch
import Foundation
import Learning
import Registry
import Synchronization

/// Shadow versions score the rows a request sent, after the answer and off the event loops,
/// on one queue of bounded length (when it is full a job is dropped and counted, so shadows
/// can never slow or stall serving). Their answers go to the request log, marked, and never
/// to the client.
final class ShadowScorer: Sendable {
    private let queue = DispatchQueue(label: "modelserve.shadow")
    private let pending = Atomic<Int>(0)
    let dropped = Atomic<Int>(0)
    private let log: RequestLog
    private let maxBody: Int
    static let limit = 1_000

    init(log: RequestLog, maxBody: Int) {
        self.log = log
        self.maxBody = maxBody
    }

    /// `rows` are named features (a batch's rows in order); `requestID` is the answered one's.
    func score(
        _ rows: [[String: FeatureValue]], with shadows: [LoadedModel], requestID: String, requestBody: [UInt8],
        clientAddress: String
    ) {
        guard !shadows.isEmpty else { return }
        guard pending.add(1, ordering: .relaxed).newValue <= Self.limit else {
            pending.subtract(1, ordering: .relaxed)
            dropped.add(1, ordering: .relaxed)
            return
        }
        let receivedAt = Date()
        queue.async { [log, maxBody] in
            defer { self.pending.subtract(1, ordering: .relaxed) }
            for shadow in shadows {
                let start = DispatchTime.now().uptimeNanoseconds
                var json = JSONWriter(capacity: 128 + 48 * rows.count)
                json.beginObject()
                json.identity(of: shadow)
                json.key("shadow_of")
                json.value(requestID)
                json.key("predictions")
                json.beginArray()
                var failed = false
                for row in rows {
                    if let prediction = try? shadow.model.predict(row).prediction {
                        json.value(prediction.value)
                    } else {
                        json.null()
                        failed = true
                    }
                }
                json.endArray()
                json.endObject()
                log.appendUnjournaled(
                    LogEntry(
                        requestID: "\(requestID)-shadow-\(shadow.id)", receivedAt: receivedAt, method: "POST",
                        path: LogEntry.shadowPath, status: failed ? 422 : 200,
                        latencyMicros: Int64((DispatchTime.now().uptimeNanoseconds - start) / 1000), modelID: shadow.id,
                        requestBody: requestBody, responseBody: json.bytes, clientAddress: clientAddress,
                        maxBody: maxBody))
            }
        }
    }
}
