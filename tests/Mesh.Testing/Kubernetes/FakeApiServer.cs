using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Mesh.Testing.Kubernetes;

/// <summary>
/// An in-process stand-in for a Kubernetes API server on a loopback port: lists (with the list's
/// resourceVersion), watches (newline-delimited ADDED/MODIFIED/DELETED events from a
/// resourceVersion on, BOOKMARK on request, ERROR or HTTP 410 for versions compacted away), and it
/// can go down and come back on the same port with its objects intact. Objects are stored as the
/// JSON the real client serializes (KubernetesJson), with one resourceVersion counter for all
/// kinds, as etcd keeps it. Any kind, built-in or custom, is a <see cref="FakeResource"/>:
/// served at its cluster-wide collection path and at /namespaces/NS/ paths below its group
/// version; anything else (a CRD not installed) is answered 404.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Store> _stores;
    private readonly List<Watch> _watches = [];
    private readonly List<FakeApiRequest> _requests = [];
    private long _version = 1000;
    private long _compactedBelow;
    private WebApplication? _app;

    private FakeApiServer(int port, IEnumerable<FakeResource> resources)
    {
        Port = port;
        _stores = resources.ToDictionary(r => r.Path, r => new Store(r), StringComparer.Ordinal);
    }

    public int Port { get; }

    /// <summary>How a watch from a compacted resourceVersion is refused: an HTTP 410, or (the API server's usual way) a 200 with one ERROR event.</summary>
    public bool ExpireWithHttpStatus { get; set; }

    public bool IsUp => _app is not null;

    public long ResourceVersion { get { lock (_gate) return _version; } }

    public IReadOnlyList<FakeApiRequest> Requests { get { lock (_gate) return [.. _requests]; } }

    public static async Task<FakeApiServer> StartAsync(IEnumerable<FakeResource>? resources = null)
    {
        var server = new FakeApiServer(FreePorts.Take(1)[0], resources ?? FakeResource.All);
        await server.UpAsync();
        return server;
    }

    /// <summary>
    /// Registry options for a silo reading this server through a fresh kubeconfig, retrying fast
    /// (20 ms doubling to 200 ms) so outage tests do not wait on production back-offs.
    /// </summary>
    public Mesh.Registries.Kubernetes.KubernetesOptions RegistryOptions() =>
        new(WriteKubeconfig(Directory.CreateTempSubdirectory("mesh-kube-").FullName))
        {
            RetryInitial = TimeSpan.FromMilliseconds(20),
            RetryMax = TimeSpan.FromMilliseconds(200),
        };

    /// <summary>Writes a kubeconfig that points the real client at this server.</summary>
    public string WriteKubeconfig(string directory)
    {
        var path = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: http://127.0.0.1:{Port}
            users:
            - name: fake
              user:
                token: fake-token
            contexts:
            - name: fake
              context:
                cluster: fake
                user: fake
            current-context: fake
            """);
        return path;
    }

    /// <summary>Creates or replaces an object (kind, apiVersion and resourceVersion are set as the server would); returns its resourceVersion.</summary>
    public long Apply<T>(T obj) where T : IKubernetesObject<V1ObjectMeta>
    {
        var resource = _stores.Values.Single(s => s.Resource.Kind == typeof(T).Name[2..]).Resource;
        return ApplyJson(resource, KubernetesJson.Serialize(obj));
    }

    /// <summary>Creates or replaces an object given as Kubernetes JSON.</summary>
    public long ApplyJson(FakeResource resource, string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node["kind"] = resource.Kind;
        node["apiVersion"] = resource.ApiVersion;
        var meta = node["metadata"]!.AsObject();
        var key = Key(meta);
        lock (_gate)
        {
            var store = _stores[resource.Path];
            var rv = ++_version;
            meta["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            var type = store.Objects.ContainsKey(key) ? "MODIFIED" : "ADDED";
            var text = node.ToJsonString();
            store.Objects[key] = text;
            Publish(store, key, rv, type, text);
            return rv;
        }
    }

    public long Delete<T>(string? @namespace, string name) where T : IKubernetesObject<V1ObjectMeta> =>
        Delete(_stores.Values.Single(s => s.Resource.Kind == typeof(T).Name[2..]).Resource, @namespace, name);

    public long Delete(FakeResource resource, string? @namespace, string name)
    {
        var store = _stores[resource.Path];
        var key = string.IsNullOrEmpty(@namespace) ? name : $"{@namespace}/{name}";
        lock (_gate)
        {
            if (!store.Objects.Remove(key, out var text)) throw new InvalidOperationException($"no {store.Resource.Kind} {key}");
            var rv = ++_version;
            var node = JsonNode.Parse(text)!.AsObject();
            node["metadata"]!["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            Publish(store, key, rv, "DELETED", node.ToJsonString());
            return rv;
        }
    }

    /// <summary>Sends a BOOKMARK at the current resourceVersion to every open watch that allowed bookmarks.</summary>
    public void Bookmark()
    {
        lock (_gate)
            foreach (var watch in _watches.Where(w => w.Bookmarks))
                watch.Lines.Writer.TryWrite(EventLine("BOOKMARK", new JsonObject
                {
                    ["kind"] = watch.Store.Resource.Kind,
                    ["apiVersion"] = watch.Store.Resource.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = _version.ToString(CultureInfo.InvariantCulture) },
                }.ToJsonString()));
    }

    /// <summary>Ends every open watch normally, as the server does when a watch's timeout is reached.</summary>
    public void EndWatches()
    {
        lock (_gate)
            foreach (var watch in _watches) watch.Lines.Writer.TryComplete();
    }

    /// <summary>
    /// Forgets the history: a watch from any resourceVersion before now is answered 410 Gone. With
    /// <paramref name="expireOpenWatches"/>, open watches also get an ERROR 410 and end (the
    /// server's watch cache fell behind), so their clients must relist.
    /// </summary>
    public void Compact(bool expireOpenWatches = false)
    {
        lock (_gate)
        {
            _compactedBelow = _version;
            foreach (var store in _stores.Values) store.Log.Clear();
            if (!expireOpenWatches) return;
            foreach (var watch in _watches)
            {
                watch.Lines.Writer.TryWrite(EventLine("ERROR", GoneStatus(watch.From)));
                watch.Lines.Writer.TryComplete();
            }
        }
    }

    /// <summary>Goes away as a crashed or unreachable server does: open watches are cut, nothing listens on the port.</summary>
    public async Task DownAsync()
    {
        var app = _app ?? throw new InvalidOperationException("already down");
        _app = null;
        lock (_gate)
            foreach (var watch in _watches) watch.Http.Abort();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try { await app.StopAsync(timeout.Token); } catch (OperationCanceledException) { }
        await app.DisposeAsync();
    }

    /// <summary>Listens again on the same port, with every object (and change) made meanwhile.</summary>
    public async Task UpAsync()
    {
        if (_app is not null) throw new InvalidOperationException("already up");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, Port, l => l.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        app.Run(HandleAsync);
        // The port was just released by DownAsync; a moment's retry covers a late socket close.
        for (var attempt = 0; ; attempt++)
        {
            try { await app.StartAsync(); break; }
            catch (IOException) when (attempt < 50) { await Task.Delay(20); }
        }
        _app = app;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await DownAsync();
    }

    private async Task HandleAsync(HttpContext http)
    {
        var query = http.Request.Query;
        var watch = query["watch"] == "true" || query["watch"] == "1";
        var rvText = query["resourceVersion"].ToString();
        var bookmarks = query["allowWatchBookmarks"] == "true";
        if (!HttpMethods.IsGet(http.Request.Method) || Resolve(http.Request.Path.Value ?? "") is not { } found)
        {
            Record(http, watch, rvText, bookmarks, 404);
            await WriteStatusAsync(http, 404, "NotFound", $"the server could not find the requested resource ({http.Request.Path})");
            return;
        }
        var (store, ns) = found;
        if (!watch)
        {
            string body;
            lock (_gate)
            {
                var items = store.Objects.Where(o => InNamespace(o.Key, ns)).Select(o => o.Value);
                body = $$"""{"kind":"{{store.Resource.ListKind}}","apiVersion":"{{store.Resource.ApiVersion}}","metadata":{"resourceVersion":"{{_version}}"},"items":[{{string.Join(',', items)}}]}""";
                Record(http, watch, rvText, bookmarks, 200);
            }
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(body);
            return;
        }
        await WatchAsync(http, store, ns, rvText, bookmarks);
    }

    /// <summary>The store a path reads and the namespace it is limited to (null: all).</summary>
    private (Store Store, string? Namespace)? Resolve(string path)
    {
        if (_stores.TryGetValue(path, out var store)) return (store, null);
        // .../namespaces/NS/plural: the same collection, one namespace of it.
        var parts = path.Split('/');
        if (parts.Length >= 4 && parts[^3] == "namespaces")
        {
            var collection = string.Join('/', parts[..^3]) + "/" + parts[^1];
            if (_stores.TryGetValue(collection, out store)) return (store, parts[^2]);
        }
        return null;
    }

    private static bool InNamespace(string key, string? ns) => ns is null || key.StartsWith(ns + "/", StringComparison.Ordinal);

    private async Task WatchAsync(HttpContext http, Store store, string? ns, string rvText, bool bookmarks)
    {
        Watch subscription;
        var initial = new List<string>();
        string? refusal = null;
        lock (_gate)
        {
            var from = long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : 0;
            if (from > 0 && from < _compactedBelow && ExpireWithHttpStatus)
            {
                Record(http, true, rvText, bookmarks, 410);
                refusal = $"too old resource version: {from} ({_compactedBelow})";
                subscription = null!;
            }
            else if (from > 0 && from < _compactedBelow)
            {
                Record(http, true, rvText, bookmarks, 200);
                initial.Add(EventLine("ERROR", GoneStatus(from)));
                subscription = new Watch(store, ns, from, bookmarks, http, Channel.CreateUnbounded<string>());
                subscription.Lines.Writer.TryComplete();
            }
            else
            {
                Record(http, true, rvText, bookmarks, 200);
                // No resourceVersion: the current state as ADDED events first, as the API server does.
                if (from == 0) initial.AddRange(store.Objects.Where(o => InNamespace(o.Key, ns)).Select(o => EventLine("ADDED", o.Value)));
                else initial.AddRange(store.Log.Where(e => e.Version > from && InNamespace(e.Key, ns)).Select(e => e.Line));
                subscription = new Watch(store, ns, from, bookmarks, http, Channel.CreateUnbounded<string>());
                _watches.Add(subscription);
            }
        }
        if (refusal is not null)
        {
            await WriteStatusAsync(http, 410, "Expired", refusal);
            return;
        }
        try
        {
            http.Response.ContentType = "application/json";
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            if (int.TryParse(http.Request.Query["timeoutSeconds"], out var seconds) && seconds > 0)
                timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
            await http.Response.StartAsync(timeout.Token);
            foreach (var line in initial) await http.Response.WriteAsync(line, timeout.Token);
            await http.Response.Body.FlushAsync(timeout.Token);
            try
            {
                await foreach (var line in subscription.Lines.Reader.ReadAllAsync(timeout.Token))
                {
                    await http.Response.WriteAsync(line, timeout.Token);
                    await http.Response.Body.FlushAsync(timeout.Token);
                }
            }
            catch (OperationCanceledException) { }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException) { }
        finally
        {
            lock (_gate) _watches.Remove(subscription);
        }
    }

    private void Publish(Store store, string key, long rv, string type, string obj)
    {
        var line = EventLine(type, obj);
        store.Log.Add((rv, key, line));
        foreach (var watch in _watches.Where(w => w.Store == store && InNamespace(key, w.Namespace))) watch.Lines.Writer.TryWrite(line);
    }

    private void Record(HttpContext http, bool watch, string rv, bool bookmarks, int status)
    {
        lock (_gate) _requests.Add(new FakeApiRequest(http.Request.Path.Value ?? "", watch, rv.Length == 0 ? null : rv, bookmarks, status));
    }

    private string GoneStatus(long from) =>
        $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: {{from}} ({{_compactedBelow}})","reason":"Expired","code":410}""";

    private static string EventLine(string type, string obj) => $$"""{"type":"{{type}}","object":{{obj}}}""" + "\n";

    private static async Task WriteStatusAsync(HttpContext http, int code, string reason, string message)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(
            $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{message}}","reason":"{{reason}}","code":{{code}}}""");
    }

    private static string Key(JsonObject meta) =>
        meta["namespace"]?.GetValue<string>() is { Length: > 0 } ns ? $"{ns}/{meta["name"]!.GetValue<string>()}" : meta["name"]!.GetValue<string>();

    private sealed class Store(FakeResource resource)
    {
        public FakeResource Resource { get; } = resource;

        public SortedDictionary<string, string> Objects { get; } = new(StringComparer.Ordinal);

        public List<(long Version, string Key, string Line)> Log { get; } = [];
    }

    private sealed record Watch(Store Store, string? Namespace, long From, bool Bookmarks, HttpContext Http, Channel<string> Lines);
}
