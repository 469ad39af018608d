using Mesh.Api.Yaml;

namespace Mesh.Api.Tests.Yaml;

public class IstioDurationTests
{
    [Theory]
    [InlineData("1s", 1_000)]
    [InlineData("0.5s", 500)]
    [InlineData("2.5s", 2_500)]
    [InlineData("100ms", 100)]
    [InlineData("1m", 60_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5m", 90_000)]
    [InlineData(".25s", 250)]
    [InlineData("0", 0)]
    [InlineData("-1s", -1_000)]
    public void TryParse_IstioSpellings(string text, double milliseconds)
    {
        Assert.True(IstioDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("1000us", 10_000)]
    [InlineData("1500ns", 15)]
    public void TryParse_SubMillisecondUnits(string text, long ticks)
    {
        Assert.True(IstioDuration.TryParse(text, out var value));
        Assert.Equal(ticks, value.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("s")]
    [InlineData("1d")]
    [InlineData("1 s")]
    [InlineData("1s2")]
    [InlineData("1.2.3s")]
    [InlineData("99999999999999999999h")]
    public void TryParse_RejectsInvalid(string text) => Assert.False(IstioDuration.TryParse(text, out _));

    [Theory]
    [InlineData(3_600_000, "1h")]
    [InlineData(90_000, "90s")]
    [InlineData(120_000, "2m")]
    [InlineData(100, "100ms")]
    [InlineData(0.5, "0.5ms")]
    [InlineData(1500.25, "1.50025s")]
    [InlineData(0, "0s")]
    public void Format_ShortestExactSpelling(double milliseconds, string expected) =>
        Assert.Equal(expected, IstioDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));
}
