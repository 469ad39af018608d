using System.Globalization;
using Mesh.Api.Model;

namespace Mesh.Api.Validation;

/// <summary>Checks a TrafficPolicy and its port-level overrides.</summary>
internal static class TrafficPolicyRules
{
    // Envoy's RingHashLbConfig caps minimum_ring_size at 2^23, and grpc-js-xds NACKs a larger one.
    private const ulong MaxRingSize = 8_388_608;

    public static void Check(Findings f, string path, TrafficPolicy? policy)
    {
        if (policy is null)
        {
            return;
        }

        Settings(f, path, policy.LoadBalancer, policy.ConnectionPool, policy.OutlierDetection);
        var ports = new HashSet<uint>();
        for (var i = 0; i < policy.PortLevelSettings.Count; i++)
        {
            var portPolicy = policy.PortLevelSettings[i];
            var portPath = $"{path}.portLevelSettings[{i}]";
            var number = portPolicy.Port.Number;
            if (number is < 1 or > 65535)
            {
                CommonRules.Port(f, $"{portPath}.port.number", number);
            }
            else if (!ports.Add(number))
            {
                f.Add($"{portPath}.port.number", CommonRules.Text(number), "port already has settings in this traffic policy");
            }

            Settings(f, portPath, portPolicy.LoadBalancer, portPolicy.ConnectionPool, portPolicy.OutlierDetection);
        }
    }

    private static void Settings(Findings f, string path, LoadBalancerSettings? lb, ConnectionPoolSettings? pool, OutlierDetection? outlier)
    {
        LoadBalancer(f, $"{path}.loadBalancer", lb);
        ConnectionPool(f, $"{path}.connectionPool", pool);
        Outlier(f, $"{path}.outlierDetection", outlier);
    }

    private static void LoadBalancer(Findings f, string path, LoadBalancerSettings? lb)
    {
        if (lb is null)
        {
            return;
        }

        if (lb.Simple is not null && lb.ConsistentHash is not null)
        {
            f.Add(path, null, "only one of simple, consistentHash may be set");
        }

        LocalityLbRules.Check(f, $"{path}.localityLbSetting", lb.LocalityLbSetting);

        if (lb.ConsistentHash is not { } hash)
        {
            return;
        }

        var keys = (hash.HttpHeaderName is null ? 0 : 1) + (hash.HttpCookie is null ? 0 : 1)
            + (hash.UseSourceIp ? 1 : 0) + (hash.HttpQueryParameterName is null ? 0 : 1);
        if (keys != 1)
        {
            f.Add($"{path}.consistentHash", null, "exactly one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName is required");
        }

        if (hash.MinimumRingSize is > MaxRingSize and var size)
        {
            f.Add($"{path}.consistentHash.minimumRingSize", size.ToString(CultureInfo.InvariantCulture), $"must be at most {MaxRingSize}");
        }

        if (hash.HttpCookie is { } cookie)
        {
            if (cookie.Name.Length == 0)
            {
                f.Add($"{path}.consistentHash.httpCookie.name", null, "name is required");
            }

            // A zero ttl is meaningful (a session cookie), so only a positive one is held to the duration rule.
            if (cookie.Ttl is { } ttl && ttl != TimeSpan.Zero)
            {
                CommonRules.Duration(f, $"{path}.consistentHash.httpCookie.ttl", ttl);
            }
        }
    }

    private static void ConnectionPool(Findings f, string path, ConnectionPoolSettings? pool)
    {
        if (pool?.Tcp is { } tcp)
        {
            Positive(f, $"{path}.tcp.maxConnections", tcp.MaxConnections);
            CommonRules.Duration(f, $"{path}.tcp.connectTimeout", tcp.ConnectTimeout);
        }

        if (pool?.Http is { } http)
        {
            Positive(f, $"{path}.http.http1MaxPendingRequests", http.Http1MaxPendingRequests);
            Positive(f, $"{path}.http.http2MaxRequests", http.Http2MaxRequests);
            Positive(f, $"{path}.http.maxRequestsPerConnection", http.MaxRequestsPerConnection);
            Positive(f, $"{path}.http.maxRetries", http.MaxRetries);
            CommonRules.Duration(f, $"{path}.http.idleTimeout", http.IdleTimeout);
        }
    }

    private static void Outlier(Findings f, string path, OutlierDetection? outlier)
    {
        if (outlier is null)
        {
            return;
        }

        NotNegative(f, $"{path}.consecutive5xxErrors", outlier.Consecutive5xxErrors);
        NotNegative(f, $"{path}.consecutiveGatewayErrors", outlier.ConsecutiveGatewayErrors);
        CommonRules.Duration(f, $"{path}.interval", outlier.Interval);
        CommonRules.Duration(f, $"{path}.baseEjectionTime", outlier.BaseEjectionTime);
        Percentage(f, $"{path}.maxEjectionPercent", outlier.MaxEjectionPercent);
        Percentage(f, $"{path}.minHealthPercent", outlier.MinHealthPercent);
    }

    private static void Positive(Findings f, string path, int? value)
    {
        if (value is <= 0)
        {
            f.Add(path, CommonRules.Text(value.Value), "must be greater than 0");
        }
    }

    private static void NotNegative(Findings f, string path, int? value)
    {
        if (value is < 0)
        {
            f.Add(path, CommonRules.Text(value.Value), "must not be negative");
        }
    }

    private static void Percentage(Findings f, string path, int? value)
    {
        if (value is < 0 or > 100)
        {
            f.Add(path, CommonRules.Text(value.Value), "must be a percentage in [0, 100]");
        }
    }
}
