using Mesh.Api.Model;
using Mesh.Api.Validation;
using YamlDotNet.RepresentationModel;

namespace Mesh.Api.Yaml;

/// <summary>Reads one YAML document: envelope, metadata, typed spec, then semantic validation.</summary>
internal static class DocumentReader
{
    internal readonly record struct Result(ConfigObject? Object, IReadOnlyList<ConfigError> Errors, SourceMap SourceMap);

    private static readonly IReadOnlyList<string> ApiVersions =
        ["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"];

    private static readonly IReadOnlyList<string> SupportedKinds =
        ["VirtualService", "DestinationRule", "ServiceEntry", "Sidecar", "WorkloadEntry", "WorkloadGroup"];

    // Istio kinds users will feed us from real configs; they deserve a clearer word than "unknown".
    private static readonly IReadOnlyList<string> NotYetKinds =
    [
        "AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication",
        "Gateway", "EnvoyFilter", "ProxyConfig", "Telemetry", "WasmPlugin",
    ];

    public static Result Read(YamlNode root, string file, int index, int lineOffset)
    {
        var ctx = new ReadContext(file, index, lineOffset);
        if (YamlNodes.IsNull(root))
        {
            return new Result(null, [], SourceMap.Empty);
        }

        if (root is not YamlMappingNode)
        {
            ctx.Error(null, root, null, $"a config document must be a mapping with apiVersion, kind, metadata and spec, got {YamlNodes.Describe(root)}");
            return new Result(null, ctx.Errors, SourceMap.Empty);
        }

        var top = MapReader.Open(ctx, root, "")!;
        var apiVersion = top.String("apiVersion", required: true);
        var kind = top.String("kind", required: true);
        if (kind is null)
        {
            return new Result(null, ctx.Errors, ctx.ToSourceMap());
        }

        if (!SupportedKinds.Contains(kind))
        {
            var (name, ns) = PeekName(top);
            var message = NotYetKinds.Contains(kind)
                ? $"kind {kind} is not supported yet"
                : $"unknown kind \"{kind}\"; supported kinds are {string.Join(", ", SupportedKinds)}";
            ctx.Error(null, top.Field("kind"), null, message);
            return new Result(null, Stamp(ctx.Errors, kind, name, ns), ctx.ToSourceMap());
        }

        if (apiVersion is not null && !ApiVersions.Contains(apiVersion))
        {
            ctx.Error("apiVersion", top.Field("apiVersion"), apiVersion, $"apiVersion for {kind} must be one of {string.Join(", ", ApiVersions)}");
        }

        var meta = top.Object("metadata", m => Metadata(m, kind, apiVersion ?? "", file, index));
        if (meta is null && !top.Has("metadata"))
        {
            top.Missing("metadata");
        }

        var spec = top.Map("spec");
        if (spec is null && !top.Has("spec"))
        {
            top.Missing("spec");
        }

        var obj = spec is null ? null : Spec(kind, meta ?? Placeholder(kind), spec);
        if (obj is WorkloadEntry entry && top.Map("status") is { } status)
            obj = entry with { Health = WorkloadStatusReader.Health(status) };
        else top.Ignore("status");
        spec?.Finish();
        top.Finish();

        var sourceMap = ctx.ToSourceMap();
        if (ctx.Errors.Count == 0 && obj is not null)
        {
            // Only structurally sound documents are validated: a half-read spec would yield
            // follow-on errors about fields the user did write.
            var semantic = ConfigValidator.Validate(obj).Select(e => e with { Line = e.Line ?? sourceMap.LineOf(e.FieldPath) }).ToList();
            return semantic.Count == 0 ? new Result(obj, [], sourceMap) : new Result(null, semantic, sourceMap);
        }

        return new Result(null, Stamp(ctx.Errors, kind, meta?.Name, meta?.Namespace), sourceMap);
    }

    private static ConfigObject Spec(string kind, ConfigMeta meta, MapReader spec) => kind switch
    {
        "VirtualService" => new VirtualService(meta, VirtualServiceReader.Read(spec)),
        "DestinationRule" => new DestinationRule(meta, DestinationRuleReader.Read(spec)),
        "ServiceEntry" => new ServiceEntry(meta, ServiceEntryReader.Read(spec)),
        "Sidecar" => new Sidecar(meta, SidecarReader.Read(spec)),
        "WorkloadGroup" => new WorkloadGroup(meta, WorkloadGroupReader.Read(spec)),
        _ => new WorkloadEntry(meta, ServiceEntryReader.Workload(spec)),
    };

    private static ConfigMeta Metadata(MapReader m, string kind, string apiVersion, string file, int index)
    {
        var name = m.String("name", required: true) ?? "";
        var ns = m.String("namespace") ?? "default";
        var labels = m.StringMap("labels");

        // Annotations carry tool state (kubectl last-applied-configuration); the rest are written by
        // the API server. Accepted so `kubectl get -o yaml` output loads, but not modelled.
        m.StringMap("annotations");
        m.Ignore("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink");
        m.Unsupported("generateName");
        return new ConfigMeta(kind, apiVersion, name, ns, labels, new ConfigOrigin(file, index));
    }

    private static ConfigMeta Placeholder(string kind) =>
        new(kind, "", "", "default", new Dictionary<string, string>());

    /// <summary>Name and namespace of a kind we will not read, for the error message only.</summary>
    private static (string? Name, string Namespace) PeekName(MapReader top)
    {
        var metadata = top.Node.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: "metadata" }).Value as YamlMappingNode;
        string? Scalar(string key) =>
            metadata?.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value is YamlScalarNode v && !YamlNodes.IsNull(v)
                ? v.Value
                : null;
        return (Scalar("name"), Scalar("namespace") ?? "default");
    }

    private static List<ConfigError> Stamp(List<ConfigError> errors, string kind, string? name, string? ns) =>
        errors.Select(e => e with { Kind = kind, Name = string.IsNullOrEmpty(name) ? null : name, Namespace = string.IsNullOrEmpty(name) ? null : ns }).ToList();
}
