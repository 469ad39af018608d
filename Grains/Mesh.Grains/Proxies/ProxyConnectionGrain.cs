using Mesh.Grains.Abstractions;
using Microsoft.Extensions.Logging;
using Orleans.Placement;

namespace Mesh.Grains.Proxies;

/// <summary>
/// One stream's xDS state as the stream reports it. The stream is the source of truth while it
/// runs; this grain makes it visible from every silo (proxy-status, syncz) and reaches the stream
/// for config_dump. Placed on the stream's silo (its first caller), so the stream's records are
/// local calls. Its silo renews the directory entry (one batched call for all its connections, not
/// a timer per grain: at 10,000 proxies those were 333 calls a second into one grain), and it is
/// never collected while its proxy is quiet: it lives until its stream's disconnect, or with its silo.
/// </summary>
[PreferLocalPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
public sealed partial class ProxyConnectionGrain(ILogger<ProxyConnectionGrain> logger, TimeProvider time) : Grain, IProxyConnectionGrain
{
    /// <summary>
    /// How long a status page waits for the stream itself before showing what it last recorded: a
    /// stream that ended while its disconnect was still on the way, or whose silo is going, may never
    /// answer, and one such row must not hold up (or fail) the whole page.
    /// </summary>
    public static readonly TimeSpan StreamAnswerTimeout = TimeSpan.FromSeconds(2);

    private ProxyIdentity? _identity;
    private IProxyConnectionObserver? _stream;
    private bool _connected;
    private readonly SortedDictionary<string, TypeSyncStatus> _types = new(StringComparer.Ordinal);

    private IProxyDirectoryGrain Directory => GrainFactory.GetGrain<IProxyDirectoryGrain>(IProxyDirectoryGrain.Key);

    public async Task ConnectedAsync(ProxyIdentity identity, IProxyConnectionObserver stream)
    {
        _identity = identity;
        _stream = stream;
        _connected = true;
        await Directory.SetConnectedAsync(identity.Connection, true);
    }

    public async Task DisconnectedAsync()
    {
        _stream = null;
        _connected = false;
        // Should the directory call fail, the entry, no longer renewed, expires there.
        DeactivateOnIdle();
        if (_identity is not null) await Directory.SetConnectedAsync(_identity.Connection, false);
    }

    public Task RecordTypesAsync(IReadOnlyList<TypeSyncStatus> types)
    {
        foreach (var t in types) _types[t.TypeUrl] = t;
        return Task.CompletedTask;
    }

    public async Task<ProxyStatus?> GetStatusAsync()
    {
        // Asked about a connection it never heard of (its silo died, or the id is a guess): do not linger.
        if (_identity is null)
        {
            DeactivateOnIdle();
            return null;
        }
        // Live from the stream: it records here only now and then (a call per push to every grain
        // was a share of what an edit cost at 10,000 proxies), and a status page must not lag.
        if (_stream is { } stream && _connected)
        {
            try
            {
                foreach (var t in await stream.GetTypesAsync().WaitAsync(StreamAnswerTimeout, time)) _types[t.TypeUrl] = t;
            }
            catch (Exception ex)
            {
                LogStreamUnreachable(logger, this.GetPrimaryKeyString(), ex);
            }
        }
        return new ProxyStatus(_identity, _connected, [.. _types.Values]);
    }

    public async Task<ConnectionConfig?> GetConfigAsync()
    {
        if (_identity is null) DeactivateOnIdle();
        if (_stream is not { } stream || !_connected) return null;
        try
        {
            return await stream.GetConfigAsync().WaitAsync(StreamAnswerTimeout, time);
        }
        catch (Exception ex)
        {
            // The stream ended between its last record and this call, or its silo is gone.
            LogStreamUnreachable(logger, this.GetPrimaryKeyString(), ex);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection {ConnectionId}: its stream could not be asked for its config or status")]
    private static partial void LogStreamUnreachable(ILogger logger, string connectionId, Exception ex);
}
