namespace Mesh.Silo.Vm;

/// <summary>
/// What an xDS stream needs of the VM side, and no more: where to send the health its proxy
/// reports, and an end when the stream ends. The stream knows nothing of leases or entries.
/// </summary>
public interface IWorkloadSession : IAsyncDisposable
{
    /// <summary>Records the proxy's reported readiness; never throws (a failure is logged, the stream goes on).</summary>
    Task ReportHealthAsync(bool healthy, string? message);
}
