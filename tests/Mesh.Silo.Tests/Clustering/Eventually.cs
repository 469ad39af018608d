namespace Mesh.Silo.Tests.Clustering;

/// <summary>Polls a condition until a deadline: the tests wait for what they expect, never for a fixed time.</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"within {seconds} s: {what}; last seen: {value}");
            await Task.Delay(50);
        }
    }
}
