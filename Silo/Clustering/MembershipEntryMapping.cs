using System.Globalization;
using Orleans;
using Orleans.Runtime;

namespace Mesh.Silo.Clustering;

/// <summary>Orleans' MembershipEntry to and from the MeshSilo spec.</summary>
internal static class MembershipEntryMapping
{
    public static MeshSiloSpec ToSpec(string clusterId, MembershipEntry entry, string etag) => new()
    {
        ClusterId = clusterId,
        SiloAddress = entry.SiloAddress.ToParsableString(),
        Status = entry.Status.ToString(),
        Etag = etag,
        HostName = entry.HostName,
        SiloName = entry.SiloName,
        RoleName = entry.RoleName,
        ProxyPort = entry.ProxyPort,
        UpdateZone = entry.UpdateZone,
        FaultZone = entry.FaultZone,
        StartTime = Format(entry.StartTime),
        IAmAliveTime = Format(entry.IAmAliveTime),
        SuspectTimes = entry.SuspectTimes?.Select(v => new SuspectVote(v.Item1.ToParsableString(), Format(v.Item2))).ToList(),
    };

    /// <summary>The entry a spec holds, or null when the spec is damaged (a field unreadable).</summary>
    public static MembershipEntry? ToEntry(MeshSiloSpec spec)
    {
        try
        {
            if (!Enum.TryParse<SiloStatus>(spec.Status, ignoreCase: false, out var status) || !Enum.IsDefined(status)) return null;
            return new MembershipEntry
            {
                SiloAddress = SiloAddress.FromParsableString(spec.SiloAddress),
                Status = status,
                HostName = spec.HostName ?? "",
                SiloName = spec.SiloName ?? "",
                RoleName = spec.RoleName,
                ProxyPort = spec.ProxyPort,
                UpdateZone = spec.UpdateZone,
                FaultZone = spec.FaultZone,
                StartTime = Parse(spec.StartTime),
                IAmAliveTime = Parse(spec.IAmAliveTime),
                SuspectTimes = spec.SuspectTimes?.Select(v => Tuple.Create(SiloAddress.FromParsableString(v.Silo), Parse(v.Time))).ToList(),
            };
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>
    /// The last time the row's silo or anyone judging it wrote: its start, its heartbeat, or a
    /// suspicion vote. A dead row is defunct only when all of these are older than the cut-off.
    /// </summary>
    public static DateTime LastUpdate(MembershipEntry entry)
    {
        var last = Max(Utc(entry.StartTime), Utc(entry.IAmAliveTime));
        foreach (var vote in entry.SuspectTimes ?? []) last = Max(last, Utc(vote.Item2));
        return last;
    }

    public static string Format(DateTime time) => Utc(time).ToString("O", CultureInfo.InvariantCulture);

    /// <summary>A stored time, or null when it does not parse.</summary>
    public static DateTime? TryParseTime(string? text) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    private static DateTime Parse(string text) =>
        DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    // Orleans fills these from UTC clocks but does not always mark the kind.
    private static DateTime Utc(DateTime time) => time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc);

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;
}
