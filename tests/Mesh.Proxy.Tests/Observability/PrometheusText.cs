using System.Globalization;

namespace Mesh.Proxy.Tests.Observability;

/// <summary>Reads Prometheus' text exposition: the sum of a metric's series whose labels include the given pairs.</summary>
public static class PrometheusText
{
    public static double Sum(string scrape, string metric, params (string Name, string Value)[] labels)
    {
        var total = 0.0;
        foreach (var line in scrape.Split('\n'))
        {
            if (!line.StartsWith(metric + "{", StringComparison.Ordinal) && !line.StartsWith(metric + " ", StringComparison.Ordinal)) continue;
            if (!labels.All(l => line.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal))) continue;
            total += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return total;
    }

    /// <summary>The label sets (one line each) of a metric's series matching the given pairs, for failure messages.</summary>
    public static IEnumerable<string> Series(string scrape, string metric, params (string Name, string Value)[] labels) =>
        scrape.Split('\n').Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal)
            && labels.All(l => line.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal)));
}
