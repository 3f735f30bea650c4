import Hummingbird

/// The Batch API's routes on `/v1` (files and batches), where the server has
/// somewhere to keep them.
func addBatchRoutes(to v1: RouterGroup<APIRequestContext>, store: any BatchStore, models: ModelRegistry,
                    configuration: ServerConfiguration, metrics: ServerMetrics, queues: KeyQueues) {
    let validator = BatchInputValidator(
        completions: CompletionsController(models: models, configuration: configuration, metrics: metrics, queues: queues),
        score: ScoreController(models: models, configuration: configuration, metrics: metrics, queues: queues),
        configuration: configuration)
    FilesController(store: store, settings: configuration.batches).addRoutes(to: v1)
    BatchesController(store: store, settings: configuration.batches, validator: validator, configuration: configuration).addRoutes(to: v1)
}
