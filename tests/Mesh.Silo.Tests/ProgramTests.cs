using System.Diagnostics;

namespace Mesh.Silo.Tests;

/// <summary>The silo process itself: how it refuses to start.</summary>
public sealed class ProgramTests
{
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunSiloAsync(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Mesh.Silo.dll");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the silo");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the silo did not exit within 60 s: " + await stderr);
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Main_KubeconfigThatDoesNotLoad_ExitsWith2NamingTheFlagAndTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-program-").FullName;
        try
        {
            var kubeconfig = Path.Combine(dir, "kubeconfig");
            File.WriteAllText(kubeconfig, "this is: [not, a kubeconfig");

            var (exitCode, stdout, stderr) = await RunSiloAsync("--config-dir", Path.Combine(dir, "config"), "--kubeconfig", kubeconfig);

            Assert.Equal(2, exitCode);
            Assert.StartsWith($"mesh silo: --kubeconfig {kubeconfig}: cannot load the kubeconfig: not a kubeconfig (line ", stderr);
            Assert.DoesNotContain("   at ", stderr + stdout);
            Assert.DoesNotContain("Exception", stderr + stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
