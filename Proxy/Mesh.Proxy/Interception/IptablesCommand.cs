using System.Diagnostics;

namespace Mesh.Proxy.Interception;

/// <summary>
/// `mesh-proxy iptables`: istio-init's job. Prints the rules (--dry-run), installs them with
/// iptables-restore in the current network namespace, or removes them (--cleanup).
/// </summary>
public static class IptablesCommand
{
    public static async Task<int> RunAsync(IptablesOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        if (options.DryRun)
        {
            if (options.Cleanup)
                foreach (var command in IptablesRules.CleanupCommands()) await output.WriteLineAsync("iptables " + string.Join(' ', command));
            else
            {
                await output.WriteAsync(IptablesRules.Build(options));
                foreach (var hook in IptablesRules.Hooks) await output.WriteLineAsync($"iptables {hook[0]} {hook[1]} -A {string.Join(' ', hook[2..])}");
            }
            return 0;
        }
        if (options.Cleanup)
        {
            // Missing chains are not an error: cleanup must be safe to run on a clean namespace.
            foreach (var command in IptablesRules.CleanupCommands()) await RunAsync("iptables", command, null, cancellationToken);
            return 0;
        }
        var restore = await RunAsync("iptables-restore", ["--noflush"], IptablesRules.Build(options), cancellationToken);
        if (restore.Code != 0)
        {
            await error.WriteLineAsync($"mesh-proxy iptables: iptables-restore failed ({restore.Code}): {restore.Error.Trim()}");
            return 1;
        }
        foreach (var hook in IptablesRules.Hooks)
        {
            if ((await RunAsync("iptables", [hook[0], hook[1], "-C", .. hook[2..]], null, cancellationToken)).Code == 0) continue;
            var add = await RunAsync("iptables", [hook[0], hook[1], "-A", .. hook[2..]], null, cancellationToken);
            if (add.Code != 0)
            {
                await error.WriteLineAsync($"mesh-proxy iptables: adding the {hook[2]} hook failed ({add.Code}): {add.Error.Trim()}");
                return 1;
            }
        }
        await output.WriteLineAsync($"mesh-proxy iptables: outbound TCP -> {options.OutboundPort}, inbound TCP -> {options.InboundPort}, exempt uid {options.ProxyUid} / gid {options.ProxyGid}");
        return 0;
    }

    private static async Task<(int Code, string Error)> RunAsync(string file, IReadOnlyList<string> args, string? input, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = input is not null,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, $"{file}: {e.Message}");
        }
        using (process)
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input);
                process.StandardInput.Close();
            }
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            _ = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, await stderr);
        }
    }
}
