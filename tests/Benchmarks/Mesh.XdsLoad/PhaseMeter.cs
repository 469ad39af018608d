using System.Diagnostics;

namespace Mesh.XdsLoad;

/// <summary>
/// What one phase cost: wall time, each silo's CPU (null once it has exited), this tool's CPU and
/// its collections (its pauses stop every simulated proxy at once, so they show in the tail), and
/// the xDS traffic all clients received.
/// </summary>
public sealed record PhaseCost(string Phase, TimeSpan Wall, IReadOnlyList<TimeSpan?> SiloCpu, TimeSpan Self, long Responses, long Bytes, long Retries)
{
    public int SelfGen2 { get; init; }

    public TimeSpan SelfGcPause { get; init; }

    public TimeSpan? SiloTotal => SiloCpu.Count == 0 || SiloCpu.Any(c => c is null) ? null : SiloCpu.Aggregate(TimeSpan.Zero, (t, c) => t + c!.Value);
}

/// <summary>Takes the counters at the start of a phase; Stop gives the differences.</summary>
public sealed class PhaseMeter
{
    private readonly IReadOnlyList<SiloProcess> _silos;
    private readonly Traffic _traffic;
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private readonly TimeSpan[] _siloCpu;
    private readonly TimeSpan _self = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly long _responses, _bytes, _retries;
    private readonly int _gen2 = GC.CollectionCount(2);
    private readonly TimeSpan _gcPause = GC.GetTotalPauseDuration();

    public PhaseMeter(IReadOnlyList<SiloProcess> silos, Traffic traffic)
    {
        _silos = silos;
        _traffic = traffic;
        _siloCpu = [.. silos.Select(s => s.HasExited ? TimeSpan.Zero : s.CpuTime())];
        (_responses, _bytes, _retries) = (traffic.Responses, traffic.Bytes, traffic.Retries);
    }

    public PhaseCost Stop(string phase) => new(
        phase,
        Stopwatch.GetElapsedTime(_startedAt),
        [.. _silos.Select((s, i) => s.HasExited ? (TimeSpan?)null : s.CpuTime() - _siloCpu[i])],
        Process.GetCurrentProcess().TotalProcessorTime - _self,
        _traffic.Responses - _responses,
        _traffic.Bytes - _bytes,
        _traffic.Retries - _retries)
    {
        SelfGen2 = GC.CollectionCount(2) - _gen2,
        SelfGcPause = GC.GetTotalPauseDuration() - _gcPause,
    };
}
