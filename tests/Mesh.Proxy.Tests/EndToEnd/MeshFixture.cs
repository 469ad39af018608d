using Mesh.Testing;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>
/// One real silo, one sidecar and two backends (v1, v2) shared by the routing tests; each test uses
/// its own host so the tests do not see each other's config.
/// </summary>
public sealed class MeshFixture : IAsyncLifetime
{
    public SiloFixture Silo { get; private set; } = null!;
    public SidecarUnderTest Sidecar { get; private set; } = null!;
    public Backend V1 { get; private set; } = null!;
    public Backend V2 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        V1 = await Backend.StartAsync("v1");
        V2 = await Backend.StartAsync("v2");
        Silo = await SiloFixture.StartAsync();
        Sidecar = await SidecarUnderTest.StartAsync(Silo.Options.XdsPort);
    }

    /// <summary>Writes a host's ServiceEntry + DestinationRule (and routes) and waits until the sidecar routes it.</summary>
    public async Task AddServiceAsync(string host, string? virtualService, string expectedBody)
    {
        Silo.WriteConfig($"{host}.yaml", MeshConfig.Service(host, V1, V2) + (virtualService is null ? "" : "\n---\n" + virtualService));
        await Sidecar.WaitForBodyAsync($"{host}:{MeshConfig.ServicePort}", expectedBody);
    }

    public async Task DisposeAsync()
    {
        await Sidecar.DisposeAsync();
        await Silo.DisposeAsync();
        await V1.DisposeAsync();
        await V2.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class MeshCollection : ICollectionFixture<MeshFixture>
{
    public const string Name = "mesh";
}
