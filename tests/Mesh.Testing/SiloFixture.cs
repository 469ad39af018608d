using Mesh.Registries.Consul;
using Mesh.Registries.Kubernetes;
using Mesh.Silo.Hosting;
using Microsoft.AspNetCore.Builder;

namespace Mesh.Testing;

/// <summary>A real silo (Orleans + Kestrel on loopback ports) in this process, with its own config directory.</summary>
public sealed class SiloFixture : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SiloFixture(WebApplication app, SiloOptions options)
    {
        _app = app;
        Options = options;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{options.HttpPort}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public SiloOptions Options { get; }
    public HttpClient Http { get; }
    public string ConfigDir => Options.ConfigDir;
    public IServiceProvider Services => _app.Services;

    /// <param name="consul">Runs the Consul registry with these options (none when null).</param>
    /// <param name="kubernetes">Runs the Kubernetes registry with these options (none when null).</param>
    public static async Task<SiloFixture> StartAsync(string? configDir = null, int? primarySiloPort = null, string? clusterId = null,
        ConsulOptions? consul = null, KubernetesOptions? kubernetes = null, TimeSpan? workloadEntryGracePeriod = null,
        TimeSpan? debounceQuiet = null, Func<SiloOptions, SiloOptions>? configure = null)
    {
        var dir = configDir ?? Directory.CreateTempSubdirectory("mesh-silo-test-").FullName;
        var p = FreePorts.Take(4);
        var options = new SiloOptions(dir, p[0], p[1], p[2], p[3], primarySiloPort, clusterId ?? $"test-{Guid.NewGuid():N}",
            debounceQuiet ?? TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(1))
        {
            Consul = consul,
            Kubernetes = kubernetes,
            // Tests stop silos with streams open: end them at once unless a test is about draining.
            StreamLimits = new Mesh.Silo.Xds.StreamLimits { DrainPeriod = TimeSpan.Zero },
        };
        if (workloadEntryGracePeriod is { } grace) options = options with { WorkloadEntryGracePeriod = grace };
        if (configure is not null) options = configure(options);
        var app = SiloHost.Build(options);
        await app.StartAsync();
        var fixture = new SiloFixture(app, options);
        await fixture.WaitReadyAsync();
        return fixture;
    }

    public async Task WaitReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync("/ready");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("silo did not become ready within 60 s");
            await Task.Delay(50);
        }
    }

    public void WriteConfig(string file, string yaml) => File.WriteAllText(Path.Combine(ConfigDir, file), yaml);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await _app.StopAsync(stop.Token); } catch (OperationCanceledException) { }
        await _app.DisposeAsync();
    }
}
