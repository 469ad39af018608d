namespace Mesh.Registries.Consul;

/// <summary>What a blocking query asks: index 0 is a plain read (answered at once), above 0 blocks until the
/// resource's index passes it or Wait elapses.</summary>
public readonly record struct ConsulQuery(ulong Index, TimeSpan Wait)
{
    public static readonly ConsulQuery Now = new(0, TimeSpan.Zero);
}

/// <summary>A read's value and the X-Consul-Index it came with (0 when Consul sent none).</summary>
public sealed record ConsulResponse<T>(T Value, ulong Index);
