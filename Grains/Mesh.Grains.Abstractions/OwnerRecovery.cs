namespace Mesh.Grains.Abstractions;

/// <summary>
/// How grains holding registry-derived state get it back when they are activated anew (their silo
/// died, or the directory lost them): they ask the registry owner for what it last published. A
/// silo registers this; without it (grain tests with no registries) a new activation starts empty.
/// </summary>
public sealed class OwnerRecovery
{
    /// <summary>How long one ask may take: the owner may be on a silo that just died.</summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How often a grain that could not get its state asks again.</summary>
    public TimeSpan RetryEvery { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Asks the owner; null when there is no owner, it is not synced yet, or it does not answer in
    /// time: the caller keeps what it has, tells nobody, and asks again.
    /// </summary>
    public async Task<T?> AskAsync<T>(IGrainFactory grains, Func<IRegistryOwner, Task<T?>> ask) where T : class
    {
        try
        {
            var lease = await grains.GetGrain<IRegistryLeaseGrain>(IRegistryLeaseGrain.Key).GetAsync().WaitAsync(AskTimeout);
            if (lease.Owner is null) return null;
            return await ask(lease.Owner).WaitAsync(AskTimeout);
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>
    /// Tries to recover now; when that fails, again every <see cref="RetryEvery"/> (a grain timer,
    /// not interleaved with the grain's calls) until it succeeds, then runs <paramref name="recovered"/>.
    /// </summary>
    /// <returns>Whether the first try recovered.</returns>
    public async Task<bool> RecoverAsync(IGrainBase grain, Func<Task<bool>> tryRecover, Func<Task> recovered)
    {
        if (await tryRecover()) return true;
        IGrainTimer? timer = null;
        timer = grain.RegisterGrainTimer(async _ =>
        {
            if (!await tryRecover()) return;
            timer?.Dispose();
            await recovered();
        }, new GrainTimerCreationOptions(RetryEvery, RetryEvery) { Interleave = false });
        return false;
    }
}
