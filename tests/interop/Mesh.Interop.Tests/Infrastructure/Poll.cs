namespace Mesh.Interop.Tests.Infrastructure;

/// <summary>Real time, but only ever as a deadline on a condition.</summary>
public static class Poll
{
    /// <summary>
    /// Re-evaluates <paramref name="probe"/> every <paramref name="every"/> until it reports Done,
    /// or throws TimeoutException naming <paramref name="what"/> and the last state seen.
    /// </summary>
    public static async Task<T> UntilAsync<T>(string what, TimeSpan timeout, Func<Task<(bool Done, T Value, string State)>> probe, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "(never checked)";
        while (true)
        {
            try
            {
                var (done, value, state) = await probe();
                if (done) return value;
                last = state;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                last = ex.GetType().Name + ": " + ex.Message;
            }
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#}s waiting for {what}; last state: {last}");
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100));
        }
    }
}
