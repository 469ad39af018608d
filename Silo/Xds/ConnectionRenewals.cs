using System.Collections.Concurrent;
using Mesh.Grains.Abstractions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Silo.Xds;

/// <summary>
/// This silo's live proxy connections, renewed in the proxy directory every
/// <see cref="IProxyDirectoryGrain.RenewEvery"/> in batches of <see cref="BatchSize"/>: a few
/// calls per silo per period, where a timer in every connection grain made one call per proxy
/// (333 a second into the one directory grain at 10,000 proxies, and 10,000 timers per silo).
/// Streams add their connection when they start and remove it when they end; the directory
/// ignores a renewal that reaches it after the removal.
/// </summary>
public sealed partial class ConnectionRenewals(IGrainFactory grains, TimeProvider time, ILogger<ConnectionRenewals> logger) : BackgroundService
{
    public const int BatchSize = 1_000;

    private readonly ConcurrentDictionary<string, ProxyConnection> _live = new(StringComparer.Ordinal);

    public void Add(ProxyConnection connection) => _live[connection.ConnectionId] = connection;

    public void Remove(string connectionId) => _live.TryRemove(connectionId, out _);

    public int Count => _live.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(IProxyDirectoryGrain.RenewEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await RenewAsync();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round: every live connection, batch by batch. A failed batch waits for the next round (well within the expiry).</summary>
    public async Task RenewAsync()
    {
        var directory = grains.GetGrain<IProxyDirectoryGrain>(IProxyDirectoryGrain.Key);
        foreach (var batch in _live.Values.Chunk(BatchSize))
        {
            try { await directory.RenewAsync(batch); }
            catch (Exception ex) { LogRenewFailed(logger, batch.Length, ex); }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing {Count} proxy connections in the directory failed; retrying on the next round")]
    private static partial void LogRenewFailed(ILogger logger, int count, Exception ex);
}
