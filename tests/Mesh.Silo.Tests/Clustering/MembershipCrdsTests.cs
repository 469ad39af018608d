using System.Net;
using System.Text.Json.Nodes;
using Mesh.Silo.Clustering;
using Mesh.Testing.Kubernetes;
using Orleans.Runtime;
using YamlDotNet.RepresentationModel;

namespace Mesh.Silo.Tests.Clustering;

/// <summary>
/// deploy/kubernetes/membership-crds.yaml against the code: the names the table calls, a schema
/// that admits exactly what the table writes (a real API server refuses the rest), and RBAC for
/// every verb the table uses.
/// </summary>
public sealed class MembershipCrdsTests
{
    private static readonly List<YamlMappingNode> Documents = Load();

    [Theory]
    [InlineData(MembershipKinds.SiloKind, MembershipKinds.SiloPlural)]
    [InlineData(MembershipKinds.ClusterVersionKind, MembershipKinds.ClusterVersionPlural)]
    public void Crd_NamesAndVersion_AsTheTableCallsThem(string kind, string plural)
    {
        var spec = Map(Crd(kind), "spec");

        Assert.Equal($"{plural}.{MembershipKinds.Group}", Scalar(Map(Crd(kind), "metadata"), "name"));
        Assert.Equal(MembershipKinds.Group, Scalar(spec, "group"));
        Assert.Equal("Namespaced", Scalar(spec, "scope"));
        Assert.Equal(plural, Scalar(Map(spec, "names"), "plural"));
        Assert.Equal(MembershipKinds.Version, Scalar(Version(kind), "name"));
    }

    [Fact]
    public async Task Schema_ObjectsTheTableWrites_Admitted()
    {
        await using var api = await MembershipApi.StartAsync();
        var table = await api.InitializedTableAsync();
        var bare = MembershipApi.Entry(11111);
        var full = MembershipApi.Entry(11121, SiloStatus.Active);
        full.RoleName = "mesh";
        full.SuspectTimes = [Tuple.Create(bare.SiloAddress, full.StartTime)];
        bare.HostName = null!;
        bare.SiloName = null!;
        Assert.True(await table.InsertRow(bare, (await table.ReadAll()).Version.Next()));
        Assert.True(await table.InsertRow(full, (await table.ReadAll()).Version.Next()));

        foreach (var entry in new[] { bare, full })
        {
            var stored = JsonNode.Parse(api.Server.Get(FakeResource.MeshSilos, MembershipApi.Namespace, MembershipNames.Silo("test", entry.SiloAddress))!)!;
            Assert.Empty(Violations(Schema(MembershipKinds.SiloKind), stored, ""));
        }
        var version = JsonNode.Parse(api.Server.Get(FakeResource.MeshClusterVersions, MembershipApi.Namespace, "test")!)!;
        Assert.Empty(Violations(Schema(MembershipKinds.ClusterVersionKind), version, ""));
    }

    [Fact]
    public void Role_GrantsEveryVerbTheTableUses()
    {
        var role = Documents.Single(d => Scalar(d, "kind") == "Role");
        var rule = Assert.Single((YamlSequenceNode)role.Children[new YamlScalarNode("rules")]).ToMapping();

        Assert.Equal([MembershipKinds.Group], Strings(rule, "apiGroups"));
        Assert.Equal([MembershipKinds.ClusterVersionPlural, MembershipKinds.SiloPlural], Strings(rule, "resources").Order());
        Assert.Equal(["create", "delete", "get", "list", "update"], Strings(rule, "verbs").Order());
    }

    /// <summary>Where <paramref name="value"/> breaks the structural schema: a field not declared, a required one missing, a wrong type or enum value.</summary>
    private static IEnumerable<string> Violations(YamlMappingNode schema, JsonNode? value, string path)
    {
        var type = Scalar(schema, "type");
        if (value is null) { yield return $"{path}: null"; yield break; }
        switch (type)
        {
            case "object":
                if (value is not JsonObject obj) { yield return $"{path}: not an object"; yield break; }
                var properties = schema.Children.TryGetValue(new YamlScalarNode("properties"), out var p) ? (YamlMappingNode)p : null;
                foreach (var required in schema.Children.TryGetValue(new YamlScalarNode("required"), out var r) ? ((YamlSequenceNode)r).Select(n => n.ToString()) : [])
                    if (!obj.ContainsKey(required)) yield return $"{path}.{required}: required, missing";
                if (properties is null) yield break;
                foreach (var (key, child) in obj)
                {
                    // The API server checks these itself; a CRD's schema does not declare them.
                    if (path.Length == 0 && key is "apiVersion" or "kind" or "metadata") continue;
                    if (!properties.Children.TryGetValue(new YamlScalarNode(key), out var childSchema)) yield return $"{path}.{key}: not in the schema";
                    else foreach (var v in Violations((YamlMappingNode)childSchema, child, $"{path}.{key}")) yield return v;
                }
                break;
            case "array":
                if (value is not JsonArray array) { yield return $"{path}: not an array"; yield break; }
                foreach (var (item, i) in array.Select((item, i) => (item, i)))
                    foreach (var v in Violations(Map(schema, "items"), item, $"{path}[{i}]")) yield return v;
                break;
            case "string":
                if (value.GetValueKind() != System.Text.Json.JsonValueKind.String) yield return $"{path}: not a string";
                else if (schema.Children.TryGetValue(new YamlScalarNode("enum"), out var e) && !((YamlSequenceNode)e).Select(n => n.ToString()).Contains(value.GetValue<string>()))
                    yield return $"{path}: {value} not in the enum";
                break;
            case "integer":
                if (value.GetValueKind() != System.Text.Json.JsonValueKind.Number) yield return $"{path}: not an integer";
                break;
            default:
                yield return $"{path}: schema type {type} not checked here";
                break;
        }
    }

    private static YamlMappingNode Crd(string kind) =>
        Documents.Single(d => Scalar(d, "kind") == "CustomResourceDefinition" && Scalar(Map(Map(d, "spec"), "names"), "kind") == kind);

    private static YamlMappingNode Version(string kind) => Assert.Single((YamlSequenceNode)Map(Crd(kind), "spec").Children[new YamlScalarNode("versions")]).ToMapping();

    private static YamlMappingNode Schema(string kind) => Map(Map(Version(kind), "schema"), "openAPIV3Schema");

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static IEnumerable<string> Strings(YamlMappingNode node, string key) => ((YamlSequenceNode)node.Children[new YamlScalarNode(key)]).Select(n => n.ToString());

    private static List<YamlMappingNode> Load()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) dir = dir.Parent;
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(dir!.FullName, "deploy", "kubernetes", "membership-crds.yaml"));
        stream.Load(reader);
        return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }
}

internal static class YamlNodeExtensions
{
    public static YamlMappingNode ToMapping(this YamlNode node) => (YamlMappingNode)node;
}
