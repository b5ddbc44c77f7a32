import ArgumentParser

/// The `modelserve` command: a model registry and prediction server over a SQL database.
@main
struct ModelServe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelserve",
        abstract: "Train versioned models from SQL, keep their history, and serve predictions over HTTP.",
        discussion: """
            The database comes from --database or DATABASE_URL: postgres://user:pass@host:5432/db \
            or sqlite:path/to/file.sqlite. With neither, sqlite:modelserve.sqlite in the working directory.
            """,
        version: "0.1.0",
        subcommands: [
            Migrate.self, Load.self, Generate.self, Train.self, Models.self, Similar.self, IngestCommand.self,
            Runs.self, Retrain.self, Serve.self, Worker.self, Profile.self,
        ]
    )
}
