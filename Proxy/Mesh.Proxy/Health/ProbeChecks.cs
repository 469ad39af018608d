using System.Diagnostics;
using System.Net.Sockets;
using Mesh.Api.Model;

namespace Mesh.Proxy.Health;

/// <summary>
/// One attempt of a WorkloadGroup probe, as the kubelet runs it: httpGet succeeds on a status in
/// [200, 400), tcpSocket when a connection opens, exec when the command exits 0. Hosts default to
/// 127.0.0.1: the probe runs on the VM, next to the workload.
/// </summary>
public sealed class ProbeChecks(HttpClient http)
{
    public Task<ProbeResult> RunAsync(ReadinessProbe probe, CancellationToken timeout) => probe switch
    {
        { HttpGet: { } get } => HttpAsync(get, timeout),
        { TcpSocket: { } tcp } => TcpAsync(tcp, timeout),
        { Exec: { } exec } => ExecAsync(exec, timeout),
        _ => Task.FromResult(ProbeResult.Ok),
    };

    private async Task<ProbeResult> HttpAsync(HttpProbe get, CancellationToken timeout)
    {
        var scheme = get.Scheme.Equals("HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
        var path = get.Path.StartsWith('/') ? get.Path : "/" + get.Path;
        var url = $"{scheme}://{Host(get.Host)}:{get.Port}{path}";
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var (name, value) in get.Headers)
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase)) request.Headers.Host = value;
            else request.Headers.TryAddWithoutValidation(name, value);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout);
            var status = (int)response.StatusCode;
            return status is >= 200 and < 400 ? ProbeResult.Ok : new ProbeResult(false, $"HTTP probe failed with statuscode: {status}");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new ProbeResult(false, $"HTTP probe of {url} timed out");
        }
        catch (HttpRequestException e)
        {
            return new ProbeResult(false, $"HTTP probe of {url} failed: {e.Message}");
        }
    }

    private static async Task<ProbeResult> TcpAsync(TcpProbe tcp, CancellationToken timeout)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(Host(tcp.Host), (int)tcp.Port, timeout);
            return ProbeResult.Ok;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new ProbeResult(false, $"TCP probe of {Host(tcp.Host)}:{tcp.Port} timed out");
        }
        catch (SocketException e)
        {
            return new ProbeResult(false, $"TCP probe of {Host(tcp.Host)}:{tcp.Port} failed: {e.Message}");
        }
    }

    private static async Task<ProbeResult> ExecAsync(ExecProbe exec, CancellationToken timeout)
    {
        if (exec.Command.Count == 0) return new ProbeResult(false, "exec probe has no command");
        var start = new ProcessStartInfo(exec.Command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in exec.Command.Skip(1)) start.ArgumentList.Add(arg);
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new ProbeResult(false, $"exec probe could not start {exec.Command[0]}: {e.Message}");
        }
        // Drain both pipes, or a chatty command blocks on a full pipe and looks hung.
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(timeout);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            return new ProbeResult(false, $"exec probe {exec.Command[0]} timed out");
        }
        await Task.WhenAll(stdout, stderr);
        if (process.ExitCode == 0) return ProbeResult.Ok;
        var output = (await stderr).Trim() is { Length: > 0 } err ? err : (await stdout).Trim();
        return new ProbeResult(false, $"exec probe {exec.Command[0]} exited with {process.ExitCode}{(output.Length > 0 ? ": " + Truncate(output) : "")}");
    }

    private static string Host(string? host) => string.IsNullOrEmpty(host) ? "127.0.0.1" : host;

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200];
}
