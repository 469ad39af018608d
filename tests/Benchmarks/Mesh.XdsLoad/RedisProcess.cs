using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Mesh.XdsLoad;

/// <summary>A redis-server on a free loopback port for a multi-silo run, keeping nothing on disk.</summary>
public sealed class RedisProcess : IDisposable
{
    private readonly Process _process;

    private RedisProcess(Process process, int port)
    {
        _process = process;
        Address = $"127.0.0.1:{port}";
    }

    public string Address { get; }

    public static async Task<RedisProcess> StartAsync()
    {
        var port = SiloProcess.FreeLoopbackPorts(1)[0];
        var info = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
            info.ArgumentList.Add(arg);
        Process process;
        try { process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start"); }
        catch (System.ComponentModel.Win32Exception) { throw new InvalidOperationException("--silos > 1 needs --redis HOST:PORT or redis-server on PATH"); }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return new RedisProcess(process, port);
            }
            catch (SocketException) { await Task.Delay(50); }
        }
        process.Kill();
        throw new InvalidOperationException($"redis-server did not listen on {port}");
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.Dispose();
    }
}
