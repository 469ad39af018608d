namespace Mesh.Cluster.Tests.Infrastructure;

/// <summary>
/// A test that needs a real Redis server. .ci/run installs Debian's redis-server; on a machine
/// without it the test says so instead of failing.
/// </summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (Repo.Which("redis-server") is null)
            Skip = "redis-server is not installed (Debian package redis-server; .ci/run installs it)";
    }
}
