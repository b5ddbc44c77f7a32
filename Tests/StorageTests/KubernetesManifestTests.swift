import Foundation
import HTTPServer
import TestSupport
import Testing
import Yams

/// deploy/k8s cannot be applied here (no cluster), so every manifest is validated offline
/// against the Kubernetes schemas (kubernetes-validate --strict, which scripts/test.sh
/// installs) and checked against the binary: the subcommands and flags they pass exist, the
/// environment they set is what it reads, probes and ports agree, and the training specs are
/// the repository's.
@Suite("Kubernetes manifests")
struct KubernetesManifestTests {
    static let root = ContainerFilesTests.root
    static let folder = root.appendingPathComponent("deploy/k8s")

    static func manifests() throws -> [String: [String: Any]] {
        var all: [String: [String: Any]] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".yaml") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            all[file] = try #require(try Yams.load(yaml: text) as? [String: Any], "\(file)")
        }
        return all
    }

    /// The program that validates against the schemas: the test command's, or one on PATH.
    static var validator: String {
        ProcessInfo.processInfo.environment["MODELSERVE_TEST_KUBERNETES_VALIDATE"] ?? "kubernetes-validate"
    }

    @Test("every manifest passes kubernetes-validate --strict, and kustomization lists them all")
    func schemas() throws {
        let all = try Self.manifests()
        let resources = all.keys.filter { $0 != "kustomization.yaml" }.sorted()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [Self.validator, "--strict", "--no-warn"] + resources.map { Self.folder.appendingPathComponent($0).path }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(
            process.terminationStatus == 0,
            "kubernetes-validate (scripts/test.sh installs it; MODELSERVE_TEST_KUBERNETES_VALIDATE names it): \(printed)"
        )
        for file in resources { #expect(printed.contains("\(file) passed"), "\(file): \(printed)") }
        let kustomization = try #require(all["kustomization.yaml"])
        let listed = Set(try #require(kustomization["resources"] as? [String]))
        #expect(listed == Set(resources.filter { $0 != "secret.example.yaml" }), "\(listed)")
    }

    /// The containers of a workload (Deployment, Job, CronJob) and their pod spec.
    static func pod(_ manifest: [String: Any]) throws -> [String: Any] {
        var spec = try #require(manifest["spec"] as? [String: Any])
        if manifest["kind"] as? String == "CronJob" {
            spec = try #require((spec["jobTemplate"] as? [String: Any])?["spec"] as? [String: Any])
        }
        return try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
    }

    @Test("workloads run real subcommands with real flags, read the Secret the binary's variables come from")
    func workloadsMatchTheBinary() throws {
        let all = try Self.manifests()
        let secret = try #require(all["secret.example.yaml"])
        let secretName = try #require((secret["metadata"] as? [String: Any])?["name"] as? String)
        let variables = try #require(secret["stringData"] as? [String: Any]).keys
        // Each variable is one the binary reads.
        let sources = try FileManager.default.subpathsOfDirectory(
            atPath: Self.root.appendingPathComponent("Sources").path
        )
        .filter { $0.hasSuffix(".swift") }
        .map { try String(contentsOf: Self.root.appendingPathComponent("Sources/\($0)"), encoding: .utf8) }
        .joined()
        for variable in variables {
            #expect(sources.contains("environment[\"\(variable)\"]"), "\(variable) is not read by modelserve")
        }
        let pipelines = try #require(all["pipelines-configmap.yaml"])
        let specs = try #require(pipelines["data"] as? [String: String])
        var workloads = 0
        for (file, manifest) in all where ["Deployment", "Job", "CronJob"].contains(manifest["kind"] as? String) {
            workloads += 1
            let pod = try Self.pod(manifest)
            let containers = try #require(pod["containers"] as? [[String: Any]])
            #expect(containers.count == 1, "\(file)")
            let container = containers[0]
            let args = try #require(container["args"] as? [String], "\(file)")
            // The subcommand exists and takes every flag given.
            let help = try ModelServeBinary.run([args[0], "--help"])
            #expect(help.status == 0, "\(file): \(args[0]): \(help.stderr)")
            for flag in args where flag.hasPrefix("--") {
                #expect(help.stdout.contains(flag + " ") || help.stdout.contains(flag + "\n"), "\(file): \(flag)")
            }
            let from = try #require(container["envFrom"] as? [[String: Any]], "\(file)")
            #expect((from.first?["secretRef"] as? [String: Any])?["name"] as? String == secretName, "\(file)")
            // A spec named in the arguments is a key of the mounted ConfigMap.
            if let i = args.firstIndex(of: "--spec") {
                let mounts = try #require(container["volumeMounts"] as? [[String: Any]], "\(file)")
                let path = args[i + 1]
                let mount = try #require(mounts.first { path.hasPrefix(($0["mountPath"] as? String ?? "") + "/") })
                let volume = try #require(
                    (pod["volumes"] as? [[String: Any]])?.first { $0["name"] as? String == mount["name"] as? String })
                #expect((volume["configMap"] as? [String: Any])?["name"] as? String == "modelserve-pipelines")
                #expect(specs[URL(fileURLWithPath: path).lastPathComponent] != nil, "\(file): \(path)")
            }
        }
        #expect(workloads == 5, "serve, worker, migrate, train and retrain")
        // The ConfigMap holds the repository's specs, byte for byte.
        for (name, text) in specs {
            let file = try String(contentsOf: Self.root.appendingPathComponent("pipelines/\(name)"), encoding: .utf8)
            #expect(text == file, "pipelines-configmap.yaml's \(name) differs from pipelines/\(name)")
        }
    }

    @Test("serve: 3 replicas never below ready, probes on the routes and port it serves, a drain before SIGTERM")
    func serving() throws {
        let all = try Self.manifests()
        let deployment = try #require(all["deployment.yaml"])
        let spec = try #require(deployment["spec"] as? [String: Any])
        #expect(spec["replicas"] as? Int == 3)
        let rolling = try #require((spec["strategy"] as? [String: Any])?["rollingUpdate"] as? [String: Any])
        #expect(rolling["maxUnavailable"] as? Int == 0)
        let pod = try Self.pod(deployment)
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        let args = try #require(container["args"] as? [String])
        #expect(args.first == "serve")
        let port = try #require(args.firstIndex(of: "--port").map { Int(args[$0 + 1]) } ?? nil)
        let ports = try #require(container["ports"] as? [[String: Any]])
        #expect(ports.first?["containerPort"] as? Int == port && ports.first?["name"] as? String == "http")
        #expect(args.contains("0.0.0.0"), "listens beyond the pod's loopback")
        for (probe, path) in [("readinessProbe", "/ready"), ("livenessProbe", "/health")] {
            let get = try #require((container[probe] as? [String: Any])?["httpGet"] as? [String: Any], "\(probe)")
            #expect(get["path"] as? String == path && get["port"] as? String == "http", "\(probe)")
        }
        // Those routes exist: the binary's own route table says so.
        let routes = try String(
            contentsOf: Self.root.appendingPathComponent("Sources/API/OperationsRoutes.swift"), encoding: .utf8)
        #expect(routes.contains("\"/ready\"") && routes.contains("\"/health\""))
        // The journal is written under a mounted volume (the root file system is read-only).
        let journal = try #require(args.firstIndex(of: "--journal").map { args[$0 + 1] })
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
        #expect(mounts.contains { journal.hasPrefix(($0["mountPath"] as? String ?? "?") + "/") }, "\(journal)")
        // SIGTERM comes after the preStop pause, with time left to drain.
        let preStop = try #require(
            ((container["lifecycle"] as? [String: Any])?["preStop"] as? [String: Any])?["exec"] as? [String: Any])
        let pause = try #require((preStop["command"] as? [String]).flatMap { $0.last.flatMap(Int.init) })
        let grace = try #require(pod["terminationGracePeriodSeconds"] as? Int)
        let drain = Int(ServerConfiguration().shutdownGrace)
        #expect(
            grace >= pause + drain,
            "the pause (\(pause) s) and serve's drain (\(drain) s) fit in the grace period (\(grace) s)")
        let requests = try #require((container["resources"] as? [String: Any])?["requests"] as? [String: Any])
        #expect(requests["cpu"] != nil && requests["memory"] != nil, "the autoscaler needs CPU requests")
        // The Service and the autoscaler point at this Deployment.
        let labels = try #require(
            ((spec["template"] as? [String: Any])?["metadata"] as? [String: Any])?["labels"] as? [String: String])
        let service = try #require(all["service.yaml"])
        let selector = try #require((service["spec"] as? [String: Any])?["selector"] as? [String: String])
        #expect(selector.allSatisfy { labels[$0.key] == $0.value })
        let target = try #require(
            ((all["hpa.yaml"]?["spec"] as? [String: Any])?["scaleTargetRef"]) as? [String: Any])
        #expect(target["kind"] as? String == "Deployment")
        #expect(target["name"] as? String == (deployment["metadata"] as? [String: Any])?["name"] as? String)
        #expect((all["hpa.yaml"]?["spec"] as? [String: Any])?["minReplicas"] as? Int == 3)
    }
}
