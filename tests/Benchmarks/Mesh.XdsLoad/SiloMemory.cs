namespace Mesh.XdsLoad;

/// <summary>One silo's memory at one moment: VmRSS and VmHWM from /proc, and the managed heap from its /metrics when exported.</summary>
public sealed record SiloMemory(long Rss, long Peak, long? Managed)
{
    /// <summary>Each started silo's memory (null for one that has exited), or empty for a silo this run did not start.</summary>
    public static async Task<IReadOnlyList<SiloMemory?>> SampleAsync(IReadOnlyList<SiloProcess> silos)
    {
        var samples = new List<SiloMemory?>();
        foreach (var silo in silos)
        {
            if (silo.HasExited || silo.Memory() is not { } memory)
            {
                samples.Add(null);
                continue;
            }
            using var http = new SiloHttp(silo.Http);
            samples.Add(new SiloMemory(memory.Rss, memory.Peak, await http.MetricAsync("dotnet_total_memory_bytes")));
        }
        return samples;
    }
}
