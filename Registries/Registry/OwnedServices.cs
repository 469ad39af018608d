namespace Mesh.Registries.Registry;

/// <summary>
/// Hosted services that watch a source (config directory, CRDs, Kubernetes, Consul) are registered
/// as keyed <c>IHostedService</c>s under <see cref="Key"/> instead of as hosted services: the silo
/// holding the registry lease starts them, the others do not, so N silos mean one watch per source.
/// </summary>
public static class OwnedServices
{
    public const string Key = "registry-owner";
}
