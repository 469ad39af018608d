namespace Mesh.Interop.Tests.Infrastructure;

public static class Stats
{
    /// <summary>
    /// The range a Binomial(n, p) count falls in except with negligible probability: mean ± z·σ
    /// (normal approximation; with z = 5 a correct implementation fails about once in 1.7 million runs).
    /// </summary>
    public static (int Low, int High) BinomialRange(int n, double p, double z = 5)
    {
        var mean = n * p;
        var sigma = Math.Sqrt(n * p * (1 - p));
        return ((int)Math.Floor(mean - z * sigma), (int)Math.Ceiling(mean + z * sigma));
    }
}
