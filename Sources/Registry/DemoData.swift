import Foundation
import Learning
import Storage

/// Seeded demo data sets, written as CSV tables: what `modelserve generate` makes and the
/// demo trains on. The same seed gives the same bytes on every machine.
public enum DemoData {
    public enum Dataset: String, CaseIterable, Sendable {
        case click, promotion, diamonds
        /// The diamonds as the notebook found its file: with `price = -1` sentinels, zero
        /// sizes, a mistyped width and a duplicate row planted (`DemoData.plantedFaults`).
        case diamondsRaw = "diamonds-raw"
    }

    /// A table to write: its name (the CSV's file name) and rows with a header.
    public struct Table: Sendable {
        public var name: String
        public var header: [String]
        public var rows: [[String]]

        /// RFC 4180 text: fields with commas, quotes or newlines are quoted.
        public var csv: String {
            func field(_ s: String) -> String {
                s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
            }
            var out = header.map(field).joined(separator: ",") + "\n"
            for row in rows { out += row.map(field).joined(separator: ",") + "\n" }
            return out
        }
    }

    public static func generate(_ dataset: Dataset, rows: Int? = nil, seed: UInt64 = 20_261_122) -> [Table] {
        var random = Random(seed: seed)
        switch dataset {
        case .click: return click(leads: rows ?? 20_000, &random)
        case .promotion: return [promotion(rows ?? 2_000, &random)]
        case .diamonds: return [diamonds(rows ?? 5_000, &random)]
        case .diamondsRaw: return [diamondsRaw(rows ?? 5_000, &random)]
        }
    }

    struct Random {
        var generator: SeededGenerator
        init(seed: UInt64) { generator = SeededGenerator(seed: seed) }
        mutating func uniform() -> Double { Double(generator.next() >> 11) / Double(1 << 53) }
        mutating func normal() -> Double {
            let u1 = uniform() + 1e-300
            return (-2 * log(u1)).squareRoot() * cos(2 * .pi * uniform())
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(uniform() * Double(range.count)) }
        mutating func pick<T>(_ options: [T], weights: [Double]) -> T {
            var u = uniform() * weights.reduce(0, +)
            for (option, w) in zip(options, weights) {
                u -= w
                if u < 0 { return option }
            }
            return options[options.count - 1]
        }
        mutating func hex(_ count: Int) -> String {
            (0..<count).map { _ in String(int(0...15), radix: 16) }.joined()
        }
    }

    static func number(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }

    /// Loan leads, the offers lenders made them, and the offers that were clicked. Clicks
    /// come from a known logistic model of the offer's APR, the lender and the lead's
    /// credit, purpose and income; about 2% of offers are clicked.
    static func click(leads count: Int, _ random: inout Random) -> [Table] {
        let purposes = ["debt_consolidation", "home_improvement", "car", "business", "other"]
        let credits = ["poor", "fair", "good", "excellent"]
        var leads = Table(
            name: "leads", header: ["lead_uuid", "requested", "loan_purpose", "credit", "annual_income"], rows: [])
        var offers = Table(name: "offers", header: ["lead_uuid", "offer_id", "apr", "lender_id"], rows: [])
        var clicks = Table(name: "clicks", header: ["offer_id", "clicked_at"], rows: [])
        var offerID = 0
        let start = 1_767_225_600.0  // 2026-01-01
        for _ in 0..<count {
            let uuid = "\(random.hex(8))-\(random.hex(4))-4\(random.hex(3))-a\(random.hex(3))-\(random.hex(12))"
            let purpose = random.pick(purposes, weights: [0.45, 0.2, 0.15, 0.1, 0.1])
            let creditIndex = random.pick([0, 1, 2, 3], weights: [0.15, 0.3, 0.35, 0.2])
            let requested = Double(random.int(10...500)) * 100
            let income = exp(10.9 + 0.45 * random.normal() + 0.1 * Double(creditIndex))
            let incomeMissing = random.uniform() < 0.06
            leads.rows.append([
                uuid, number(requested, 0), purpose, credits[creditIndex], incomeMissing ? "" : number(income, 0),
            ])
            for _ in 0..<random.int(1...5) {
                offerID += 1
                let lender = random.int(1...8)
                let apr = max(3, 28 - 4.5 * Double(creditIndex) + 2.5 * random.normal() + Double(lender % 3))
                // The true click model the demo's logistic regression should recover.
                var eta = -4.1 - 0.12 * (apr - 15) + 0.35 * Double(creditIndex) - 0.25 * log(requested / 10_000)
                eta += purpose == "debt_consolidation" ? 0.4 : purpose == "business" ? -0.3 : 0
                eta += lender == 3 ? 0.6 : lender == 7 ? -0.5 : 0
                eta += incomeMissing ? 0 : 0.3 * log(income / 60_000)
                offers.rows.append([uuid, String(offerID), number(apr), String(lender)])
                if random.uniform() < 1 / (1 + exp(-eta)) {
                    let at = Date(timeIntervalSince1970: start + random.uniform() * 86_400 * 180)
                    clicks.rows.append([String(offerID), Timestamp.format(at)])
                }
            }
        }
        return [leads, offers, clicks]
    }

