using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Testing.Consul;

/// <summary>
/// An in-process stand-in for Consul's HTTP API (no Consul server can be installed here), on a free
/// loopback port: GET /v1/catalog/services, /v1/health/service/&lt;name&gt; and /v1/agent/self, with
/// Consul's blocking-query semantics. Every change raises one global index and stamps the resources
/// it touched with it; a read with index=N blocks until its resource's index passes N or wait elapses,
/// then answers the current state and index (X-Consul-Index). Tests can push the index backwards (a
/// restored snapshot), make every read fail, and stop and restart it on the same port (an outage).
/// The first datacenter is the agent's own (a read without ?dc=).
/// </summary>
public sealed class FakeConsul : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DatacenterState> _datacenters;
    private readonly string _local;
    private ulong _index = 10;
    private TaskCompletionSource _changed = NewSignal();
    private WebApplication? _app;
    private CancellationTokenSource _outage = new();
    private int _blocked;
    private int _rechecks;

    private FakeConsul(string? token, IReadOnlyList<string> datacenters)
    {
        RequiredToken = token;
        _local = datacenters[0];
        _datacenters = datacenters.ToDictionary(d => d, _ => new DatacenterState(), StringComparer.Ordinal);
        foreach (var state in _datacenters.Values) state.CatalogIndex = _index;
    }

    public int Port { get; private set; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    /// <summary>When set, reads without this X-Consul-Token get 403, as with ACLs in default-deny.</summary>
    public string? RequiredToken { get; }

    /// <summary>Non-zero: every read is answered with this status (Consul up but failing).</summary>
    public int FailWithStatus { get; set; }

    public ConcurrentQueue<FakeConsulRequest> Requests { get; } = new();

    /// <summary>Reads currently held open by a blocking query.</summary>
    public int Blocked => Volatile.Read(ref _blocked);

    /// <summary>Times a blocked read woke on some change and went on blocking because its resource had not changed.</summary>
    public int Rechecks => Volatile.Read(ref _rechecks);

    public ulong Index { get { lock (_gate) return _index; } }

    public static async Task<FakeConsul> StartAsync(string? token = null, params string[] datacenters)
    {
        var fake = new FakeConsul(token, datacenters.Length > 0 ? datacenters : ["dc1"]);
        await fake.StartAsync();
        return fake;
    }

    /// <summary>Starts serving (again, after <see cref="StopAsync"/>) on the same port.</summary>
    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, Port));
        var app = builder.Build();
        app.MapGet("/v1/catalog/services", Catalog);
        app.MapGet("/v1/health/service/{name}", Health);
        app.MapGet("/v1/agent/self", AgentSelf);
        _outage = new CancellationTokenSource();
        await app.StartAsync();
        if (Port == 0) Port = new Uri(app.Urls.First()).Port;
        _app = app;
    }

    /// <summary>An outage: open reads are cut, the port refuses connections until <see cref="StartAsync()"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is not { } app) return;
        _app = null;
        await _outage.CancelAsync();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public void Register(FakeInstance instance, string? datacenter = null) => Change(datacenter, dc =>
    {
        var catalogChanged = !dc.Instances.TryGetValue(instance.Id, out var old) || old.Service != instance.Service || !old.Tags.SequenceEqual(instance.Tags);
        dc.Instances[instance.Id] = instance;
        if (old is not null && old.Service != instance.Service) dc.ServiceIndex[old.Service] = _index;
        dc.ServiceIndex[instance.Service] = _index;
        if (catalogChanged) dc.CatalogIndex = _index;
    });

    public void Deregister(string id, string? datacenter = null) => Change(datacenter, dc =>
    {
        if (!dc.Instances.Remove(id, out var old)) throw new InvalidOperationException($"no instance {id}");
        dc.ServiceIndex[old.Service] = _index;
        dc.CatalogIndex = _index;
    });

    public void SetStatus(string id, string status, string? datacenter = null) => Change(datacenter, dc =>
    {
        var old = dc.Instances[id];
        dc.Instances[id] = old with { Status = status };
        dc.ServiceIndex[old.Service] = _index;
    });

    /// <summary>Every index becomes <paramref name="index"/>, lower than before: what a restored snapshot does.</summary>
    public void ResetIndex(ulong index)
    {
        lock (_gate)
        {
            _index = index;
            foreach (var dc in _datacenters.Values)
            {
                dc.CatalogIndex = index;
                foreach (var name in dc.ServiceIndex.Keys.ToList()) dc.ServiceIndex[name] = index;
            }
            Signal();
        }
    }

    /// <summary>Waits (with a deadline) until <paramref name="count"/> reads are blocked, so a test knows its watchers are waiting.</summary>
    public async Task WaitBlockedAsync(int count, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (Blocked < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Blocked} reads blocked, expected {count}");
            await Task.Delay(5);
        }
    }

    private void Change(string? datacenter, Action<DatacenterState> change)
    {
        lock (_gate)
        {
            _index++;
            change(_datacenters[datacenter ?? _local]);
            Signal();
        }
    }

    private void Signal()
    {
        _changed.TrySetResult();
        _changed = NewSignal();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Task Catalog(HttpContext http) => Answer(http, dc => dc.CatalogIndex, dc =>
        dc.Instances.Values.GroupBy(i => i.Service).ToDictionary(g => g.Key, g => g.SelectMany(i => i.Tags).Distinct().Order().ToList()));

    private Task Health(HttpContext http, string name) => Answer(http, dc => dc.ServiceIndex.GetValueOrDefault(name, dc.CatalogIndex), dc =>
        dc.Instances.Values.Where(i => i.Service == name).OrderBy(i => i.Id).Select(i => new
        {
            Node = new { ID = i.Node + "-id", Node = i.Node, Address = i.NodeAddress, Datacenter = DatacenterOf(dc), Meta = i.NodeMeta },
            Service = new { ID = i.Id, Service = i.Service, Tags = i.Tags, Address = i.Address, Meta = i.Meta, Port = i.Port, Weights = new { Passing = 1, Warning = 1 } },
            Checks = new[]
            {
                new { Node = i.Node, CheckID = "serfHealth", Name = "Serf Health Status", Status = "passing", ServiceID = "", ServiceName = "" },
                new { Node = i.Node, CheckID = "service:" + i.Id, Name = "Service check", Status = i.Status, ServiceID = i.Id, ServiceName = i.Service },
            },
        }).ToList());

    private Task AgentSelf(HttpContext http) => Answer(http, dc => dc.CatalogIndex, _ => new { Config = new { Datacenter = _local } });

    private string DatacenterOf(DatacenterState state) => _datacenters.First(kv => kv.Value == state).Key;

    private async Task Answer(HttpContext http, Func<DatacenterState, ulong> indexOf, Func<DatacenterState, object> body)
    {
        var query = http.Request.Query;
        var token = http.Request.Headers["X-Consul-Token"].FirstOrDefault();
        Requests.Enqueue(new FakeConsulRequest(http.Request.Path, http.Request.QueryString.Value ?? "", token));
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _outage.Token);
        if (FailWithStatus != 0)
        {
            http.Response.StatusCode = FailWithStatus;
            await http.Response.WriteAsync("rpc error: injected failure");
            return;
        }
        if (RequiredToken is not null && token != RequiredToken)
        {
            http.Response.StatusCode = 403;
            await http.Response.WriteAsync("ACL not found");
            return;
        }
        var name = query["dc"].FirstOrDefault() ?? _local;
        if (!_datacenters.TryGetValue(name, out var dc))
        {
            http.Response.StatusCode = 500;
            await http.Response.WriteAsync("No path to datacenter");
            return;
        }
        var index = ulong.TryParse(query["index"].FirstOrDefault(), CultureInfo.InvariantCulture, out var i) ? i : 0;
        var wait = ParseWait(query["wait"].FirstOrDefault());
        try
        {
            await BlockAsync(dc, indexOf, index, wait, cut.Token);
        }
        catch (OperationCanceledException)
        {
            // Consul went away mid-read: the client sees the connection drop, not an answer.
            http.Abort();
            return;
        }
        string text;
        ulong current;
        lock (_gate)
        {
            current = indexOf(dc);
            text = JsonSerializer.Serialize(body(dc), Json);
        }
        http.Response.Headers["X-Consul-Index"] = current.ToString(CultureInfo.InvariantCulture);
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(text, cut.Token);
    }

    private async Task BlockAsync(DatacenterState dc, Func<DatacenterState, ulong> indexOf, ulong index, TimeSpan wait, CancellationToken cancel)
    {
        if (index == 0) return;
        var deadline = Task.Delay(wait, cancel);
        Interlocked.Increment(ref _blocked);
        try
        {
            for (var woken = false; ; woken = true)
            {
                Task changed;
                lock (_gate)
                {
                    if (indexOf(dc) > index) return;
                    changed = _changed.Task;
                }
                if (woken) Interlocked.Increment(ref _rechecks);
                if (await Task.WhenAny(changed, deadline) == deadline)
                {
                    await deadline;
                    return;
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _blocked);
        }
    }

    /// <summary>Consul's wait: a Go duration ("150ms", "10s", "5m"); default 5 min, at most 10 min.</summary>
    private static TimeSpan ParseWait(string? text)
    {
        if (string.IsNullOrEmpty(text)) return TimeSpan.FromMinutes(5);
        var unit = text.EndsWith("ms", StringComparison.Ordinal) ? "ms" : text[^1..];
        var number = double.Parse(text[..^unit.Length], CultureInfo.InvariantCulture);
        var wait = unit switch
        {
            "ms" => TimeSpan.FromMilliseconds(number),
            "s" => TimeSpan.FromSeconds(number),
            "m" => TimeSpan.FromMinutes(number),
            _ => throw new FormatException($"wait '{text}' is not a duration"),
        };
        return wait > TimeSpan.FromMinutes(10) ? TimeSpan.FromMinutes(10) : wait;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _outage.Dispose();
    }

    private sealed class DatacenterState
    {
        public Dictionary<string, FakeInstance> Instances { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, ulong> ServiceIndex { get; } = new(StringComparer.Ordinal);
        public ulong CatalogIndex { get; set; }
    }
}
