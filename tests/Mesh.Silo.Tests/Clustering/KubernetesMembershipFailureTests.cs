using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using k8s;
using Mesh.Registries.Kubernetes;
using Mesh.Silo.Clustering;
using Mesh.Testing;
using Mesh.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Silo.Tests.Clustering;

/// <summary>An API server that is gone, silent or missing the CRDs: each call fails soon, saying why.</summary>
public sealed class KubernetesMembershipFailureTests
{
    [Fact]
    public async Task ReadAll_ApiServerDown_ThrowsUnreachableQuickly()
    {
        await using var api = await MembershipApi.StartAsync();
        var table = await api.InitializedTableAsync();
        await api.Server.DownAsync();

        var error = await Assert.ThrowsAsync<KubernetesMembershipException>(() => table.ReadAll().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("could not be reached", error.Message);
        Assert.Contains($"127.0.0.1:{api.Server.Port}", error.Message);
    }

    [Fact]
    public async Task InsertRow_ApiServerDown_ThrowsRatherThanReturningFalse()
    {
        await using var api = await MembershipApi.StartAsync();
        var table = await api.InitializedTableAsync();
        var version = (await table.ReadAll()).Version;
        await api.Server.DownAsync();

        await Assert.ThrowsAsync<KubernetesMembershipException>(() => table.InsertRow(MembershipApi.Entry(11111), version.Next()).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task ReadAll_ApiServerNeverAnswers_ThrowsAfterRequestTimeout()
    {
        await using var silent = SilentServer.Start();
        using var client = ClientFor(silent.Port);
        var timeout = TimeSpan.FromMilliseconds(300);
        var table = new KubernetesMembershipTable(new KubernetesMembershipOptions("mesh", "test") { RequestTimeout = timeout },
            client, TimeProvider.System, NullLogger<KubernetesMembershipTable>.Instance);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<KubernetesMembershipException>(() => table.ReadAll().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("did not answer", error.Message);
        // The timeout's timer and the stopwatch are different clocks: allow the timer's granularity (a run saw 299.94 ms).
        Assert.True(clock.Elapsed >= timeout - TimeSpan.FromMilliseconds(15), $"failed after {clock.Elapsed}, before the timeout");
    }

    [Fact]
    public async Task ReadAllAsync_CallerCancels_OperationCanceledNotMembershipError()
    {
        await using var silent = SilentServer.Start();
        using var client = ClientFor(silent.Port);
        var table = new KubernetesMembershipTable(new KubernetesMembershipOptions("mesh", "test") { RequestTimeout = TimeSpan.FromMinutes(5) },
            client, TimeProvider.System, NullLogger<KubernetesMembershipTable>.Instance);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => table.ReadAllAsync(cancel.Token).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task InitializeMembershipTable_CrdsNotInstalled_ThrowsNamingTheCrd()
    {
        await using var api = await MembershipApi.StartAsync(FakeResource.BuiltIn);
        var table = api.Table();

        var error = await Assert.ThrowsAsync<KubernetesMembershipException>(() => table.InitializeMembershipTable(tryInitTableVersion: true));

        Assert.Contains("404", error.Message);
        Assert.Contains("meshclusterversions.mesh.io", error.Message);
    }

    private static IKubernetes ClientFor(int port)
    {
        var directory = Directory.CreateTempSubdirectory("mesh-silent-").FullName;
        var path = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: silent
              cluster:
                server: http://127.0.0.1:{port}
            users:
            - name: silent
              user:
                token: t
            contexts:
            - name: silent
              context:
                cluster: silent
                user: silent
            current-context: silent
            """);
        return KubernetesClientFactory.Create(new KubernetesOptions(path));
    }

    /// <summary>Accepts connections on a loopback port and never answers: a hung API server, or a black-holing proxy.</summary>
    private sealed class SilentServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly List<TcpClient> _held = [];
        private readonly Task _accepting;

        private SilentServer(TcpListener listener)
        {
            _listener = listener;
            _accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static SilentServer Start()
        {
            var listener = new TcpListener(IPAddress.Loopback, FreePorts.Take(1)[0]);
            listener.Start();
            return new SilentServer(listener);
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var connection = await _listener.AcceptTcpClientAsync();
                    lock (_held) _held.Add(connection);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _accepting;
            lock (_held) foreach (var connection in _held) connection.Dispose();
        }
    }
}
