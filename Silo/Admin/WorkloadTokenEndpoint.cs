using Mesh.Silo.Vm;

namespace Mesh.Silo.Admin;

/// <summary>
/// POST /debug/workload-token?namespace=NS&amp;group=NAME&amp;ttlSeconds=N: a bootstrap token for VMs
/// joining a served WorkloadGroup, for `meshctl workload entry configure`. The key stays on the
/// control plane; like the rest of this port it is unauthenticated, so it must only be reachable
/// by operators (istiod's 15014 debug port has the same rule).
/// </summary>
public static class WorkloadTokenEndpoint
{
    private static readonly TimeSpan MaxTtl = TimeSpan.FromDays(365);

    public static void Map(WebApplication app, string host) =>
        app.MapPost("/debug/workload-token", (string? @namespace, string? group, long? ttlSeconds, AutoRegistration vm) =>
        {
            if (string.IsNullOrEmpty(group)) return Results.Text("missing ?group=<WorkloadGroup name>\n", statusCode: 400);
            var ns = string.IsNullOrEmpty(@namespace) ? "default" : @namespace;
            var ttl = TimeSpan.FromSeconds(ttlSeconds ?? (long)TimeSpan.FromHours(24).TotalSeconds);
            if (ttl <= TimeSpan.Zero || ttl > MaxTtl) return Results.Text($"ttlSeconds must be between 1 and {MaxTtl.TotalSeconds:F0}\n", statusCode: 400);
            return vm.Issue(ns, group, ttl) is { } issued
                ? Results.Json(new { token = issued.Token, expiresAt = issued.ExpiresAt, @namespace = ns, group, rootCertificate = (string?)null })
                : Results.Text($"WorkloadGroup {ns}/{group} is not served by this control plane\n", statusCode: 404);
        }).RequireHost(host);
}
