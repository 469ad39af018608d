using System.Globalization;

namespace Mesh.SidecarBench;

/// <summary>What Linux says about a process and the machine, read from /proc.</summary>
public static class ProcFs
{
    // USER_HZ: /proc/PID/stat counts CPU time in these ticks on every Linux ABI .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>User + system CPU seconds of a process (0 once it is gone).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = Read($"/proc/{pid}/stat");
        if (stat is null) return 0;
        // Fields after the command name, which may itself hold spaces and parentheses.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>VmRSS in bytes (0 once the process is gone).</summary>
    public static long Rss(int pid) => Kilobytes(Read($"/proc/{pid}/status"), "VmRSS") * 1024;

    /// <summary>
    /// Proportional set size in bytes: shared pages divided among the processes sharing them, so
    /// nginx's master and worker can be summed without counting their shared pages twice.
    /// </summary>
    public static long Pss(int pid) => Kilobytes(Read($"/proc/{pid}/smaps_rollup"), "Pss") * 1024;

    /// <summary>The direct children of a process (nginx's workers under its master).</summary>
    public static IReadOnlyList<int> Children(int pid)
    {
        var text = Read($"/proc/{pid}/task/{pid}/children");
        return text is null ? [] : text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
    }

    public static string LoadAverage() => string.Join(' ', (Read("/proc/loadavg") ?? "? ? ?").Split(' ').Take(3));

    public static double LoadAverage1() =>
        double.TryParse((Read("/proc/loadavg") ?? "").Split(' ')[0], CultureInfo.InvariantCulture, out var load) ? load : double.NaN;

    public static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) is { } line
            ? line[(line.IndexOf(':') + 1)..].Trim() : "unknown";

    private static long Kilobytes(string? text, string field)
    {
        if (text is null) return 0;
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
            return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return 0;
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
