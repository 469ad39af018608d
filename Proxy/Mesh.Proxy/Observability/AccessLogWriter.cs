using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Observability;

/// <summary>
/// Writes access log lines off the request path: requests enqueue into a bounded channel and never
/// wait for the disk or a slow stdout reader; when the queue is full the entry is dropped and
/// counted (mesh_proxy_access_log_dropped_total), as a proxy must not slow traffic for its logs.
/// </summary>
public sealed partial class AccessLogWriter : BackgroundService
{
    private readonly Channel<RequestRecord>? _channel;
    private readonly ObservabilityOptions _options;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger<AccessLogWriter> _logger;
    private int _warnedDrop;

    public AccessLogWriter(ObservabilityOptions options, ProxyMetrics metrics, ILogger<AccessLogWriter> logger)
    {
        _options = options;
        _metrics = metrics;
        _logger = logger;
        if (!Enabled) return;
        _channel = Channel.CreateBounded<RequestRecord>(new BoundedChannelOptions(options.AccessLogCapacity)
        {
            // Wait mode makes TryWrite report a full queue (DropWrite would claim success).
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    public bool Enabled => !string.Equals(_options.AccessLog, "off", StringComparison.OrdinalIgnoreCase) && _options.AccessLog.Length > 0;

    /// <summary>Queues the entry; false when it was dropped because the writer fell behind.</summary>
    public bool TryEnqueue(RequestRecord record)
    {
        if (_channel is null) return true;
        if (_channel.Writer.TryWrite(record)) return true;
        _metrics.AccessLogDropped.Inc();
        if (Interlocked.Exchange(ref _warnedDrop, 1) == 0) LogDropping(_options.AccessLogCapacity);
        return false;
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        // Completing the channel lets the loop drain what was queued before the host stops.
        _channel?.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_channel is null) return;
        await using var output = Open();
        var reader = _channel.Reader;
        var json = _options.AccessLogFormat == AccessLogFormat.Json;
        // Not the stopping token: StopAsync completes the channel, and the queue is drained first.
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            try
            {
                while (reader.TryRead(out var record))
                {
                    await output.WriteLineAsync(json ? AccessLogFormatter.Json(record) : AccessLogFormatter.Text(record));
                }
                // One flush per burst: lines are visible promptly without a syscall per request under load.
                await output.FlushAsync(CancellationToken.None);
            }
            catch (IOException e)
            {
                LogWriteFailed(e);
            }
        }
    }

    private StreamWriter Open()
    {
        var stream = string.Equals(_options.AccessLog, "stdout", StringComparison.OrdinalIgnoreCase)
            ? Console.OpenStandardOutput()
            // ReadWrite sharing: operators (and tests) read the file while the proxy appends.
            : new FileStream(_options.AccessLog, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
        return new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024) { AutoFlush = false };
    }

    [LoggerMessage(1, LogLevel.Warning, "access log queue full ({Capacity} entries): dropping entries, counted in mesh_proxy_access_log_dropped_total")]
    private partial void LogDropping(int capacity);

    [LoggerMessage(2, LogLevel.Warning, "access log write failed")]
    private partial void LogWriteFailed(Exception exception);
}
