using System.Net;
using Mesh.Proxy.Hosting;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;

namespace Mesh.Cluster.Tests.Infrastructure;

/// <summary>
/// The real mesh sidecar (in this process) connected to a list of silos, and a steady stream of
/// requests through it: every failure is counted, with what it was.
/// </summary>
public sealed class Sidecar : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _client;
    private readonly int _adminPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _failures = [];
    private Task? _load;
    private long _sent;

    private Sidecar(WebApplication app, int outboundPort, int adminPort, string name)
    {
        _app = app;
        _adminPort = adminPort;
        Name = name;
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{outboundPort}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public string Name { get; }

    public long Sent => Interlocked.Read(ref _sent);

    public IReadOnlyList<string> Failures { get { lock (_failures) return [.. _failures]; } }

    public static async Task<Sidecar> StartAsync(string name, IEnumerable<int> xdsPorts)
    {
        var p = FreePorts.Take(5);
        var options = ProxyOptions.Parse(
            [
                "--xds-address", string.Join(",", xdsPorts.Select(x => $"127.0.0.1:{x}")), "--namespace", "default", "--service-account", "client",
                "--pod-name", name, "--labels", "app=client", "--app-port", "0", "--inbound-bind-address", "127.0.0.1",
                "--outbound-port", p[0].ToString(), "--inbound-port", p[1].ToString(), "--admin-port", p[2].ToString(), "--health-port", p[3].ToString(),
                "--stats-port", p[4].ToString(),
            ],
            _ => null);
        var app = ProxyHost.Build(options, logging: _ => { });
        await app.StartAsync();
        return new Sidecar(app, p[0], p[2], name);
    }

    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string authority)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = authority;
        using var response = await _client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Sends to the authorities in turn, one request at a time, until stopped.</summary>
    public void StartLoad(IReadOnlyList<string> authorities)
    {
        _load = Task.Run(async () =>
        {
            for (var i = 0; !_stop.IsCancellationRequested; i++)
            {
                var authority = authorities[i % authorities.Count];
                Interlocked.Increment(ref _sent);
                try
                {
                    var (status, body) = await GetAsync(authority);
                    if (status != HttpStatusCode.OK) Fail($"{authority}: {(int)status} {body}");
                }
                catch (Exception ex) when (!_stop.IsCancellationRequested)
                {
                    Fail($"{authority}: {ex.GetType().Name} {ex.Message}");
                }
                try { await Task.Delay(20, _stop.Token); } catch (OperationCanceledException) { }
            }
        });
    }

    private void Fail(string what)
    {
        lock (_failures) _failures.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {Name} {what}");
    }

    public async Task StopLoadAsync()
    {
        await _stop.CancelAsync();
        if (_load is not null) await _load;
    }

    public async ValueTask DisposeAsync()
    {
        await StopLoadAsync();
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