    /// Network ability and competence are independent; promotion depends on both, so among
    /// the promoted they look negatively related (Berkson's paradox).
    static func promotion(_ count: Int, _ random: inout Random) -> Table {
        var table = Table(name: "promotion", header: ["id", "network_ability", "competence", "promoted"], rows: [])
        for id in 1...count {
            let network = random.normal()
            let competence = random.normal()
            let p = 1 / (1 + exp(-(-1.5 + 1.8 * network + 1.8 * competence)))
            table.rows.append([
                String(id), number(network, 4), number(competence, 4), random.uniform() < p ? "true" : "false",
            ])
        }
        return table
    }

    /// Diamonds with the usual levels and a price shaped as the public diamonds data's is: a
    /// power of carat, grade premiums that grow with size, jumps at the "magic" sizes (1, 1.5
    /// and 2 carats), and the file's price ceiling, so a log-linear model does well and trees
    /// do better, as on the real data.
    static func diamonds(_ count: Int, _ random: inout Random) -> Table {
        let cuts = ["Fair", "Good", "Very Good", "Premium", "Ideal"]
        let colors = ["D", "E", "F", "G", "H", "I", "J"]
        let clarities = ["I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"]
        var table = Table(
            name: "diamonds", header: ["carat", "cut", "color", "clarity", "depth", "table", "price", "x", "y", "z"],
            rows: [])
        for _ in 0..<count {
            let carat = max(0.2, min(3.0, exp(-0.4 + 0.5 * random.normal())))
            let cut = random.pick(Array(0..<5), weights: [0.03, 0.09, 0.22, 0.26, 0.4])
            let color = random.pick(Array(0..<7), weights: [0.12, 0.18, 0.18, 0.21, 0.15, 0.1, 0.06])
            let clarity = random.pick(Array(0..<8), weights: [0.014, 0.17, 0.24, 0.23, 0.15, 0.09, 0.07, 0.036])
            let depth = 61.7 + 1.4 * random.normal()
            let tableWidth = 57.5 + 2.2 * random.normal()
            let size = min(carat, 2.0)
            let grades = 0.03 * Double(cut) - 0.07 * Double(color) + 0.09 * Double(clarity) - 0.2
            let magic = (carat >= 1 ? 0.12 : 0) + (carat >= 1.5 ? 0.08 : 0) + (carat >= 2 ? 0.08 : 0)
            let logPrice =
                8.3 + 1.75 * log(carat) + grades * (0.5 + size) + magic - 0.02 * abs(depth - 61.7)
                + 0.1 * random.normal()
            let price = min(exp(logPrice), 18_823)
            let x = 6.5 * pow(carat, 1.0 / 3) * (1 + 0.01 * random.normal())
            let y = x * (1 + 0.005 * random.normal())
            let z = x * depth / 100
            table.rows.append([
                number(carat), cuts[cut], colors[color], clarities[clarity], number(depth, 1), number(tableWidth, 0),
                number(price, 0), number(x), number(y), number(z),
            ])
        }
        return table
    }

    /// What `diamonds-raw` plants in the clean rows (positions fixed, so tests know them).
    public enum PlantedFaults {
        /// Rows whose price is -1.
        public static let sentinelPrices = 10
        /// One row with x = y = z = 0, and rows with only z = 0.
        public static let zeroSizes = 1
        public static let zeroDepths = 6
        /// One row whose y was typed as 58.9 (x about 8).
        public static let mistypedWidths = 1
        public static let duplicates = 1
    }

    static func diamondsRaw(_ count: Int, _ random: inout Random) -> Table {
        var table = diamonds(max(count, 100), &random)
        table.name = "diamonds_raw"
        let column = { (name: String) in table.header.firstIndex(of: name)! }
        let (price, x, y, z) = (column("price"), column("x"), column("y"), column("z"))
        for k in 0..<PlantedFaults.sentinelPrices { table.rows[7 + 9 * k][price] = "-1" }
        table.rows[3][x] = "0"
        table.rows[3][y] = "0"
        table.rows[3][z] = "0"
        for k in 0..<PlantedFaults.zeroDepths { table.rows[11 + 13 * k][z] = "0" }
        // The widest stone, with its width mistyped ten times too large.
        let widest = table.rows.indices.max { Double(table.rows[$0][x])! < Double(table.rows[$1][x])! }!
        table.rows[widest][y] = number(Double(table.rows[widest][y])! * 7.3, 1)
        table.rows.append(table.rows[40])
        return table
    }
}
