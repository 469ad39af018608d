using Mesh.Cluster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Cluster.Tests.Clustering;

/// <summary>Three silos with their membership table in a real Redis, each killed in turn.</summary>
public sealed class RedisClusterTests(ITestOutputHelper output)
{
    [RedisFact]
    public async Task KillFirstSilo_RegistryOwner_NothingLostForTwoMinutes()
    {
        await using var redis = await RedisServer.StartAsync();
        await new SiloLossScenario(output).RunAsync(["--clustering", "redis", "--redis", redis.Address], new ServiceEntryFiles(), victim: 0, watch: TimeSpan.FromSeconds(130));
    }

    [RedisFact]
    public async Task KillOtherSilo_NothingLostForTwoMinutes()
    {
        await using var redis = await RedisServer.StartAsync();
        await new SiloLossScenario(output).RunAsync(["--clustering", "redis", "--redis", redis.Address], new ServiceEntryFiles(), victim: 2, watch: TimeSpan.FromSeconds(130));
    }
}
