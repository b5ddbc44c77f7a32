import Foundation
import Learning

// bench/train: times Learning's logistic (L2) and OLS-with-inference fits on a seeded dense
// data set, writes the data for the Python peers, and prints its own figures as JSON.
//
//   BenchTrain ROWS FEATURES OUTDIR

let arguments = CommandLine.arguments
let rows = arguments.count > 1 ? Int(arguments[1])! : 1_000_000
let features = arguments.count > 2 ? Int(arguments[2])! : 20
let outDir = arguments.count > 3 ? arguments[3] : "bench/out"

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// VmHWM: the peak resident set since the last reset through /proc/self/clear_refs.
func highWaterMarkMegabytes() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? .nan
    }
    return .nan
}

// Seeded data: features ~ N(0, 1) scaled per column, a logistic and a linear target.
var generator = SeededGenerator(seed: 20_261_122)
func gaussian(_ generator: inout SeededGenerator) -> Double {
    let u1 = Double(generator.next() >> 11) / Double(1 << 53) + 1e-300
    let u2 = Double(generator.next() >> 11) / Double(1 << 53)
    return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
}
var x = Matrix(rows: rows, columns: features + 1)  // column 0: intercept
let trueBeta = (0..<features).map { j in Double(j % 5) * 0.2 - 0.4 }
for i in 0..<rows { x.values[i] = 1 }
for j in 1...features {
    let scale = 1 + Double(j % 3)
    for i in 0..<rows { x.values[j * rows + i] = gaussian(&generator) * scale }
}
var yLogistic = [Double](repeating: 0, count: rows)
var yLinear = [Double](repeating: 0, count: rows)
for i in 0..<rows {
    var eta = -0.5
    for j in 1...features { eta += trueBeta[j - 1] * x.values[j * rows + i] / (1 + Double(j % 3)) }
    let u = Double(generator.next() >> 11) / Double(1 << 53)
    yLogistic[i] = u < 1 / (1 + exp(-eta)) ? 1 : 0
    yLinear[i] = 3 + 2 * eta + gaussian(&generator)
}
let dataMegabytes = Double(rows * features * 8) / 1_048_576

// The data for the peers: features column by column (no intercept), then the two targets,
// written straight from memory (a Data copy would double the peak).
let file = fopen("\(outDir)/train-data.bin", "wb")!
x.values.withUnsafeBufferPointer { _ = fwrite($0.baseAddress! + rows, 8, rows * features, file) }
yLogistic.withUnsafeBufferPointer { _ = fwrite($0.baseAddress!, 8, rows, file) }
yLinear.withUnsafeBufferPointer { _ = fwrite($0.baseAddress!, 8, rows, file) }
fclose(file)
let baseline = peakRSSMegabytes()

var parameters = LogisticRegression.Parameters()
parameters.C = 1
var start = now()
let logistic = try LogisticRegression(parameters).fit(x, yLogistic, interceptColumn: 0)
let logisticSeconds = now() - start

start = now()
let ols = try LinearRegression().fit(x, yLinear, interceptColumn: 0)
let olsSeconds = now() - start

let linearPeakRSS = peakRSSMegabytes()

// Gradient boosting on the same features (no intercept column): 100 trees, depth 6,
// learning rate 0.1, two threads, as XGBoost's hist is timed by the peers.
var features20 = Matrix(rows: rows, columns: features)
features20.values = Array(x.values[rows...])
// The fit's own peak: the intercept design freed, the high-water mark reset (Linux).
x = Matrix(rows: 0, columns: 0)
if let refs = fopen("/proc/self/clear_refs", "w") {
    fputs("5", refs)
    fclose(refs)
}
var boosting = GradientBoosting.Parameters()
boosting.nEstimators = 100
boosting.maxDepth = 6
boosting.learningRate = 0.1
boosting.threads = 2
start = now()
let (ensemble, _) = try GradientBoosting(boosting).fit(features20, yLinear)
let gbdtSeconds = now() - start
let gbdtRSS = peakRSSMegabytes()
let gbdtFitRSS = highWaterMarkMegabytes()
// One row at a time, as /predict does, then a 100,000-row batch.
let probeRows = min(rows, 100_000)
var checksum = 0.0
start = now()
var row = [Double](repeating: 0, count: features)
for i in 0..<probeRows {
    for j in 0..<features { row[j] = features20.values[j * rows + i] }
    if case .regression(let v) = row.withUnsafeBufferPointer({ ensemble.predict(encoded: $0) }) { checksum += v }
}
let singleRowMicros = (now() - start) / Double(probeRows) * 1e6
var batch = Matrix(rows: probeRows, columns: features)
for j in 0..<features {
    for i in 0..<probeRows { batch.values[j * probeRows + i] = features20.values[j * rows + i] }
}
start = now()
let batchPredictions = ensemble.predict(design: batch)
let batchSeconds = now() - start
let gbdtPredictions: [Double] = batchPredictions.prefix(1000).map {
    if case .regression(let v) = $0 { v } else { .nan }
}
let encoder = JSONEncoder()
struct Artifact: Encodable {
    let ensemble: TreeEnsemble
    let names: [String]
    func encode(to encoder: any Encoder) throws { try ensemble.encode(to: encoder, featureNames: names) }
}
let artifactBytes = try encoder.encode(Artifact(ensemble: ensemble, names: (0..<features).map { "f\($0)" })).count

let report: [String: Any] = [
    "gbdt_seconds": gbdtSeconds, "gbdt_single_row_us": singleRowMicros, "gbdt_batch_100k_seconds": batchSeconds,
    "gbdt_artifact_bytes": artifactBytes, "gbdt_peak_rss_mb": gbdtRSS, "gbdt_fit_rss_mb": gbdtFitRSS, "gbdt_checksum": checksum,
    "gbdt_predictions": gbdtPredictions,
    "rows": rows, "features": features, "data_mb": dataMegabytes,
    "logistic_seconds": logisticSeconds, "logistic_iterations": logistic.iterations,
    "logistic_converged": logistic.converged, "logistic_coefficients": logistic.coefficients,
    "ols_seconds": olsSeconds, "ols_coefficients": ols.coefficients,
    "ols_se": ols.inference!.standardErrors, "ols_hc3": ols.inference!.robustStandardErrors!,
    "peak_rss_mb": linearPeakRSS, "rss_after_data_mb": baseline,
]
let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
_ = FileManager.default.createFile(atPath: "\(outDir)/train-swift.json", contents: json)
print(String(decoding: json, as: UTF8.self))
