using Microsoft.Extensions.Logging;

namespace Mesh.Registries.Config;

public sealed partial class ConfigAggregator
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Config rejected by source {Source}: {Error}")]
    private static partial void LogRejected(ILogger logger, string source, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Config conflict: {Conflict}")]
    private static partial void LogConflict(ILogger logger, string conflict);

    [LoggerMessage(Level = LogLevel.Information, Message = "Config: serving {Objects} objects from {Sources} sources, {Conflicts} conflicts")]
    private static partial void LogServing(ILogger logger, int objects, int sources, int conflicts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Config source {Source} has not synced within {WaitMs} ms; serving the other sources' config until it does")]
    private static partial void LogNotSynced(ILogger logger, string source, long waitMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Publishing the merged config failed")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex);
}
