using System.Globalization;

namespace Mesh.XdsLoad;

/// <summary>After runs in several push modes: each mode's figures over incremental's, for the lines that differ between them.</summary>
public static class ModeComparison
{
    public static void Print(IReadOnlyList<LoadReport> reports, TextWriter o)
    {
        var baseline = reports.FirstOrDefault(r => r.PushMode == "incremental");
        if (baseline is null) return;
        foreach (var report in reports.Where(r => r != baseline))
        {
            var parts = new List<string>
            {
                Ratio("edit convergence (every proxy ACKed) p50", Edit(report, 50), Edit(baseline, 50)),
                Ratio("p99", Edit(report, 99), Edit(baseline, 99)),
                Ratio("silo CPU per edit", PerChange(report.EditsPhase?.SiloTotal?.TotalMilliseconds, report.Edits.Count), PerChange(baseline.EditsPhase?.SiloTotal?.TotalMilliseconds, baseline.Edits.Count)),
                Ratio("bytes per edit", PerChange(report.EditsPhase?.Bytes, report.Edits.Count), PerChange(baseline.EditsPhase?.Bytes, baseline.Edits.Count)),
            };
            if (report.Churn is not null && baseline.Churn is not null)
            {
                parts.Add(Ratio("churn convergence p50", Churn(report, 50), Churn(baseline, 50)));
                parts.Add(Ratio("p99", Churn(report, 99), Churn(baseline, 99)));
                parts.Add(Ratio("silo CPU per churn change", PerChange(report.ChurnPhase?.SiloTotal?.TotalMilliseconds, report.Churn.Changes.Count), PerChange(baseline.ChurnPhase?.SiloTotal?.TotalMilliseconds, baseline.Churn.Changes.Count)));
                parts.Add(Ratio("bytes per churn change", PerChange(report.ChurnPhase?.Bytes, report.Churn.Changes.Count), PerChange(baseline.ChurnPhase?.Bytes, baseline.Churn.Changes.Count)));
            }
            o.WriteLine($"{report.PushMode} / incremental: {string.Join(", ", parts)}");
        }
    }

    private static double? Edit(LoadReport r, double p) =>
        r.Edits.Count == 0 ? null : LoadReport.Percentile([.. r.Edits.Select(e => e.ToLastAck).Order()], p).TotalMilliseconds;

    private static double? Churn(LoadReport r, double p)
    {
        var done = r.Churn!.Converged.Select(c => c.ToLastAck).Order().ToList();
        return done.Count == 0 ? null : LoadReport.Percentile(done, p).TotalMilliseconds;
    }

    private static double? PerChange(double? total, int changes) => total is { } t && changes > 0 ? t / changes : null;

    private static string Ratio(string what, double? mode, double? incremental) =>
        mode is { } m && incremental is { } i && i > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{what} {m / i:0.00}x")
            : $"{what} n/a";
}
