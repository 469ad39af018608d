namespace Mesh.Proxy.Tests.Interception;

/// <summary>
/// A test that needs its own network namespaces and iptables: it runs as root with ip, iptables,
/// setpriv and curl on the PATH, and is skipped with the reason otherwise.
/// </summary>
public sealed class NetnsFactAttribute : FactAttribute
{
    public NetnsFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "transparent interception needs Linux netfilter";
        else if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root" && !IsRoot())
            Skip = "transparent interception tests create network namespaces and iptables rules: run as root";
        else if (new[] { "ip", "iptables", "iptables-restore", "setpriv", "curl" }.FirstOrDefault(t => Commands.Which(t) is null) is { } missing)
            Skip = $"'{missing}' is not installed (Debian packages iproute2, iptables, util-linux, curl)";
    }

    private static bool IsRoot() =>
        File.Exists("/proc/self/status")
        && File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal)) is { } line
        && line.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == "0";
}
