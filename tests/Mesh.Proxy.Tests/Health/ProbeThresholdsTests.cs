using Mesh.Proxy.Health;

namespace Mesh.Proxy.Tests.Health;

public sealed class ProbeThresholdsTests
{
    private static readonly ProbeResult Fail = new(false, "boom");

    [Theory]
    // successThreshold, failureThreshold, results (+ ok, - fail), expected changes (H healthy, U unhealthy, . none)
    [InlineData(1, 3, "+", "H")]
    [InlineData(1, 3, "--", "..")]
    [InlineData(1, 3, "---", "..U")]
    [InlineData(1, 3, "----", "..U.")]
    [InlineData(1, 3, "+--+", "H...")]
    [InlineData(1, 3, "+---+", "H..UH")]
    [InlineData(2, 1, "+-++", ".U.H")]
    [InlineData(3, 2, "++-+++", ".....H")]
    [InlineData(1, 1, "+-+-", "HUHU")]
    [InlineData(0, 0, "+-", "HU")]
    public void Observe_Sequence_ChangesOnlyAtThresholds(int success, int failure, string results, string expected)
    {
        var thresholds = new ProbeThresholds(success, failure);

        var changes = string.Concat(results.Select(r => thresholds.Observe(r == '+' ? ProbeResult.Ok : Fail) switch
        {
            null => '.',
            { Healthy: true } => 'H',
            _ => 'U',
        }));

        Assert.Equal(expected, changes);
    }

    [Fact]
    public void Observe_Failure_CarriesTheProbeMessage()
    {
        var change = new ProbeThresholds(1, 1).Observe(new ProbeResult(false, "HTTP probe failed with statuscode: 503"));

        Assert.Equal(new WorkloadHealth(false, "HTTP probe failed with statuscode: 503"), change);
    }
}
