namespace Mesh.Cluster.Tests.Infrastructure;

public static class Poll
{
    /// <summary>Polls a condition every 50 ms until it holds; on timeout fails with what was awaited and the silos' output.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, MeshCluster? cluster = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                last = ex;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"not within {timeout.TotalSeconds:0} s: {what}{(last is null ? "" : $" (last error: {last.Message})")}\n{cluster?.Output()}");
    }
}
