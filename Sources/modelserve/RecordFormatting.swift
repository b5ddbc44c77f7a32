import Foundation
import Learning
import Registry

/// Model versions as tables for people.
enum RecordTable {
    /// What the profile of the training rows found and what cleaning did, for `train` and
    /// `models show`.
    static func cleaning(_ cleaning: VersionCard.Cleaning) -> String {
        var lines: [String] = []
        var read = "rows read: \(cleaning.rowsRead.formatted())"
        if let filter = cleaning.filter { read += " (where \(filter))" }
        if cleaning.duplicatesDropped > 0 || cleaning.suspiciousDropped > 0 {
            read +=
                "; dropped \(cleaning.duplicatesDropped.formatted()) duplicate and \(cleaning.suspiciousDropped.formatted()) suspicious rows"
        }
        lines.append(read)
        if !cleaning.findings.isEmpty {
            let handled = cleaning.onSuspicious == .drop ? "rows dropped" : "trained on as they are"
            lines.append("suspicious values (on_suspicious: \(cleaning.onSuspicious.rawValue), \(handled)):")
            lines += cleaning.findings.map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    static func versions(_ records: [ModelRecord], markProduction: Bool = false) -> String {
        let shown = Set(records.flatMap { $0.task.keyMetrics })
        let metrics = ModelTask.displayOrder.filter { shown.contains($0) }
        var table = TextTable(
            (markProduction ? [""] : []) + ["id", "name", "version", "kind", "hyperparameters"] + metrics + [
                "rows", "created",
            ])
        for record in records {
            let held = record.metrics.heldOut
            table.add(
                (markProduction ? [record.isProduction ? "*" : ""] : [])
                    + [
                        String(record.id), record.name, String(record.version), record.kind.rawValue,
                        record.hyperparameters.summary,
                    ]
                    + metrics.map { metricText(held[$0]) }
                    + [record.rowCount.map { $0.formatted() } ?? "-", dateText(record.createdAt)])
        }
        return table.rendered
    }

    static func dateText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
