using Mesh.Registries.Consul;

namespace Mesh.Registries.Tests.Consul;

/// <summary>Options and clients pointed at a FakeConsul, with intervals short enough for tests.</summary>
internal static class ConsulTestClients
{
    public static ConsulOptions Options(Uri address, string? token = null, params string[] datacenters) =>
        new(address, datacenters, token)
        {
            Wait = TimeSpan.FromSeconds(30),
            RetryMin = TimeSpan.FromMilliseconds(20),
            RetryMax = TimeSpan.FromMilliseconds(200),
            QueryInterval = TimeSpan.FromMilliseconds(10),
        };

    public static ConsulClient Client(ConsulOptions options, TimeProvider? time = null) =>
        new(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, options, time ?? TimeProvider.System);
}
