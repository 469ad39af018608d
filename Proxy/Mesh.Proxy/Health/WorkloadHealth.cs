namespace Mesh.Proxy.Health;

/// <summary>The workload's readiness as its probe last decided it; Message says why when not healthy.</summary>
public sealed record WorkloadHealth(bool Healthy, string? Message);

/// <summary>One probe attempt.</summary>
public sealed record ProbeResult(bool Success, string? Message)
{
    public static ProbeResult Ok { get; } = new(true, null);
}

/// <summary>
/// The current health, shared between the prober (writer) and the xDS client (reader, which sends
/// each change to the control plane and re-sends the current one on every new stream).
/// </summary>
public sealed class WorkloadHealthState
{
    private readonly Lock _gate = new();
    private WorkloadHealth? _current;

    public WorkloadHealth? Current
    {
        get { lock (_gate) return _current; }
    }

    /// <summary>Raised outside the lock on every change of Healthy or Message.</summary>
    public event Action<WorkloadHealth>? Changed;

    public void Set(WorkloadHealth health)
    {
        lock (_gate)
        {
            if (_current == health) return;
            _current = health;
        }
        Changed?.Invoke(health);
    }
}
