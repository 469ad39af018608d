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
/// resourceVersion on, BOOKMARK on request, ERROR or HTTP 410 for versions compacted away), creates
/// (409 AlreadyExists for a taken name), replaces (409 Conflict for a stale metadata.resourceVersion),
/// deletes (409 for a stale DeleteOptions precondition), lists filtered by equality label selectors,
/// and it can go down and come back on the same port with its objects intact. Objects are stored as the
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
            return Commit(store, key, node, store.Objects.ContainsKey(key) ? "MODIFIED" : "ADDED");
        }
    }

    /// <summary>The stored object as JSON, or null.</summary>
    public string? Get(FakeResource resource, string? @namespace, string name)
    {
        lock (_gate) return _stores[resource.Path].Objects.TryGetValue(KeyOf(@namespace, name), out var text) ? text : null;
    }

    /// <summary>
    /// Stores a change (ADDED, MODIFIED) or removal (DELETED) under a new resourceVersion and emits
    /// its watch event: the one path every write, through the test API or HTTP, takes. Caller holds the gate.
    /// </summary>
    private long Commit(Store store, string key, JsonObject node, string type)
    {
        var rv = ++_version;
        node["metadata"]!["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        var text = node.ToJsonString();
        if (type == "DELETED") store.Objects.Remove(key);
        else store.Objects[key] = text;
        Publish(store, key, rv, type, text);
        return rv;
    }

    public long Delete<T>(string? @namespace, string name) where T : IKubernetesObject<V1ObjectMeta> =>
        Delete(_stores.Values.Single(s => s.Resource.Kind == typeof(T).Name[2..]).Resource, @namespace, name);

    public long Delete(FakeResource resource, string? @namespace, string name)
    {
        var store = _stores[resource.Path];
        var key = KeyOf(@namespace, name);
        lock (_gate)
        {
            if (!store.Objects.TryGetValue(key, out var text)) throw new InvalidOperationException($"no {store.Resource.Kind} {key}");
            return Commit(store, key, JsonNode.Parse(text)!.AsObject(), "DELETED");
        }
    }

    private static string KeyOf(string? @namespace, string name) => string.IsNullOrEmpty(@namespace) ? name : $"{@namespace}/{name}";

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
        var path = http.Request.Path.Value ?? "";
        var collection = Resolve(path);
        if (collection is { } c && HttpMethods.IsPost(http.Request.Method) && c.Namespace is not null)
        {
            await CreateAsync(http, c.Store, c.Namespace);
            return;
        }
        if (collection is null && ResolveObject(path) is { } one)
        {
            await ObjectAsync(http, one.Store, one.Namespace, one.Name, one.Status);
            return;
        }
        if (!HttpMethods.IsGet(http.Request.Method) || collection is not { } found)
        {
            Record(http, watch, rvText, bookmarks, 404);
            await WriteStatusAsync(http, 404, "NotFound", $"the server could not find the requested resource ({http.Request.Path})");
            return;
        }
        var (store, ns) = found;
        if (!watch)
        {
            if (!LabelSelector.TryParse(query["labelSelector"].ToString(), out var selector))
            {
                Record(http, watch, rvText, bookmarks, 400);
                await WriteStatusAsync(http, 400, "BadRequest", $"unable to parse requirement: {query["labelSelector"]}");
                return;
            }
            string body;
            lock (_gate)
            {
                var items = store.Objects.Where(o => InNamespace(o.Key, ns) && selector.Matches(o.Value)).Select(o => o.Value);
                body = $$"""{"kind":"{{store.Resource.ListKind}}","apiVersion":"{{store.Resource.ApiVersion}}","metadata":{"resourceVersion":"{{_version}}"},"items":[{{string.Join(',', items)}}]}""";
                Record(http, watch, rvText, bookmarks, 200);
            }
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(body);
            return;
        }
        if (query["labelSelector"].ToString().Length > 0)
        {
            // A filtered watch must turn label changes into ADDED/DELETED; nothing here needs that yet.
            Record(http, watch, rvText, bookmarks, 400);
            await WriteStatusAsync(http, 400, "BadRequest", "the fake API server does not filter watches by label");
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

    /// <summary>The object a path names: .../namespaces/NS/plural/NAME[/status], or .../plural/NAME cluster-wide.</summary>
    private (Store Store, string? Namespace, string Name, bool Status)? ResolveObject(string path)
    {
        var parts = path.Split('/');
        var status = parts.Length > 1 && parts[^1] == "status";
        if (status) parts = parts[..^1];
        if (parts.Length >= 5 && parts[^4] == "namespaces"
            && _stores.TryGetValue(string.Join('/', parts[..^4]) + "/" + parts[^2], out var store))
            return (store, parts[^3], parts[^1], status);
        if (parts.Length >= 2 && _stores.TryGetValue(string.Join('/', parts[..^1]), out store))
            return (store, null, parts[^1], status);
        return null;
    }

    /// <summary>POST to a namespaced collection: creates the object, 409 if it exists.</summary>
    private async Task CreateAsync(HttpContext http, Store store, string ns)
    {
        var node = await ReadBodyAsync(http, store);
        var meta = node["metadata"]!.AsObject();
        meta["namespace"] ??= ns;
        // As for a kind with the status subresource, a create ignores status; it is written through /status.
        node.Remove("status");
        var key = Key(meta);
        string? created = null;
        lock (_gate)
        {
            if (!store.Objects.ContainsKey(key))
            {
                meta["uid"] ??= Guid.NewGuid().ToString();
                Commit(store, key, node, "ADDED");
                created = store.Objects[key];
            }
        }
        Record(http, false, "", false, created is null ? 409 : 201);
        if (created is null) await WriteStatusAsync(http, 409, "AlreadyExists", $"{store.Resource.Kind} {key} already exists");
        else await WriteObjectAsync(http, 201, created);
    }

    /// <summary>
    /// GET, PUT or DELETE of one object, or PUT of its status subresource. As for a kind declaring
    /// the status subresource, a main PUT keeps the stored status and a status PUT keeps all but status.
    /// </summary>
    private async Task ObjectAsync(HttpContext http, Store store, string? ns, string name, bool status)
    {
        var key = KeyOf(ns, name);
        var method = http.Request.Method;
        var body = HttpMethods.IsPut(method) ? await ReadBodyAsync(http, store) : null;
        var precondition = HttpMethods.IsDelete(method) ? await ReadPreconditionAsync(http) : null;
        int code;
        string? result;
        lock (_gate)
        {
            if (!store.Objects.TryGetValue(key, out var text)) (code, result) = (404, null);
            else if (HttpMethods.IsGet(method)) (code, result) = (200, text);
            else if (HttpMethods.IsDelete(method) && !status)
            {
                var current = JsonNode.Parse(text)!.AsObject();
                // DeleteOptions.preconditions.resourceVersion: the delete happens only if nothing changed the object since.
                if (precondition is not null && precondition != current["metadata"]!["resourceVersion"]!.GetValue<string>()) (code, result) = (409, null);
                else
                {
                    Commit(store, key, current, "DELETED");
                    (code, result) = (200, text);
                }
            }
            else if (body is not null)
            {
                var current = JsonNode.Parse(text)!.AsObject();
                var sent = body["metadata"]?["resourceVersion"]?.GetValue<string>();
                if (!string.IsNullOrEmpty(sent) && sent != current["metadata"]!["resourceVersion"]!.GetValue<string>()) (code, result) = (409, null);
                else
                {
                    JsonObject next;
                    if (status)
                    {
                        next = current;
                        next["status"] = body["status"]?.DeepClone();
                        if (next["status"] is null) next.Remove("status");
                    }
                    else
                    {
                        next = body;
                        next["metadata"]!["namespace"] = ns;
                        next["metadata"]!["name"] = name;
                        next["metadata"]!["uid"] = current["metadata"]!["uid"]?.DeepClone();
                        next.Remove("status");
                        if (current["status"] is { } kept) next["status"] = kept.DeepClone();
                    }
                    Commit(store, key, next, "MODIFIED");
                    (code, result) = (200, store.Objects[key]);
                }
            }
            else (code, result) = (405, null);
        }
        Record(http, false, "", false, code);
        switch (code)
        {
            case 200: await WriteObjectAsync(http, 200, result!); break;
            case 404: await WriteStatusAsync(http, 404, "NotFound", $"{store.Resource.Kind} {key} not found"); break;
            case 409: await WriteStatusAsync(http, 409, "Conflict", $"the object {key} has been modified; please apply your changes to the latest version and try again"); break;
            default: await WriteStatusAsync(http, code, "MethodNotAllowed", $"{method} not supported on {http.Request.Path}"); break;
        }
    }

    /// <summary>The resourceVersion a DELETE's DeleteOptions body requires of the object, if any.</summary>
    private static async Task<string?> ReadPreconditionAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var text = await reader.ReadToEndAsync();
        return text.Length == 0 ? null : JsonNode.Parse(text)?["preconditions"]?["resourceVersion"]?.GetValue<string>();
    }

    private static async Task<JsonObject> ReadBodyAsync(HttpContext http, Store store)
    {
        var node = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
        node["kind"] = store.Resource.Kind;
        node["apiVersion"] = store.Resource.ApiVersion;
        if (node["metadata"] is not JsonObject) node["metadata"] = new JsonObject();
        return node;
    }

    private static async Task WriteObjectAsync(HttpContext http, int code, string json)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(json);
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
        var authorization = http.Request.Headers.Authorization.ToString();
        lock (_gate) _requests.Add(new FakeApiRequest(http.Request.Path.Value ?? "", watch, rv.Length == 0 ? null : rv, bookmarks, status)
        {
            Authorization = authorization.Length == 0 ? null : authorization,
        });
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
