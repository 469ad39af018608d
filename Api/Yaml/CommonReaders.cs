using Mesh.Api.Model;
using YamlDotNet.RepresentationModel;

namespace Mesh.Api.Yaml;

/// <summary>Readers for the small messages several kinds share.</summary>
internal static class CommonReaders
{
    /// <summary>
    /// Istio's StringMatch. The model holds exactly one kind, so "none" and "several" are
    /// caught here; an empty match (Istio's header presence test) is not supported.
    /// </summary>
    public static StringMatch? StringMatch(MapReader map)
    {
        var exact = map.String("exact");
        var prefix = map.String("prefix");
        var regex = map.String("regex");
        var set = new[] { exact, prefix, regex }.Count(v => v is not null);
        if (set != 1)
        {
            map.Context.Error(map.Path, map.Node, null, set == 0
                ? "exactly one of exact, prefix, regex is required"
                : "only one of exact, prefix, regex may be set");
            return null;
        }

        return exact is not null ? new StringMatch(StringMatchKind.Exact, exact)
            : prefix is not null ? new StringMatch(StringMatchKind.Prefix, prefix)
            : new StringMatch(StringMatchKind.Regex, regex!);
    }

    public static StringMatch? StringMatch(ReadContext ctx, YamlNode node, string path)
    {
        if (YamlNodes.IsNull(node))
        {
            ctx.Error(path, node, null, "exactly one of exact, prefix, regex is required");
            return null;
        }

        var map = MapReader.Open(ctx, node, path);
        if (map is null)
        {
            return null;
        }

        var match = StringMatch(map);
        map.Finish();
        return match;
    }

    public static IReadOnlyDictionary<string, StringMatch> StringMatches(MapReader parent, string name) =>
        parent.Entries(name, (node, path) => StringMatch(parent.Context, node, path));

    public static Destination Destination(MapReader map)
    {
        var host = map.String("host", required: true) ?? "";
        var subset = map.String("subset");
        var port = map.Object("port", PortSelector);
        return new Destination(host, subset, port);
    }

    public static PortSelector PortSelector(MapReader map)
    {
        var number = map.UInt("number");
        if (number is null && !map.Has("number"))
        {
            map.Missing("number");
        }

        return new PortSelector(number ?? 0);
    }

    /// <summary>Istio's Percent message: <c>{value: 12.5}</c>; an empty one is 0, as in protobuf.</summary>
    public static Percent? Percent(MapReader parent, string name)
    {
        var map = parent.Map(name);
        if (map is null)
        {
            return null;
        }

        var value = map.Field("value") is { } node ? Scalars.Number(parent.Context, node, map.Child("value")) : 0;
        map.Finish();
        return value is null ? null : new Percent(value.Value);
    }

    public static WorkloadSelector WorkloadSelector(MapReader map) => new(map.StringMap("labels"));

    public static Headers Headers(MapReader map) =>
        new(map.Object("request", HeaderOperations), map.Object("response", HeaderOperations));

    public static HeaderOperations HeaderOperations(MapReader map) =>
        new(map.StringMap("set"), map.StringMap("add"), map.Strings("remove"));
}
