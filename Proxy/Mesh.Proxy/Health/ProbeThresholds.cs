namespace Mesh.Proxy.Health;

/// <summary>
/// Kubernetes' readiness thresholds over probe results: ready after successThreshold successes in a
/// row, not ready after failureThreshold failures in a row; nothing is decided before either.
/// Pure, so the counting is table-tested apart from time and I/O.
/// </summary>
public sealed class ProbeThresholds(int successThreshold, int failureThreshold)
{
    private int _successes;
    private int _failures;
    private bool? _healthy;

    /// <summary>The new health when this result changes it, else null.</summary>
    public WorkloadHealth? Observe(ProbeResult result)
    {
        if (result.Success)
        {
            _failures = 0;
            _successes++;
            if (_successes < Math.Max(successThreshold, 1) || _healthy == true) return null;
            _healthy = true;
            return new WorkloadHealth(true, null);
        }
        _successes = 0;
        _failures++;
        if (_failures < Math.Max(failureThreshold, 1) || _healthy == false) return null;
        _healthy = false;
        return new WorkloadHealth(false, result.Message ?? "readiness probe failed");
    }
}
