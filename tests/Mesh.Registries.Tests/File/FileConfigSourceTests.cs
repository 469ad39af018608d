using Mesh.Api.Model;
using Mesh.Registries.Config;
using Mesh.Registries.File;
using Mesh.Registries.Tests.Kubernetes;
using Mesh.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Registries.Tests.File;

/// <summary>The watched directory on a real file system; time is fake, so the settle and the poll happen only when a test moves it.</summary>
public sealed class FileConfigSourceTests : IAsyncLifetime
{
    private static readonly TimeSpan Poll = TimeSpan.FromHours(1);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-filesource-").FullName;
    private readonly PendingTimersTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ConfigFeed _feed = new();
    private ConfigAggregator _aggregator = null!;
    private FileConfigSource _source = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync()
    {
        var options = new FileSourceOptions(_dir, Poll);
        _aggregator = new ConfigAggregator([new ConfigSourceSpec(options.SourceName)], new RecordingUpdater(), _feed, _time,
            NullLogger<ConfigAggregator>.Instance);
        _source = new FileConfigSource(options, _aggregator, _time, NullLogger<FileConfigSource>.Instance);
        await _source.StartAsync(CancellationToken.None);
        await Until(() => _aggregator.Status.Loaded, "the directory was not loaded");
    }

    public async Task DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.StopAsync(CancellationToken.None);
            _source.Dispose();
        }
        Directory.Delete(_dir, recursive: true);
    }

    private static string Entry(string name, string address) => EntryYaml.Entry(name, address: address);

    private string? Served(string name) =>
        _feed.Current.ServiceEntries.FirstOrDefault(e => e.Meta.Name == name)?.Spec.Endpoints.Single().Address;

    /// <summary>As an operator's tool writes atomically: a dot-file, renamed over the target.</summary>
    private void RenameIntoPlace(string relative, string text)
    {
        var target = Path.Combine(_dir, relative);
        var temp = Path.Combine(Path.GetDirectoryName(target)!, "." + Path.GetFileName(target) + ".tmp");
        System.IO.File.WriteAllText(temp, text);
        System.IO.File.Move(temp, target, overwrite: true);
    }

    private static async Task Until(Func<bool> condition, string failure)
    {
        using var cancel = new CancellationTokenSource(Wait);
        while (!condition())
        {
            if (cancel.IsCancellationRequested) Assert.Fail(failure);
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task ExecuteAsync_FileRenamedIntoPlace_ReadsThatFileAloneWithoutWaitingToSettle()
    {
        for (var i = 0; i < 40; i++) System.IO.File.WriteAllText(Path.Combine(_dir, $"entry-{i:D2}.yaml"), Entry($"e{i:D2}", $"10.0.0.{i + 1}"));
        await StartAsync();
        Assert.Equal(40, _source.FilesRead);
        Assert.Equal("10.0.0.8", Served("e07"));

        // Fake time never moves in this test: neither the settle nor the poll can be what reads it.
        RenameIntoPlace("entry-07.yaml", Entry("e07", "10.9.9.9"));

        await Until(() => Served("e07") == "10.9.9.9", "the renamed file was not served");
        Assert.Equal(41, _source.FilesRead);
        Assert.Equal(40, _feed.Current.ServiceEntries.Count);
    }

    [Fact]
    public async Task ExecuteAsync_FileWrittenInPlace_IsReadAfterTheSettle()
    {
        var path = Path.Combine(_dir, "a.yaml");
        System.IO.File.WriteAllText(path, Entry("a", "10.0.0.1"));
        await StartAsync();

        System.IO.File.WriteAllText(path, Entry("a", "10.0.0.2"));

        // The source is waiting for the writer to finish; until the settle passes it has not read.
        await Until(() => _time.Pending.Contains(FileConfigSource.Settle), "the source did not wait to settle after an in-place write");
        Assert.Equal("10.0.0.1", Served("a"));
        Assert.Equal(1, _source.FilesRead);
        _time.Advance(FileConfigSource.Settle);
        await Until(() => Served("a") == "10.0.0.2", "the rewritten file was not served after the settle");
        Assert.Equal(2, _source.FilesRead);
    }

    [Fact]
    public async Task ExecuteAsync_FileDeleted_WithdrawsItsObjects()
    {
        System.IO.File.WriteAllText(Path.Combine(_dir, "a.yaml"), Entry("a", "10.0.0.1"));
        System.IO.File.WriteAllText(Path.Combine(_dir, "b.yaml"), Entry("b", "10.0.0.2"));
        await StartAsync();

        System.IO.File.Delete(Path.Combine(_dir, "a.yaml"));

        await Until(() => Served("a") is null, "the deleted file's entry was still served");
        Assert.Equal("10.0.0.2", Served("b"));
        Assert.Equal(2, _source.FilesRead);
    }

    [Fact]
    public async Task ExecuteAsync_ConfigMapDataSwap_RereadsTheDirectory()
    {
        // A mounted ConfigMap: visible links into "..data", itself a link to a timestamped directory
        // that the kubelet replaces by renaming a new link over "..data". No event names a visible file.
        Directory.CreateDirectory(Path.Combine(_dir, "..2026_01_01_v1"));
        System.IO.File.WriteAllText(Path.Combine(_dir, "..2026_01_01_v1", "a.yaml"), Entry("a", "10.0.0.1"));
        System.IO.File.CreateSymbolicLink(Path.Combine(_dir, "..data"), "..2026_01_01_v1");
        System.IO.File.CreateSymbolicLink(Path.Combine(_dir, "a.yaml"), Path.Combine("..data", "a.yaml"));
        await StartAsync();
        Assert.Equal("10.0.0.1", Served("a"));

        Directory.CreateDirectory(Path.Combine(_dir, "..2026_01_01_v2"));
        System.IO.File.WriteAllText(Path.Combine(_dir, "..2026_01_01_v2", "a.yaml"), Entry("a", "10.0.0.2"));
        System.IO.File.CreateSymbolicLink(Path.Combine(_dir, "..data_tmp"), "..2026_01_01_v2");
        // rename(2) of the link over the old one, as the kubelet does (File.Move will not move a link to a directory).
        using (var mv = System.Diagnostics.Process.Start("mv", ["-Tf", Path.Combine(_dir, "..data_tmp"), Path.Combine(_dir, "..data")]))
        {
            await mv.WaitForExitAsync();
            Assert.Equal(0, mv.ExitCode);
        }

        await Until(() => Served("a") == "10.0.0.2", "the ConfigMap's new data was not served");
    }

    [Fact]
    public async Task ExecuteAsync_DirectoryMovedIn_ReadsWhatItHolds()
    {
        System.IO.File.WriteAllText(Path.Combine(_dir, "a.yaml"), Entry("a", "10.0.0.1"));
        await StartAsync();
        var outside = Directory.CreateTempSubdirectory("mesh-filesource-team-").FullName;
        System.IO.File.WriteAllText(Path.Combine(outside, "b.yaml"), Entry("b", "10.0.0.2"));

        Directory.Move(outside, Path.Combine(_dir, "team"));

        // No event names team/b.yaml: a directory appeared (it could be a copy still being written),
        // so the source lets it settle and then reads the whole tree.
        await Until(() => _time.Pending.Contains(FileConfigSource.Settle), "the source did not wait to settle after a directory appeared");
        _time.Advance(FileConfigSource.Settle);
        await Until(() => Served("b") == "10.0.0.2", "the moved-in directory's file was not served");
        Assert.Equal("10.0.0.1", Served("a"));
    }

    [Fact]
    public async Task ExecuteAsync_DotFileWritten_ReadsNothing()
    {
        System.IO.File.WriteAllText(Path.Combine(_dir, "a.yaml"), Entry("a", "10.0.0.1"));
        await StartAsync();

        System.IO.File.WriteAllText(Path.Combine(_dir, ".a.yaml.swp"), "not yaml at all: [");
        // Something the source must act on, after the swap file: once it is served, the swap file's events were handled too.
        RenameIntoPlace("b.yaml", Entry("b", "10.0.0.2"));

        await Until(() => Served("b") == "10.0.0.2", "the renamed file was not served");
        Assert.Equal(2, _source.FilesRead);
        Assert.Empty(_aggregator.Status.Rejected);
    }
}
