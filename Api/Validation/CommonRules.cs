using System.Globalization;
using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Api.Validation;

/// <summary>Checks shared by several kinds. Each takes the field path of the value it checks.</summary>
internal static class CommonRules
{
    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Istio's ValidateDuration: at least 1ms, and whole milliseconds since Envoy drops the rest.</summary>
    public static void Duration(Findings f, string path, TimeSpan? value)
    {
        if (value is not { } d)
        {
            return;
        }

        if (d < TimeSpan.FromMilliseconds(1))
        {
            f.Add(path, IstioDuration.Format(d), "duration must be at least 1ms");
        }
        else if (d.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            f.Add(path, IstioDuration.Format(d), "duration must be a whole number of milliseconds");
        }
    }

    public static void Percent(Findings f, string path, Percent? value, string what)
    {
        if (value is { } p && p.Value is < 0 or > 100)
        {
            f.Add(FieldPaths.Field(path, "value"), Text(p.Value), $"{what} must be in [0, 100]");
        }
    }

    public static void Port(Findings f, string path, uint? port)
    {
        if (port is { } p && p is < 1 or > 65535)
        {
            f.Add(path, Text(p), "port must be in [1, 65535]");
        }
    }

    public static void Labels(Findings f, string path, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in labels)
        {
            var keyPath = FieldPaths.Key(path, key);
            if (Syntax.LabelKeyProblem(key) is { } problem)
            {
                f.Add(keyPath, key, problem);
            }

            if (!Syntax.IsLabelValue(value))
            {
                f.Add(keyPath, value, "label value must be at most 63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
            }
        }
    }

    /// <summary>Istio's exportTo: "." (own namespace), "*" (all), "~" (none) or a namespace name.</summary>
    public static void ExportTo(Findings f, string path, IReadOnlyList<string> exportTo)
    {
        for (var i = 0; i < exportTo.Count; i++)
        {
            var value = exportTo[i];
            if (value is not ("." or "*" or "~") && !Syntax.IsDns1123Label(value))
            {
                f.Add(FieldPaths.Index(path, i), value, "exportTo entries must be \".\", \"*\", \"~\" or a namespace name");
            }
        }

        if (exportTo.Count > 1 && exportTo.Contains("~"))
        {
            f.Add(path, string.Join(",", exportTo), "\"~\" (export to no namespace) cannot be combined with other entries");
        }
    }

    public static void Selector(Findings f, string path, WorkloadSelector? selector)
    {
        if (selector is not null)
        {
            Labels(f, FieldPaths.Field(path, "labels"), selector.MatchLabels);
        }
    }

    /// <summary>A route, mirror or redirect destination: a host (not "*"), maybe a subset and a port.</summary>
    public static void Destination(Findings f, string path, Destination destination)
    {
        var hostPath = FieldPaths.Field(path, "host");
        if (destination.Host.Length == 0)
        {
            f.Add(hostPath, null, "host is required");
        }
        else if (destination.Host == "*")
        {
            f.Add(hostPath, destination.Host, "a destination host cannot be \"*\"");
        }
        else if (Syntax.WildcardDomainProblem(destination.Host) is { } problem)
        {
            f.Add(hostPath, destination.Host, problem);
        }

        if (destination.Subset is { } subset && !Syntax.IsDns1123Label(subset))
        {
            f.Add(FieldPaths.Field(path, "subset"), subset, "subset must be a DNS-1123 label (lowercase letters, digits, '-')");
        }

        if (destination.Port is { } port)
        {
            Port(f, FieldPaths.Field(path, "port.number"), port.Number);
        }
    }
}
