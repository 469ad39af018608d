using System.Net;
using Mesh.Proxy.Hosting;
using Mesh.Proxy.Xds;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>The real sidecar host (all four listeners) in this process on free loopback ports, with clients for it.</summary>
public sealed class SidecarUnderTest : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly WebApplication _app;
    private readonly HttpClient _client;

    private SidecarUnderTest(WebApplication app, ProxyOptions options)
    {
        _app = app;
        Options = options;
        // The app side of explicit interception: plain requests to 127.0.0.1:15001 with the target as Host.
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{options.OutboundPort}"),
            Timeout = TimeSpan.FromSeconds(20),
        };
        Admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{options.AdminPort}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public ProxyOptions Options { get; }
    public HttpClient Admin { get; }

    /// <summary>The sidecar's Prometheus scrape, /stats/prometheus on the stats port.</summary>
    public Task<string> ScrapeAsync() => Admin.GetStringAsync($"http://127.0.0.1:{Options.StatsPort}/stats/prometheus");
    public XdsClient Xds => _app.Services.GetRequiredService<XdsClient>();

    public static async Task<SidecarUnderTest> StartAsync(int xdsPort, int appPort = 0, string labels = "app=client,version=v1", string protocol = "delta", int? deadXdsPort = null, params string[] extraArgs)
    {
        var xds = deadXdsPort is { } dead ? $"127.0.0.1:{dead},127.0.0.1:{xdsPort}" : $"127.0.0.1:{xdsPort}";
        var p = FreePorts.Take(5);
        var options = ProxyOptions.Parse(
            [
                "--xds-address", xds, "--xds-protocol", protocol, "--namespace", "default", "--service-account", "client",
                "--labels", labels, "--pod-name", $"client-{Guid.NewGuid():N}"[..15], "--app-port", appPort.ToString(),
                "--inbound-bind-address", "127.0.0.1",
                "--outbound-port", p[0].ToString(), "--inbound-port", p[1].ToString(), "--admin-port", p[2].ToString(), "--health-port", p[3].ToString(),
                "--stats-port", p[4].ToString(), .. extraArgs,
            ],
            _ => null);
        var app = ProxyHost.Build(options, logging: _ => { });
        await app.StartAsync();
        var sidecar = new SidecarUnderTest(app, options);
        await sidecar.WaitUntilAsync(async () => (await sidecar.Admin.GetAsync("/ready")).IsSuccessStatusCode, "the sidecar's /ready to answer 200");
        return sidecar;
    }

    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string authority, string path = "/", params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = authority;
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await _client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Polls until the authority answers 200 with the expected body three times in a row: the
    /// silo may push a ServiceEntry before the VirtualService of the same file, and the default
    /// route's round robin over v1 and v2 answers any one body half the time, never three in a row.
    /// </summary>
    public Task WaitForBodyAsync(string authority, string body, params (string Name, string Value)[] headers)
    {
        var last = "";
        var streak = 0;
        return WaitUntilAsync(async () =>
        {
            var (status, text) = await GetAsync(authority, "/", headers);
            last = $"{(int)status} {text}";
            streak = status == HttpStatusCode.OK && text == body ? streak + 1 : 0;
            return streak >= 3;
        }, () => $"{authority} to answer 200 \"{body}\" three times in a row (last: {last})");
    }

    public Task WaitUntilAsync(Func<Task<bool>> condition, string what) => WaitUntilAsync(condition, () => what);

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"expected {what()} within {Deadline.TotalSeconds} s");
            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        Admin.Dispose();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await _app.StopAsync(stop.Token); } catch (OperationCanceledException) { }
        await _app.DisposeAsync();
    }
}
