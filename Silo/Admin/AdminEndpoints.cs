using Mesh.Grains.Abstractions;
using Mesh.Registries.Config;
using Mesh.Registries.Kubernetes;
using Mesh.Registries.Registry;
using Mesh.Silo.Metrics;
using Mesh.Silo.Ownership;
using Prometheus;

namespace Mesh.Silo.Admin;

/// <summary>
/// The control plane's HTTP port (15014 by default), as istiod's: /ready, /metrics, /version and
/// the /debug pages that meshctl reads.
/// </summary>
public static class AdminEndpoints
{
    public static void Map(WebApplication app, int httpPort)
    {
        var host = $"*:{httpPort}";
        // Ready once the merged config is served: every config source synced once, or a remote one's wait ran out.
        // On a silo that does not run the registries: once the silo running them serves its config.
        app.MapGet("/ready", async (ConfigAggregator config, IHostApplicationLifetime life, RegistryOwnership ownership, OwnerPages owner) =>
        {
            if (!life.ApplicationStarted.IsCancellationRequested) return Results.Text("not ready: xDS not listening yet\n", statusCode: 503);
            if (ownership.IsOwner)
                return config.Status.Loaded ? Results.Text("ready\n") : Results.Text("not ready: " + NotLoaded(config.Status) + "\n", statusCode: 503);
            return await owner.OwnerReadyAsync()
                ? Results.Text("ready\n")
                : Results.Text("not ready: no silo serves the registries' config yet (registry lease holder: " + (ownership.Holder ?? "none") + ")\n", statusCode: 503);
        }).RequireHost(host);

        WorkloadTokenEndpoint.Map(app, host);

        app.MapGet("/version", () => Results.Json(new { version = MeshVersion.Current })).RequireHost(host);

        app.MapGet("/metrics", async (HttpContext http, MeshMetrics metrics) =>
        {
            http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(http.Response.Body, http.RequestAborted);
        }).RequireHost(host);

        // One row per connection (as istioctl proxy-status): proxies sharing a node id are separate rows.
        app.MapGet("/debug/syncz", async (IGrainFactory grains) =>
        {
            var connections = await grains.GetGrain<IProxyDirectoryGrain>(IProxyDirectoryGrain.Key).GetConnectionsAsync();
            var statuses = await Task.WhenAll(connections.Select(c => grains.GetGrain<IProxyConnectionGrain>(c.ConnectionId).GetStatusAsync()));
            return Results.Json(statuses.OfType<ProxyStatus>().Select(SyncView.From));
        }).RequireHost(host);

        // What the connection's stream sent, asked of the stream through its grain (it may be on another silo).
        app.MapGet("/debug/config_dump", async (string? proxy, IGrainFactory grains) =>
        {
            if (string.IsNullOrEmpty(proxy)) return Results.Text("missing ?proxy=<proxy id or connection id>\n", statusCode: 400);
            var candidates = await grains.GetGrain<IProxyDirectoryGrain>(IProxyDirectoryGrain.Key).FindAsync(proxy);
            var choice = ConnectionChoice.For(proxy, candidates);
            if (choice.Connection is not { } connection) return Results.Text($"no proxy or connection \"{proxy}\" is connected\n", statusCode: 404);
            var config = await grains.GetGrain<IProxyConnectionGrain>(connection.ConnectionId).GetConfigAsync();
            return config is null
                ? Results.Text($"connection {connection.ConnectionId} has ended or its stream cannot be reached\n", statusCode: 404)
                : Results.Text(ConfigDump.Render(config, choice.Note), "application/json");
        }).RequireHost(host);

        app.MapGet("/debug/registryz", async (IEnumerable<IServiceRegistry> registries, RegistryOwnership ownership, OwnerPages owner) =>
            ownership.IsOwner ? Results.Json(RegistryzView.From(registries, ownership.Holder)) : await FromOwnerAsync(owner, "registryz"))
            .RequireHost(host);

        app.MapGet("/debug/configz", async (ConfigAggregator config, IEnumerable<CrdConfigSource> crds, RegistryOwnership ownership, OwnerPages owner) =>
            ownership.IsOwner ? Results.Json(ConfigzView.From(config.Status, crds)) : await FromOwnerAsync(owner, "configz"))
            .RequireHost(host);
    }

    private static async Task<IResult> FromOwnerAsync(OwnerPages owner, string page) =>
        await owner.PageAsync(page) is { } json
            ? Results.Text(json, "application/json")
            : Results.Text("no silo running the registries answers yet\n", statusCode: 503);

    private static string NotLoaded(ConfigStatus status) =>
        "config not loaded yet (waiting for " + string.Join(", ", status.Sources.Where(s => !s.Synced).Select(s => s.Name)) + ")";
}
