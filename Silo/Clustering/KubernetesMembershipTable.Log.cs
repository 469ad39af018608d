using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Mesh.Silo.Clustering;

public sealed partial class KubernetesMembershipTable
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Membership table of cluster {ClusterId} created: MeshClusterVersion {Name} at version 0")]
    private static partial void LogTableCreated(ILogger logger, string clusterId, string name);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Membership row of silo {Silo} written: status {Status}, table version {Version}")]
    private static partial void LogRowWritten(ILogger logger, SiloAddress silo, SiloStatus status, int version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Membership row of silo {Silo} not inserted: it exists")]
    private static partial void LogRowExists(ILogger logger, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Membership row of silo {Silo} not updated: etag {Expected} expected, {Found} found")]
    private static partial void LogRowEtagMismatch(ILogger logger, SiloAddress silo, string expected, string? found);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Membership table version not moved to {Version}: its etag is no longer {Etag}")]
    private static partial void LogVersionConflict(ILogger logger, string etag, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MeshSilo {Name} in namespace {Namespace} is damaged (a field does not parse) and is left out of the membership table")]
    private static partial void LogDamagedRow(ILogger logger, string name, string @namespace);

    [LoggerMessage(Level = LogLevel.Information, Message = "Membership table of cluster {ClusterId} deleted ({Rows} rows)")]
    private static partial void LogClusterDeleted(ILogger logger, string clusterId, int rows);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Rows} defunct membership rows (dead, last updated before {Before})")]
    private static partial void LogDefunctDeleted(ILogger logger, int rows, DateTimeOffset before);
}
