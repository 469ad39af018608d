using System.Runtime.CompilerServices;
using Mesh.Api.Model;

namespace Mesh.Registries.Config;

/// <summary>The one place the served config is published for readers (<see cref="IConfigView"/>).</summary>
public sealed class ConfigFeed : IConfigView
{
    private readonly Lock _gate = new();
    private MeshConfig _current = MeshConfig.Empty;
    private bool _loaded;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MeshConfig Current
    {
        get { lock (_gate) return _current; }
    }

    /// <summary>Makes <paramref name="config"/> the served config and wakes every watcher.</summary>
    public void Publish(MeshConfig config)
    {
        TaskCompletionSource woken;
        lock (_gate)
        {
            _current = config;
            _loaded = true;
            woken = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        woken.SetResult();
    }

    public async IAsyncEnumerable<MeshConfig> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        MeshConfig? seen = null;
        while (true)
        {
            MeshConfig current;
            bool loaded;
            Task next;
            lock (_gate)
            {
                current = _current;
                loaded = _loaded;
                next = _next.Task;
            }
            if (loaded && !ReferenceEquals(current, seen))
            {
                seen = current;
                yield return current;
            }
            await next.WaitAsync(cancellationToken);
        }
    }
}
