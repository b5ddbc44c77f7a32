import Foundation
import Registry

/// The queue behind `POST /models/train`: each job's status and, once a worker ran it, the
/// versions it registered or why it failed.
enum TrainingJobRoutes: RouteGroup {
    static func register(on router: inout RouterBuilder) {
        router.get(
            "/models/train/jobs", admin: true,
            RouteDescription(
                summary: "Training jobs, newest first (admin)",
                responses: [200: "The latest 50 jobs", 401: "No token", 403: "Wrong token"]),
            handler: list)
        router.get(
            "/models/train/jobs/{id}", admin: true,
            RouteDescription(
                summary: "One training job: queued, running (by which worker), completed with its versions, or failed",
                parameters: [.path("id", .integer(minimum: 1), "The job's id", example: 1)],
                responses: [200: "The job", 401: "No token", 403: "Wrong token", 404: "No such job"],
                exampleOutcome: (404, "use the id POST /models/train answered with (serve without --train-inline)")),
            handler: job)
    }

    // Both first mark failed the jobs whose workers died: with no worker left to look at the
    // queue, a reader would otherwise see them running for ever.

    static func list(_ services: Services, _ context: RouteContext) throws -> Reply {
        let jobs = TrainingJobs(registry: services.registry)
        try jobs.expireAbandoned()
        return Reply(body: Array(try ModelDocuments.json(try jobs.list()).utf8))
    }

    static func job(_ services: Services, _ context: RouteContext) throws -> Reply {
        let id = try context.id("id", of: "training job")
        let jobs = TrainingJobs(registry: services.registry)
        try jobs.expireAbandoned()
        let job = try jobs.job(id: id)
        return Reply(body: Array(try ModelDocuments.json(job).utf8), modelID: job.result?.promotedID)
    }
}
