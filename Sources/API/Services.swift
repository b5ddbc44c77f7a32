import Foundation
import Registry

/// What route handlers work with: the registry, the production models, the request log and
/// the settings. One value shared by every route, so a feature's file needs nothing else.
struct Services: Sendable {
    let configuration: APIConfiguration
    let registry: ModelRegistry
    let store: ModelStore
    let log: RequestLog
    let metrics: Metrics
    let started: Date
    let shadows: ShadowScorer
    let live: LiveFigures
}
