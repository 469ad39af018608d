using Mesh.Api.Model;
using Mesh.Proxy.Health;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Proxy.Tests.Health;

/// <summary>
/// The probe loop on a fake clock. Without a synchronization context and with checks completed
/// inline, each Advance runs the loop up to its next timer before returning, so every step is
/// observed deterministically.
/// </summary>
public sealed class ReadinessProberTests
{
    private static ReadinessProbe Probe(int initialDelay, int period = 10, int timeout = 1, int success = 1, int failure = 2) =>
        new(initialDelay, timeout, period, success, failure, null, new TcpProbe(null, 1), null);

    /// <summary>A check the test answers attempt by attempt; a timed-out attempt answers itself.</summary>
    private sealed class ScriptedCheck
    {
        public Queue<TaskCompletionSource<ProbeResult>> Attempts { get; } = new();

        public Task<ProbeResult> RunAsync(ReadinessProbe probe, CancellationToken cancel)
        {
            var attempt = new TaskCompletionSource<ProbeResult>();
            cancel.Register(() => attempt.TrySetResult(new ProbeResult(false, "timed out")));
            Attempts.Enqueue(attempt);
            return attempt.Task;
        }

        public TaskCompletionSource<ProbeResult> Next() =>
            Attempts.TryDequeue(out var attempt) ? attempt : throw new Xunit.Sdk.XunitException("expected a probe attempt");
    }

    private sealed record Setup(FakeTimeProvider Time, ScriptedCheck Check, List<WorkloadHealth> Changes, CancellationTokenSource Stop, Task Run);

    private static Setup Start(ReadinessProbe probe)
    {
        SynchronizationContext.SetSynchronizationContext(null);
        var time = new FakeTimeProvider();
        var check = new ScriptedCheck();
        var state = new WorkloadHealthState();
        var changes = new List<WorkloadHealth>();
        state.Changed += changes.Add;
        var stop = new CancellationTokenSource();
        var prober = new ReadinessProber(probe, check.RunAsync, state, time, NullLogger<ReadinessProber>.Instance);
        return new Setup(time, check, changes, stop, prober.RunAsync(stop.Token));
    }

    [Fact]
    public async Task Run_InitialDelayThenPeriod_AttemptsOnlyWhenDue()
    {
        var s = Start(Probe(initialDelay: 5));

        s.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(s.Check.Attempts);
        s.Time.Advance(TimeSpan.FromSeconds(1));
        s.Check.Next().SetResult(ProbeResult.Ok);
        Assert.Equal([new WorkloadHealth(true, null)], s.Changes);

        s.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(s.Check.Attempts);
        s.Time.Advance(TimeSpan.FromSeconds(1));
        s.Check.Next().SetResult(ProbeResult.Ok);
        Assert.Single(s.Changes);

        await s.Stop.CancelAsync();
        await s.Run;
    }

    [Fact]
    public async Task Run_TimeoutsUpToFailureThreshold_UnhealthyThenRecovers()
    {
        var s = Start(Probe(initialDelay: 0, failure: 2));
        s.Check.Next().SetResult(ProbeResult.Ok);

        s.Time.Advance(TimeSpan.FromSeconds(10));
        s.Check.Next();
        s.Time.Advance(TimeSpan.FromSeconds(1)); // timeoutSeconds: the attempt is cancelled and counts as a failure
        Assert.Single(s.Changes);
        s.Time.Advance(TimeSpan.FromSeconds(10));
        s.Check.Next();
        s.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new WorkloadHealth(false, "timed out"), s.Changes[^1]);

        s.Time.Advance(TimeSpan.FromSeconds(10));
        s.Check.Next().SetResult(ProbeResult.Ok);
        Assert.Equal([true, false, true], s.Changes.Select(c => c.Healthy));

        await s.Stop.CancelAsync();
        await s.Run;
    }
}
